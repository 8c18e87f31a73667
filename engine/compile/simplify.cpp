// Algebraic simplification: the identities tracing and autodiff leave behind (multiplying by a
// materialized one, adding a materialized zero, casts and reshapes that change nothing). Every
// rewrite also keeps derivatives: jit evaluates the optimized jaxpr under grad and vmap, and the
// scalar operands it introduces are handled by every elementwise rule (unbroadcast in transposes).
#include <numeric>
#include <optional>

#include "engine/compile/passes.h"

namespace engine {

namespace {

using P = PrimId;

// Binary elementwise primitives (and select_n): their operands may be rank-0 scalars, which the
// kernels read for every element.
bool takes_scalar_operands(PrimId p) {
  switch (p) {
    case P::add: case P::sub: case P::mul: case P::div: case P::rem: case P::pow: case P::max:
    case P::min: case P::atan2: case P::and_: case P::or_: case P::xor_: case P::shift_left:
    case P::shift_right_logical: case P::eq: case P::ne: case P::lt: case P::le: case P::gt:
    case P::ge: case P::select_n:
      return true;
    default:
      return false;
  }
}

class Simplifier {
 public:
  Simplifier(const ClosedJaxpr& cj, const PassOptions& options)
      : out_{cj.jaxpr, cj.consts}, options_(options), subst_(cj.jaxpr.avals.size()),
        def_(cj.jaxpr.avals.size(), -1), const_of_(cj.jaxpr.avals.size(), -1),
        uses_(cj.jaxpr.avals.size(), 0) {
    for (size_t i = 0; i < cj.jaxpr.constvars.size(); ++i)
      if (cj.consts[i].is_concrete()) const_of_[cj.jaxpr.constvars[i]] = static_cast<int>(i);
    for (const Eqn& e : cj.jaxpr.eqns)
      for (const Atom& a : e.inputs)
        if (!a.is_literal()) ++uses_[a.var];
    for (const Atom& a : cj.jaxpr.outvars)
      if (!a.is_literal()) ++uses_[a.var];
  }

  ClosedJaxpr run(PassStats* stats) {
    Jaxpr& j = out_.jaxpr;
    for (Eqn e : std::vector<Eqn>(std::move(j.eqns))) {
      subst_.apply_to_inputs(e);
      bool changed = scalarize_operands(e);
      if (std::optional<Atom> same = forwarded(e)) {
        // The forwarded variable takes over the output's readers (and loses e's read).
        if (!same->is_literal()) uses_[same->var] += uses_[e.outputs[0]] - 1;
        subst_.set(e.outputs[0], *same);
        changed = true;
      } else {
        changed = zero_product(e) || changed;
        changed = transposed_product(e) || changed;
        for (int v : e.outputs) def_[v] = static_cast<int>(eqns_.size());
        eqns_.push_back(std::move(e));
      }
      if (changed && stats) ++stats->simplified;
    }
    j.eqns = std::move(eqns_);
    for (Atom& a : j.outvars) a = subst_.apply(a);
    return std::move(out_);
  }

 private:
  const Aval& aval(const Atom& a) const { return out_.jaxpr.aval(a); }

  // The value of every element of a, when it is visible at compile time: a literal, a fill
  // (broadcast_in_dim of a literal) or a concrete const whose elements are all equal.
  std::optional<double> uniform_value(const Atom& a) const {
    if (a.is_literal()) return a.literal.at_flat(0);
    if (int d = def_[a.var]; d >= 0) {
      const Eqn& e = eqns_[d];
      if (e.prim == P::broadcast_in_dim && e.inputs[0].is_literal()) return e.inputs[0].literal.at_flat(0);
      return std::nullopt;
    }
    if (int c = const_of_[a.var]; c >= 0) {
      const Array& v = out_.consts[c].array();
      if (v.size() == 0) return std::nullopt;
      double first = v.at_flat(0);
      for (int64_t i = 1; i < v.size(); ++i)
        if (v.at_flat(i) != first) return std::nullopt;
      return first;
    }
    return std::nullopt;
  }
  bool is_value(const Atom& a, double v) const {
    std::optional<double> u = uniform_value(a);
    return u && *u == v;
  }

  // An operand that is a broadcast of a rank-0 value to the output's shape is replaced by that
  // value, as long as another operand still carries the output's shape.
  bool scalarize_operands(Eqn& e) const {
    if (!takes_scalar_operands(e.prim)) return false;
    const Shape& out_shape = out_.jaxpr.avals[e.outputs[0]].shape;
    bool changed = false;
    for (size_t i = 0; i < e.inputs.size(); ++i) {
      const Atom& a = e.inputs[i];
      if (a.is_literal() || def_[a.var] < 0) continue;
      const Eqn& d = eqns_[def_[a.var]];
      if (d.prim != P::broadcast_in_dim || aval(d.inputs[0]).rank() != 0 || aval(a).shape != out_shape)
        continue;
      bool other_full = false;
      for (size_t k = 0; k < e.inputs.size(); ++k)
        other_full = other_full || (k != i && aval(e.inputs[k]).shape == out_shape);
      if (!other_full) continue;
      e.inputs[i] = d.inputs[0];
      changed = true;
    }
    return changed;
  }

  // The atom the output of e equals, when e computes nothing.
  std::optional<Atom> forwarded(const Eqn& e) const {
    if (e.outputs.size() != 1) return std::nullopt;
    const Aval& out = out_.jaxpr.avals[e.outputs[0]];
    auto if_same = [&](const Atom& a) -> std::optional<Atom> {
      return aval(a) == out ? std::optional<Atom>(a) : std::nullopt;
    };
    const std::vector<Atom>& in = e.inputs;
    switch (e.prim) {
      case P::mul:
        if (out.rank() == 0 && is_zero_product(e)) return Atom::lit(Array::scalar(0, out.dtype));
        if (is_value(in[1], 1)) return if_same(in[0]);
        if (is_value(in[0], 1)) return if_same(in[1]);
        return std::nullopt;
      case P::div:
        return is_value(in[1], 1) ? if_same(in[0]) : std::nullopt;
      case P::add:
        if (is_value(in[1], 0)) return if_same(in[0]);
        if (is_value(in[0], 0)) return if_same(in[1]);
        return std::nullopt;
      case P::sub:
        return is_value(in[1], 0) ? if_same(in[0]) : std::nullopt;
      case P::integer_pow:  // x^1, which the derivative of x^2 leaves behind
        return e.params.i("y") == 1 ? if_same(in[0]) : std::nullopt;
      case P::convert_element_type:
      case P::reshape:
      case P::squeeze:
      case P::broadcast_in_dim:
      case P::reduce_sum:
      case P::reduce_max:
      case P::reduce_min:
      case P::reduce_prod:
        // With equal avals these are identities (no axis removed, added or resized).
        return if_same(in[0]);
      case P::transpose: {
        IntList identity(aval(in[0]).rank());
        std::iota(identity.begin(), identity.end(), 0);
        return e.params.ints("permutation") == identity ? if_same(in[0]) : std::nullopt;
      }
      default:
        return std::nullopt;
    }
  }

  bool is_zero_product(const Eqn& e) const {
    return e.prim == P::mul && options_.fold_zero_products &&
           (is_value(e.inputs[0], 0) || is_value(e.inputs[1], 0));
  }

  // 0 * x -> zeros of the output's aval: a fill (a rank-0 output became a literal in forwarded()).
  bool zero_product(Eqn& e) const {
    if (!is_zero_product(e)) return false;
    const Aval& out = out_.jaxpr.avals[e.outputs[0]];
    e = Eqn{P::broadcast_in_dim, Params{{"shape", out.shape}, {"broadcast_dimensions", IntList{}}},
            {Atom::lit(Array::scalar(0, out.dtype))}, e.outputs};
    return true;
  }

  // transpose(dot_general(a, b)) that only swaps the two free blocks of the product's
  // (batch, lhs free, rhs free) layout is dot_general(b, a): reverse mode emits it for every
  // weight gradient, and the product with swapped operands writes the wanted layout directly
  // instead of a whole extra pass through memory. Each output element sums the same products in
  // the same order, so values are unchanged. Only when the transpose is the product's one reader.
  bool transposed_product(Eqn& e) const {
    if (e.prim != P::transpose || e.inputs[0].is_literal()) return false;
    const int v = e.inputs[0].var;
    if (def_[v] < 0 || uses_[v] != 1) return false;
    const Eqn& dot = eqns_[def_[v]];
    if (dot.prim != P::dot_general || dot.outputs.size() != 1 || dot.outputs[0] != v) return false;
    const IntLists& d = dot.params.get<IntLists>("dimension_numbers");
    const int64_t nb = static_cast<int64_t>(d[2].size());
    const int64_t nl = aval(dot.inputs[0]).rank() - nb - static_cast<int64_t>(d[0].size());
    const int64_t nr = aval(dot.inputs[1]).rank() - nb - static_cast<int64_t>(d[1].size());
    IntList swap(nb);
    std::iota(swap.begin(), swap.end(), 0);
    for (int64_t i = 0; i < nr; ++i) swap.push_back(nb + nl + i);
    for (int64_t i = 0; i < nl; ++i) swap.push_back(nb + i);
    if (nl == 0 || nr == 0 || e.params.ints("permutation") != swap) return false;
    Params p = dot.params;
    p.set("dimension_numbers", IntLists{d[1], d[0], d[3], d[2]});
    e = Eqn{P::dot_general, std::move(p), {dot.inputs[1], dot.inputs[0]}, e.outputs};
    return true;
  }

  ClosedJaxpr out_;
  const PassOptions& options_;
  Substitution subst_;
  std::vector<Eqn> eqns_;
  std::vector<int> def_;       // variable -> index of its equation in eqns_, or -1
  std::vector<int> const_of_;  // variable -> index of its concrete const, or -1
  std::vector<int> uses_;      // variable -> readers in the input jaxpr (equations and outputs)
};

}  // namespace

ClosedJaxpr simplify(const ClosedJaxpr& cj, const PassOptions& options, PassStats* stats) {
  return Simplifier(cj, options).run(stats);
}

}  // namespace engine
