// Each operation of a fused loop is its primitive's tile kernel (PrimitiveRules::tile, built from
// the reference kernel's own scalar function), so a group computes the unfused bits. The sums'
// accumulation loop is compiled per vector width here (engine/core/simd_dispatch.h).
#if defined(__GNUC__) && !defined(__clang__)  // clang has no per-file optimize pragma
#pragma GCC optimize("O3")
#endif
#include "engine/compile/fusion.h"

#include <algorithm>
#include <bit>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "engine/core/parallel.h"
#include "engine/core/simd_dispatch.h"
#include "engine/ops/families.h"

namespace engine {

namespace {

using P = PrimId;

bool float_or_bool(DType d) { return d == DType::f32 || d == DType::boolean; }

// Elementwise primitives with a tile kernel, and broadcast_in_dim: in the forms fusible()
// accepts, it copies a register the loop has already filled.
bool fusible_prim(PrimId p) { return p == P::broadcast_in_dim || (has_rules(p) && rules(p).tile); }

// FusedGroup::may_overwrite.
void find_overwritable_inputs(FusedGroup& g, const Jaxpr& j) {
  const int num_inputs = static_cast<int>(g.input_vars.size());
  std::vector<int> last_read(num_inputs, -1);  // the last op reading each input; a sum: past all
  for (size_t o = 0; o < g.ops.size(); ++o)
    for (int r : g.ops[o].in)
      if (r < num_inputs) last_read[r] = static_cast<int>(o);
  for (const FusedGroup::Reduction& r : g.reductions)
    if (r.reg < num_inputs) last_read[r.reg] = static_cast<int>(g.ops.size());
  for (size_t o = 0; o < g.output_regs.size(); ++o) {
    const int reg = g.output_regs[o];
    g.may_overwrite.emplace_back();
    if (g.output_dtypes[o] != DType::f32) continue;  // bool outputs are bytes, not floats
    const int producer = static_cast<int>(
        std::find_if(g.ops.begin(), g.ops.end(), [&](const FusedGroup::Op& op) { return op.out == reg; }) -
        g.ops.begin());
    std::vector<int> inputs;
    for (int k = 0; k < num_inputs; ++k) {
      const Aval& in = j.avals[g.input_vars[k]];
      if (in.dtype == DType::f32 && in.shape == g.shape && last_read[k] <= producer) inputs.push_back(k);
    }
    g.may_overwrite.back() = std::move(inputs);
  }
}

}  // namespace

bool fusible(const Eqn& e, const Jaxpr& j) {
  if (!fusible_prim(e.prim) || e.outputs.size() != 1) return false;
  const Aval& out = j.avals[e.outputs[0]];
  if (!float_or_bool(out.dtype) || out.rank() == 0) return false;
  if (e.prim == P::select_n && e.inputs.size() != 3) return false;
  if (e.prim == P::broadcast_in_dim) {
    // Fusible as "a scalar filling the tile" or "a row repeating along the last axis" (a
    // per-channel bias or BatchNorm statistic), the loop reading the row in place.
    // The row may carry size-1 axes ([1, 1, 1, C] from a keepdims mean): its data is C values.
    const Aval& in = j.aval(e.inputs[0]);
    if (in.rank() == 0) return float_or_bool(in.dtype);
    const IntList& dims = e.params.ints("broadcast_dimensions");
    return in.dtype == DType::f32 && in.shape.back() == out.shape.back() &&
           shape_size(in.shape) == out.shape.back() && dims.back() == out.rank() - 1;
  }
  for (const Atom& a : e.inputs) {
    const Aval& in = j.aval(a);
    if (!float_or_bool(in.dtype)) return false;
    if (in.rank() != 0 && in.shape != out.shape) return false;
  }
  return true;
}

std::optional<FusedGroup> one_op_loop(PrimId prim, const Params& params, std::span<const Aval> in,
                                      const Aval& out) {
  if (!fusible_prim(prim) || prim == P::broadcast_in_dim || !float_or_bool(out.dtype)) return std::nullopt;
  if (prim == P::select_n && in.size() != 3) return std::nullopt;
  for (const Aval& a : in)
    if (!float_or_bool(a.dtype) || (a.rank() != 0 && a.shape != out.shape)) return std::nullopt;
  const int n = static_cast<int>(in.size());
  FusedGroup loop;
  loop.shape = out.shape;
  loop.input_vars.resize(in.size());  // registers 0..n-1; the variable numbers are not read
  FusedGroup::Op op{prim, n, {}, params};
  for (int r = 0; r < n; ++r) op.in.push_back(r);
  loop.ops = {op};
  loop.output_vars = {0};
  loop.output_regs = {n};
  loop.output_dtypes = {out.dtype};
  loop.num_regs = n + 1;
  loop.may_overwrite = {{}};
  return loop;
}

bool fusible_sum(const Eqn& e, const Jaxpr& j) {
  if (e.prim != P::reduce_sum || e.inputs.size() != 1 || e.inputs[0].is_literal()) return false;
  const Aval& in = j.aval(e.inputs[0]);
  const IntList& axes = e.params.ints("axes");
  if (in.dtype != DType::f32 || j.avals[e.outputs[0]].dtype != DType::f32 || axes.empty()) return false;
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] != static_cast<int64_t>(i)) return false;
  return shape_size(in.shape) > 0;
}

namespace {

// At most this many equations are copied into one group to recompute one value there.
constexpr size_t kMaxRecomputed = 24;

// Reverse mode keeps, for the backward pass, elementwise values of the forward pass (x - mean,
// 2 * x, the relu mask): each one array written by a forward loop and read back by a backward
// loop. Where the reading group can compute such values from what it reads anyway, or from one
// more array that replaces more bytes than it costs (x instead of x - mean and the mask), it does:
// the equations that make them are copied to the front of the group, and the values are no longer
// read from memory (nor written, once nothing reads them).
void recompute_cheap_values(const Jaxpr& j, const std::vector<Shape>& shapes, const std::vector<int>& group_of_var,
                            std::vector<std::vector<size_t>>& members) {
  std::vector<int> def(j.avals.size(), -1);
  for (size_t k = 0; k < j.eqns.size(); ++k)
    for (int v : j.eqns[k].outputs) def[v] = static_cast<int>(k);
  auto bytes = [&](int v) { return shape_size(j.avals[v].shape) * static_cast<int64_t>(dtype_size(j.avals[v].dtype)); };
  for (size_t g = 0; g < members.size(); ++g) {
    std::set<size_t> copies;  // equations of other groups copied into g, run first in jaxpr order
    const std::vector<size_t> own = members[g];
    for (bool changed = true; changed;) {
      changed = false;
      // The arrays g reads from memory now.
      std::set<int> produced, reads;
      for (size_t pass = 0; pass < 2; ++pass)
        for (size_t m : pass == 0 ? std::vector<size_t>(copies.begin(), copies.end()) : own) {
          for (const Atom& a : j.eqns[m].inputs)
            if (!a.is_literal() && !produced.count(a.var)) reads.insert(a.var);
          produced.insert(j.eqns[m].outputs[0]);
        }
      // Per candidate (a value of another group's loop): the equations that compute it and the
      // arrays of g's shape it needs that g does not read yet.
      struct Candidate {
        int var;
        std::vector<size_t> eqns;
        std::set<int> new_reads;
      };
      std::vector<Candidate> candidates;
      for (int v : reads) {
        const int h = group_of_var[v];
        if (h < 0 || h == static_cast<int>(g) || j.avals[v].shape != shapes[g]) continue;
        Candidate c{v, {}, {}};
        std::function<bool(int)> collect = [&](int u) {
          const size_t k = static_cast<size_t>(def[u]);
          if (std::find(c.eqns.begin(), c.eqns.end(), k) != c.eqns.end()) return true;
          for (const Atom& a : j.eqns[k].inputs) {
            if (a.is_literal()) continue;
            const Aval& in = j.avals[a.var];
            if (group_of_var[a.var] == h) {
              if (!collect(a.var)) return false;
            } else if (in.rank() != 0 && in.shape == shapes[g] && !reads.count(a.var)) {
              c.new_reads.insert(a.var);
            }
          }
          c.eqns.push_back(k);
          return c.eqns.size() <= kMaxRecomputed && c.new_reads.size() <= 1;
        };
        if (collect(v)) candidates.push_back(std::move(c));
      }
      // Take every candidate needing nothing new; else those sharing one new array, when the
      // arrays they stop reading outweigh it.
      std::vector<const Candidate*> take;
      for (const Candidate& c : candidates)
        if (c.new_reads.empty()) take.push_back(&c);
      for (const Candidate& c : candidates) {
        if (!take.empty()) break;
        if (c.new_reads.empty()) continue;
        const int extra = *c.new_reads.begin();
        std::vector<const Candidate*> sharing;
        int64_t saved = 0;
        for (const Candidate& d : candidates)
          if (d.new_reads == c.new_reads) sharing.push_back(&d), saved += bytes(d.var);
        if (saved > bytes(extra)) take = sharing;
      }
      for (const Candidate* c : take) copies.insert(c->eqns.begin(), c->eqns.end());
      changed = !take.empty();
    }
    if (copies.empty()) continue;
    members[g].assign(copies.begin(), copies.end());
    members[g].insert(members[g].end(), own.begin(), own.end());
  }
}

}  // namespace

std::vector<Step> plan_fusion(const Jaxpr& j) {
  const int n = static_cast<int>(j.eqns.size());
  // group_of_var: the group computing a variable tile by tile (readable by later members);
  // sum_of_var: the group whose reduction produces it (complete only once that group has run).
  std::vector<int> group_of_var(j.avals.size(), -1), sum_of_var(j.avals.size(), -1);
  std::vector<std::vector<size_t>> members;
  std::vector<Shape> shapes;
  std::vector<bool> open;
  std::vector<std::vector<int>> after;  // per group: the open groups whose sums it reads
  std::map<Shape, int> open_by_shape;
  std::vector<std::pair<int, int>> order;  // (eqn, -1) or (-1, group), in emission order

  // A group is emitted when something outside needs its values: after the groups it reads sums of.
  std::function<void(int)> close = [&](int g) {
    if (!open[g]) return;
    open[g] = false;
    if (open_by_shape[shapes[g]] == g) open_by_shape.erase(shapes[g]);
    for (int p : after[g]) close(p);
    order.push_back({-1, g});
  };
  std::function<bool(int, int)> waits_for = [&](int g, int target) {
    if (g == target) return true;
    for (int p : after[g])
      if (open[p] && waits_for(p, target)) return true;
    return false;
  };
  for (int k = 0; k < n; ++k) {
    const Eqn& e = j.eqns[k];
    const bool sum = fusible_sum(e, j);
    if (!sum && !fusible(e, j)) {
      for (const Atom& a : e.inputs)
        if (!a.is_literal()) {
          if (group_of_var[a.var] >= 0) close(group_of_var[a.var]);
          if (sum_of_var[a.var] >= 0) close(sum_of_var[a.var]);
        }
      order.push_back({k, -1});
      continue;
    }
    const Shape& shape = sum ? j.aval(e.inputs[0]).shape : j.avals[e.outputs[0]].shape;
    auto it = open_by_shape.find(shape);
    int g = it == open_by_shape.end() ? -1 : it->second;
    // Values of another group: that group runs first. Sums: their group runs first, and a
    // group never reads its own sums (they are complete only after its loop).
    std::vector<int> reads_sums_of;
    for (const Atom& a : e.inputs) {
      if (a.is_literal()) continue;
      if (group_of_var[a.var] >= 0 && group_of_var[a.var] != g) close(group_of_var[a.var]);
      const int p = sum_of_var[a.var];
      if (p >= 0 && open[p]) reads_sums_of.push_back(p);
    }
    if (g >= 0 && open[g])
      for (int p : reads_sums_of)
        if (open[p] && waits_for(p, g)) close(g);
    if (g < 0 || !open[g]) {
      g = static_cast<int>(members.size());
      members.emplace_back();
      shapes.push_back(shape);
      open.push_back(true);
      after.emplace_back();
      open_by_shape[shape] = g;
    }
    for (int p : reads_sums_of)
      if (open[p]) after[g].push_back(p);
    members[g].push_back(k);
    (sum ? sum_of_var : group_of_var)[e.outputs[0]] = g;
  }
  for (int g = 0; g < static_cast<int>(members.size()); ++g) close(g);
  recompute_cheap_values(j, shapes, group_of_var, members);

  // Which variables are read from memory: by plain equations, by groups that do not compute
  // them themselves, or returned.
  std::vector<bool> read_outside;
  auto find_reads_outside = [&] {
    read_outside.assign(j.avals.size(), false);
    for (auto [k, g] : order) {
      if (k >= 0) {
        for (const Atom& a : j.eqns[k].inputs)
          if (!a.is_literal()) read_outside[a.var] = true;
        continue;
      }
      std::set<int> produced;
      for (size_t m : members[g]) {
        for (const Atom& a : j.eqns[m].inputs)
          if (!a.is_literal() && !produced.count(a.var)) read_outside[a.var] = true;
        produced.insert(j.eqns[m].outputs[0]);
      }
    }
    for (const Atom& a : j.outvars)
      if (!a.is_literal()) read_outside[a.var] = true;
  };
  // Once backward loops recompute forward values, the forward loop may hold equations whose
  // values nobody reads any more (swish's s * (1 - s), which only its derivative used): drop
  // them, and then what only they read, until nothing changes.
  for (bool dropped = true; dropped;) {
    find_reads_outside();
    dropped = false;
    for (std::vector<size_t>& m : members) {
      std::set<int> needed;
      std::vector<size_t> kept;
      for (auto it = m.rbegin(); it != m.rend(); ++it) {
        const Eqn& e = j.eqns[*it];
        if (e.prim != P::reduce_sum && !read_outside[e.outputs[0]] && !needed.count(e.outputs[0])) continue;
        kept.push_back(*it);
        for (const Atom& a : e.inputs)
          if (!a.is_literal()) needed.insert(a.var);
      }
      dropped = dropped || kept.size() != m.size();
      m.assign(kept.rbegin(), kept.rend());
    }
  }

  std::vector<Step> steps;
  for (auto [k, g] : order) {
    if (k >= 0) {
      steps.push_back({k, nullptr});
      continue;
    }
    // A group (or lone equation) whose every value is now recomputed where it is read.
    bool needed = false;
    for (size_t m : members[g])
      needed = needed || j.eqns[m].prim == P::reduce_sum || read_outside[j.eqns[m].outputs[0]];
    if (!needed) continue;
    if (members[g].size() == 1) {
      steps.push_back({static_cast<int>(members[g][0]), nullptr});
      continue;
    }
    auto group = std::make_shared<FusedGroup>();
    group->shape = shapes[g];
    group->eqn_indices = members[g];
    std::map<int, int> reg_of_var;
    auto reg_for_input = [&](const Atom& a) {
      if (a.is_literal()) {
        group->literals.push_back(a.literal);
        return -static_cast<int>(group->literals.size());  // fixed up below
      }
      auto it = reg_of_var.find(a.var);
      if (it != reg_of_var.end()) return it->second;
      int r = static_cast<int>(group->input_vars.size());
      group->input_vars.push_back(a.var);
      reg_of_var[a.var] = r;
      return r;
    };
    // First pass: find external inputs in order of first use.
    std::vector<std::vector<int>> op_inputs;
    std::vector<int> produced;
    for (size_t k2 : members[g]) {
      const Eqn& e = j.eqns[k2];
      std::vector<int> ins;
      for (const Atom& a : e.inputs) {
        bool internal = !a.is_literal() && std::find(produced.begin(), produced.end(), a.var) != produced.end();
        ins.push_back(internal ? -1000000 - a.var : reg_for_input(a));
      }
      op_inputs.push_back(ins);
      produced.push_back(e.outputs[0]);
    }
    int num_inputs = static_cast<int>(group->input_vars.size());
    int num_literals = static_cast<int>(group->literals.size());
    int next = num_inputs + num_literals;
    std::vector<int> sum_vars;
    for (size_t m = 0; m < members[g].size(); ++m) {
      const Eqn& e = j.eqns[members[g][m]];
      if (e.prim == P::reduce_sum) {
        int r = op_inputs[m][0];
        if (r <= -1000000) r = reg_of_var.at(-(r + 1000000));
        group->reductions.push_back({r, e.outputs[0], j.avals[e.outputs[0]].shape});
        sum_vars.push_back(e.outputs[0]);
        continue;
      }
      FusedGroup::Op op{e.prim, next++, {}, e.params};
      for (int r : op_inputs[m]) {
        if (r <= -1000000) r = reg_of_var.at(-(r + 1000000));
        else if (r < 0) r = num_inputs + (-r - 1);
        op.in.push_back(r);
      }
      reg_of_var[e.outputs[0]] = op.out;
      group->ops.push_back(op);
      if (read_outside[e.outputs[0]]) {
        group->output_vars.push_back(e.outputs[0]);
        group->output_regs.push_back(op.out);
        group->output_dtypes.push_back(j.avals[e.outputs[0]].dtype);
      }
    }
    group->output_vars.insert(group->output_vars.end(), sum_vars.begin(), sum_vars.end());
    group->num_regs = next;
    find_overwritable_inputs(*group, j);
    steps.push_back({-1, group});
  }
  return steps;
}

std::optional<Epilogue> epilogue_of(const FusedGroup& g, const Jaxpr& j, int var, int first_input) {
  if (!g.reductions.empty() || g.output_vars.size() != 1) return std::nullopt;
  const int num_inputs = static_cast<int>(g.input_vars.size());
  const int num_literals = static_cast<int>(g.literals.size());
  auto found = std::find(g.input_vars.begin(), g.input_vars.end(), var);
  if (found == g.input_vars.end()) return std::nullopt;
  const int start = static_cast<int>(found - g.input_vars.begin());
  int value = start;
  std::map<int, int> broadcast_of;  // a broadcast_in_dim's register -> the row or scalar it repeats
  auto source = [&](int reg) {
    auto b = broadcast_of.find(reg);
    return b == broadcast_of.end() ? reg : b->second;
  };
  auto is_zero = [&](int reg) {  // +0.0, a literal or repeated by a broadcast
    const int r = source(reg) - num_inputs;
    return r >= 0 && r < num_literals && g.literals[r].dtype() == DType::f32 && g.literals[r].size() == 1 &&
           std::bit_cast<uint32_t>(static_cast<float>(g.literals[r].at_flat(0))) == 0;
  };
  auto read_elsewhere = [&](int reg, const FusedGroup::Op& except) {
    return std::any_of(g.ops.begin(), g.ops.end(), [&](const FusedGroup::Op& o) {
      return &o != &except && std::count(o.in.begin(), o.in.end(), reg) > 0;
    });
  };
  int positive = -1;  // the register of `value > 0`, while a relu's select is pending
  Epilogue ep;
  for (const FusedGroup::Op& op : g.ops) {
    const auto uses = std::count(op.in.begin(), op.in.end(), value);
    if (op.prim == P::broadcast_in_dim && uses == 0) {
      broadcast_of[op.out] = op.in[0];
      continue;
    }
    // relu as nn's where(v > 0, v, 0): one step, max(v, 0), where the mask is read by nothing
    // else. oneDNN's max returns its second operand for a NaN or equal first one, so NaN and -0
    // come out as +0, as the select gives them (checked by cpu_backend_test).
    if (op.prim == P::gt && uses == 1 && op.in[0] == value && is_zero(op.in[1]) && positive < 0) {
      positive = op.out;
      continue;
    }
    if (positive >= 0) {
      if (op.prim != P::select_n || op.in[0] != positive || op.in[2] != value || !is_zero(op.in[1]) ||
          read_elsewhere(positive, op))
        return std::nullopt;
      ep.ops.push_back(EpilogueOp{.prim = P::max, .value_first = true, .input = -1, .operand = {}, .constant = 0});
      value = op.out;
      positive = -1;
      continue;
    }
    if (uses != 1) return std::nullopt;
    EpilogueOp e;
    e.prim = op.prim;
    if (op.prim != P::neg) {
      if (op.in.size() != 2) return std::nullopt;
      if (op.prim != P::add && op.prim != P::sub && op.prim != P::mul && op.prim != P::max && op.prim != P::min)
        return std::nullopt;
      e.value_first = op.in[0] == value;
      const int other = source(e.value_first ? op.in[1] : op.in[0]);
      if (other == start) return std::nullopt;  // var itself again, off the chain
      if (other < num_inputs) {
        const int operand = g.input_vars[other];
        auto at = std::find(ep.operand_vars.begin(), ep.operand_vars.end(), operand);
        if (at == ep.operand_vars.end()) at = ep.operand_vars.insert(at, operand);
        e.input = first_input + static_cast<int>(at - ep.operand_vars.begin());
        e.operand = j.avals[operand];
      } else if (other < num_inputs + num_literals) {
        const Array& literal = g.literals[other - num_inputs];
        if (literal.dtype() != DType::f32 || literal.size() != 1) return std::nullopt;
        e.constant = static_cast<float>(literal.at_flat(0));
      } else {
        return std::nullopt;  // a value computed off the chain
      }
    }
    ep.ops.push_back(e);
    value = op.out;
  }
  if (ep.ops.empty() || positive >= 0 || g.output_regs[0] != value) return std::nullopt;
  return ep;
}

namespace {

// One operation over a tile of n registers' worth of elements: the primitive's own tile kernel.
void apply(const FusedGroup::Op& op, float* out, const float* const* in, int64_t n) {
  if (op.prim == P::broadcast_in_dim) {
    std::copy_n(in[0], n, out);
    return;
  }
  rules(op.prim).tile(in, out, n, op.params);
}

// How many chunks of tiles a fused loop with sums is cut into (see FusedGroup::run).
constexpr int64_t kSumChunks = 64;

// At least n uninitialized Ts, this thread's own and reused by its next call with the same
// `Slot`: after its first run a loop allocates (and clears) nothing. A group uses slot 0 for its
// sums and slot 1 for its tile registers, and never runs inside another group.
template <class T, int Slot>
T* thread_buffer(size_t n) {
  thread_local std::unique_ptr<T[]> buffer;
  thread_local size_t capacity = 0;
  if (capacity < n) {
    buffer.reset(new T[n]);
    capacity = n;
  }
  return buffer.get();
}

// A reduction's accumulator in one chunk: `lanes` doubles, a multiple of the reduction's width,
// so that a tile (which starts at a multiple of `lanes`) adds element i to lane i % lanes and
// independent lanes keep the adds from waiting on each other even for a sum down to one value.
struct SumLanes {
  int64_t width, lanes;
  explicit SumLanes(int64_t w) : width(w), lanes(w) {
    const int64_t wide = w * std::max<int64_t>(1, 64 / w);
    if (kFusionTile % wide == 0) lanes = wide;
  }
  bool aligned() const { return kFusionTile % lanes == 0; }
};

GS_SIMD_KERNEL(void, accumulate,
               (const SumLanes& s, double* __restrict acc, const float* __restrict v, int64_t begin, int64_t n),
               (s, acc, v, begin, n)) {
  if (s.aligned()) {
    const int64_t lanes = s.lanes;
    for (int64_t i = 0; i < n; i += lanes) {
      const int64_t m = std::min(lanes, n - i);
      for (int64_t k = 0; k < m; ++k) acc[k] += static_cast<double>(v[i + k]);
    }
    return;
  }
  for (int64_t i = 0, k = begin % s.width; i < n; ++i) {
    acc[k] += static_cast<double>(v[i]);
    if (++k == s.width) k = 0;
  }
}

}  // namespace

std::vector<Array> FusedGroup::run(const std::vector<Array>& inputs) const {
  const int64_t size = shape_size(shape);
  const size_t num_elementwise = output_regs.size();
  std::vector<Array> outs;
  std::vector<bool> taken(inputs.size(), false);
  for (size_t o = 0; o < num_elementwise; ++o) {
    // In place where the caller handed over an input no later op needs (may_overwrite).
    for (int k : may_overwrite[o]) {
      if (taken[k] || inputs[k].buffer().use_count() != 1) continue;
      taken[k] = true;
      outs.emplace_back(inputs[k].buffer(), DType::f32, shape);
      break;
    }
    if (outs.size() == o) outs.push_back(Array::empty(output_dtypes[o], shape));
  }
  std::vector<float*> out_f32(num_elementwise, nullptr);
  std::vector<bool*> out_bool(num_elementwise, nullptr);
  for (size_t o = 0; o < num_elementwise; ++o) {
    if (output_dtypes[o] == DType::f32) out_f32[o] = static_cast<float*>(outs[o].in_place_raw());
    else out_bool[o] = outs[o].mutable_data<bool>();
  }
  // f32 outputs are computed straight into their arrays, not into scratch and then copied.
  std::vector<float*> direct(num_regs, nullptr);
  for (size_t o = 0; o < num_elementwise; ++o)
    if (out_f32[o]) direct[output_regs[o]] = out_f32[o];
  // The tiles are dealt to threads in a fixed number of chunks, and sums accumulate per chunk:
  // per chunk and reduction, lanes of double partial sums at offset[r] of the chunk's block. The
  // sums then do not depend on how many threads ran.
  const int64_t tiles = (size + kFusionTile - 1) / kFusionTile;
  const int64_t chunk_tiles = (tiles + kSumChunks - 1) / kSumChunks;
  const int64_t chunks = (tiles + chunk_tiles - 1) / chunk_tiles;
  std::vector<SumLanes> sums;
  std::vector<int64_t> offset;
  int64_t per_chunk = 0;
  for (const Reduction& r : reductions) {
    sums.emplace_back(shape_size(r.shape));
    offset.push_back(per_chunk);
    per_chunk += sums.back().lanes;
  }
  double* partial = thread_buffer<double, 0>(static_cast<size_t>(per_chunk * chunks));
  const int num_inputs = static_cast<int>(input_vars.size());
  const int64_t tile = std::min(kFusionTile, size);
  auto row_fills_once = [&](const Array& a) {
    return a.rank() != 0 && a.size() != size && kFusionTile % a.size() == 0;
  };
  // One thread's chunks [chunk_begin, chunk_end).
  auto run_chunks = [&](int64_t chunk_begin, int64_t chunk_end) {
    // Scratch for every register that is not read in place from an input array.
    float* scratch = thread_buffer<float, 1>(static_cast<size_t>(num_regs * tile));
    std::vector<const float*> reg(num_regs);
    auto scratch_of = [&](int r) { return scratch + static_cast<size_t>(r * tile); };
    // Scalars and literals are the same for every tile: fill them once.
    for (int r = 0; r < num_regs; ++r) {
      const Array* scalar = r < num_inputs ? (inputs[r].rank() == 0 ? &inputs[r] : nullptr)
                            : r < num_inputs + static_cast<int>(literals.size()) ? &literals[r - num_inputs]
                                                                                  : nullptr;
      if (scalar) {
        std::fill(scratch_of(r), scratch_of(r) + tile, static_cast<float>(scalar->at_flat(0)));
        reg[r] = scratch_of(r);
      }
    }
    // So are rows whose period divides the tile (a per-channel statistic of 32 or 64 channels):
    // every tile starts at a multiple of it. Other rows are laid out tile by tile below.
    for (int r = 0; r < num_inputs; ++r) {
      if (!row_fills_once(inputs[r])) continue;
      const int64_t period = inputs[r].size();
      const float* src = inputs[r].data<float>();
      for (int64_t i = 0; i < tile; i += period) std::copy_n(src, std::min(period, tile - i), scratch_of(r) + i);
      reg[r] = scratch_of(r);
    }
    std::vector<const float*> args;
    for (int64_t chunk = chunk_begin; chunk < chunk_end; ++chunk) {
      std::fill_n(partial + chunk * per_chunk, per_chunk, 0.0);
      for (int64_t t = chunk * chunk_tiles; t < std::min(tiles, (chunk + 1) * chunk_tiles); ++t) {
        const int64_t begin = t * kFusionTile, n = std::min(kFusionTile, size - begin);
        for (int r = 0; r < num_inputs; ++r) {
          const Array& a = inputs[r];
          if (a.rank() == 0 || row_fills_once(a)) continue;  // filled once, above
          if (a.size() != size) {  // a row broadcast along the last axis
            const float* src = a.data<float>();
            const int64_t period = a.size();
            float* dst = scratch_of(r);
            for (int64_t i = 0, k = begin % period; i < n; k = 0) {
              const int64_t len = std::min(period - k, n - i);
              std::copy(src + k, src + k + len, dst + i);
              i += len;
            }
            reg[r] = dst;
          } else if (a.dtype() == DType::f32) {
            reg[r] = a.data<float>() + begin;  // read in place
          } else {
            // bools read as bytes: g++ vectorizes byte loads, not bool ones.
            const auto* src = reinterpret_cast<const uint8_t*>(a.data<bool>()) + begin;
            float* dst = scratch_of(r);
            for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i] != 0);
            reg[r] = dst;
          }
        }
        for (const Op& op : ops) {
          args.clear();
          for (int r : op.in) args.push_back(reg[r]);
          float* out = direct[op.out] ? direct[op.out] + begin : scratch_of(op.out);
          apply(op, out, args.data(), n);
          reg[op.out] = out;
        }
        for (size_t o = 0; o < output_regs.size(); ++o) {
          if (out_f32[o]) continue;
          const float* src = reg[output_regs[o]];
          auto* dst = reinterpret_cast<uint8_t*>(out_bool[o]) + begin;
          for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<uint8_t>(src[i] != 0);
        }
        for (size_t r = 0; r < reductions.size(); ++r)
          accumulate(sums[r], partial + chunk * per_chunk + offset[r], reg[reductions[r].reg], begin, n);
      }
    }
  };
  // Below 32 tiles (16K elements) waking the other threads costs more than they save.
  parallel_ranges(chunks, tiles >= 32, run_chunks);
  // Partial sums in a fixed order: lanes of a chunk, then chunks.
  for (size_t r = 0; r < reductions.size(); ++r) {
    const int64_t width = sums[r].width, lanes = sums[r].lanes;
    std::vector<double> total(static_cast<size_t>(width), 0.0);
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      const double* p = partial + chunk * per_chunk + offset[r];
      for (int64_t l = 0; l < lanes; l += width)  // lane l + c belongs to column c
        for (int64_t c = 0; c < width; ++c) total[static_cast<size_t>(c)] += p[l + c];
    }
    Array sum = Array::empty(DType::f32, reductions[r].shape);
    float* dst = sum.mutable_data<float>();
    for (int64_t c = 0; c < width; ++c) dst[c] = static_cast<float>(total[static_cast<size_t>(c)]);
    outs.push_back(std::move(sum));
  }
  return outs;
}

}  // namespace engine
