// dce, cse, constant folding and the pipeline; algebraic simplification is in simplify.cpp.
#include "engine/compile/passes.h"

#include <cstring>
#include <optional>
#include <unordered_map>

namespace engine {

void Substitution::set(int var, Atom atom) { to[var] = std::move(atom); }

Atom Substitution::apply(const Atom& a) const {
  if (a.is_literal() || static_cast<size_t>(a.var) >= to.size()) return a;
  const Atom& t = to[a.var];
  return (t.var < 0 && !t.literal.valid()) ? a : t;
}

void Substitution::apply_to_inputs(Eqn& e) const {
  for (Atom& a : e.inputs) a = apply(a);
}

static void apply_to_outputs(Jaxpr& j, const Substitution& s) {
  for (Atom& a : j.outvars) a = s.apply(a);
}

// ---- dce

ClosedJaxpr dce(const ClosedJaxpr& cj, PassStats* stats) {
  const Jaxpr& j = cj.jaxpr;
  const auto [keep, live] = liveness(j);
  // Rebuild with variables numbered in order of appearance, dropping dead ones.
  ClosedJaxpr out;
  Jaxpr& o = out.jaxpr;
  std::vector<int> renamed(j.avals.size(), -1);
  auto fresh = [&](int v) { return renamed[v] = o.new_var(j.avals[v]); };
  auto atom = [&](const Atom& a) { return a.is_literal() ? a : Atom::of(renamed[a.var]); };
  for (size_t i = 0; i < j.constvars.size(); ++i) {
    if (!live[j.constvars[i]]) continue;
    o.constvars.push_back(fresh(j.constvars[i]));
    out.consts.push_back(cj.consts[i]);
  }
  for (int v : j.invars) o.invars.push_back(renamed[v] >= 0 ? renamed[v] : fresh(v));
  for (size_t k = 0; k < j.eqns.size(); ++k) {
    const Eqn& e = j.eqns[k];
    if (!keep[k]) {
      if (stats) ++stats->removed;
      continue;
    }
    Eqn ne{e.prim, e.params, {}, {}};
    for (const Atom& a : e.inputs) ne.inputs.push_back(atom(a));
    for (int v : e.outputs) ne.outputs.push_back(fresh(v));
    o.eqns.push_back(std::move(ne));
  }
  for (const Atom& a : j.outvars) o.outvars.push_back(atom(a));
  return out;
}

// ---- cse

namespace {

uint64_t literal_bits(const Array& a) {
  uint64_t bits = 0;
  std::memcpy(&bits, a.raw(), std::min(sizeof bits, a.nbytes()));
  return bits;
}

bool same_atom(const Atom& a, const Atom& b) {
  if (a.is_literal() != b.is_literal()) return false;
  return a.is_literal() ? a.literal.same_values(b.literal) : a.var == b.var;
}

size_t eqn_hash(const Eqn& e) {
  size_t h = static_cast<size_t>(e.prim) * 0x9e3779b97f4a7c15ULL ^ e.params.hash();
  for (const Atom& a : e.inputs) {
    size_t v = a.is_literal() ? literal_bits(a.literal) * 31 + static_cast<size_t>(a.literal.dtype())
                              : static_cast<size_t>(a.var);
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  }
  return h;
}

bool same_computation(const Eqn& a, const Eqn& b) {
  if (a.prim != b.prim || a.inputs.size() != b.inputs.size() || a.outputs.size() != b.outputs.size())
    return false;
  for (size_t i = 0; i < a.inputs.size(); ++i)
    if (!same_atom(a.inputs[i], b.inputs[i])) return false;
  return a.params == b.params;
}

}  // namespace

ClosedJaxpr cse(const ClosedJaxpr& cj, PassStats* stats) {
  ClosedJaxpr out{cj.jaxpr, cj.consts};
  Jaxpr& j = out.jaxpr;
  Substitution subst(j.avals.size());
  std::vector<Eqn> kept;
  std::unordered_multimap<size_t, size_t> seen;  // hash -> index into kept
  for (Eqn e : cj.jaxpr.eqns) {
    subst.apply_to_inputs(e);
    size_t h = eqn_hash(e);
    bool merged = false;
    auto [lo, hi] = seen.equal_range(h);
    for (auto it = lo; it != hi && !merged; ++it) {
      const Eqn& earlier = kept[it->second];
      if (!same_computation(e, earlier)) continue;
      for (size_t i = 0; i < e.outputs.size(); ++i) subst.set(e.outputs[i], Atom::of(earlier.outputs[i]));
      merged = true;
    }
    if (merged) {
      if (stats) ++stats->merged;
      continue;
    }
    seen.emplace(h, kept.size());
    kept.push_back(std::move(e));
  }
  j.eqns = std::move(kept);
  apply_to_outputs(j, subst);
  return out;
}

// ---- constant folding

namespace {

bool is_fill(const Eqn& e, const Jaxpr& j) {
  return e.prim == PrimId::broadcast_in_dim && j.aval(e.inputs[0]).rank() == 0;
}

// The single value of an array whose elements all have the same bits, as a rank-0 array.
std::optional<Array> uniform_scalar(const Array& a) {
  if (a.size() == 0) return std::nullopt;
  const size_t width = dtype_size(a.dtype());
  const auto* p = static_cast<const char*>(a.raw());
  for (int64_t i = 1; i < a.size(); ++i)
    if (std::memcmp(p, p + i * width, width) != 0) return std::nullopt;
  Array s = Array::empty(a.dtype(), {});
  std::memcpy(s.mutable_raw(), p, width);
  return s;
}

}  // namespace

ClosedJaxpr fold_constants(const ClosedJaxpr& cj, const PassOptions& options, PassStats* stats) {
  Backend& backend = options.backend ? *options.backend : default_backend();
  ClosedJaxpr out{cj.jaxpr, cj.consts};
  Jaxpr& j = out.jaxpr;
  Substitution subst(j.avals.size());
  std::vector<Array> known(j.avals.size());
  for (size_t i = 0; i < j.constvars.size(); ++i)
    if (cj.consts[i].is_concrete()) known[j.constvars[i]] = cj.consts[i].array();
  std::vector<Eqn> kept;
  for (Eqn e : cj.jaxpr.eqns) {
    subst.apply_to_inputs(e);
    std::vector<Array> args;
    for (const Atom& a : e.inputs) {
      const Array& v = a.is_literal() ? a.literal : known[a.var];
      if (!v.valid()) break;
      args.push_back(v);
    }
    int64_t out_elements = 0;
    for (int v : e.outputs) out_elements += j.avals[v].size();
    if (args.size() != e.inputs.size() || out_elements > options.fold_max_elements) {
      kept.push_back(std::move(e));
      continue;
    }
    std::vector<Array> values = backend.execute(e.prim, args, e.params);
    // A fill (zeros(shape), full_like) is already the cheapest form of its value: keep the
    // equation, but let its value fold into the equations that use it.
    if (is_fill(e, j)) {
      known[e.outputs[0]] = values[0];
      kept.push_back(std::move(e));
      continue;
    }
    if (stats) ++stats->folded;
    std::optional<Array> fill;
    if (values.size() == 1 && values[0].rank() > 0 && (fill = uniform_scalar(values[0]))) {
      // A uniform result is cheapest as a fill: no buffer, and later passes see its value.
      known[e.outputs[0]] = values[0];
      kept.push_back(Eqn{PrimId::broadcast_in_dim,
                         Params{{"shape", values[0].shape()}, {"broadcast_dimensions", IntList{}}},
                         {Atom::lit(*fill)}, e.outputs});
      continue;
    }
    for (size_t i = 0; i < values.size(); ++i) {
      int v = e.outputs[i];
      if (values[i].rank() == 0) {
        subst.set(v, Atom::lit(values[i]));
      } else {
        j.constvars.push_back(v);  // the output variable itself becomes a const
        out.consts.emplace_back(values[i]);
      }
      known[v] = values[i];
    }
  }
  j.eqns = std::move(kept);
  apply_to_outputs(j, subst);
  return out;
}

// ---- pipeline

ClosedJaxpr optimize(const ClosedJaxpr& cj, const PassOptions& options, PassStats* stats) {
  PassStats local;
  ClosedJaxpr cur = cj;
  for (int round = 0; round < std::max(options.max_rounds, 1); ++round) {
    PassStats r;
    cur = simplify(cur, options, &r);
    cur = fold_constants(cur, options, &r);
    cur = cse(cur, &r);
    cur = dce(cur, &r);
    local.removed += r.removed;
    local.merged += r.merged;
    local.folded += r.folded;
    local.simplified += r.simplified;
    if (r.total() == 0) break;
  }
  if (stats) *stats = local;
  return cur;
}

}  // namespace engine
