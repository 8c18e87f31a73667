#include "engine/transforms/vmap.h"

#include "engine/ir/interpreter.h"
#include "engine/ir/trace.h"
#include "engine/ops/shape_ops.h"

namespace engine {

std::pair<Tensors, std::vector<int>> batch_jaxpr(const ClosedJaxpr& cj, std::span<const Tensor> args,
                                                 std::span<const int> dims) {
  const Jaxpr& j = cj.jaxpr;
  GS_CHECK(args.size() == j.invars.size() && dims.size() == args.size(),
           "vmap: the jaxpr expects " + std::to_string(j.invars.size()) + " arguments, got " +
               std::to_string(args.size()));
  std::vector<Tensor> env(j.avals.size());
  std::vector<int> bdim(j.avals.size(), kNotMapped);
  for (size_t i = 0; i < cj.consts.size(); ++i) env[j.constvars[i]] = cj.consts[i];
  for (size_t i = 0; i < args.size(); ++i) {
    env[j.invars[i]] = args[i];
    bdim[j.invars[i]] = dims[i];
  }
  for (const Eqn& e : j.eqns) {
    Tensors xs;
    std::vector<int> ds;
    bool any_batched = false;
    for (const Atom& a : e.inputs) {
      xs.push_back(read_atom(env, a));
      ds.push_back(a.is_literal() ? kNotMapped : bdim[a.var]);
      any_batched = any_batched || ds.back() != kNotMapped;
    }
    Tensors outs;
    std::vector<int> out_dims;
    if (!any_batched) {
      outs = bind(e.prim, xs, e.params);  // the same for every example: computed once
      out_dims.assign(outs.size(), kNotMapped);
    } else {
      const PrimitiveRules& r = rules(e.prim);
      GS_CHECK(r.batch, "vmap: primitive " + std::string(r.name) + " has no batching rule");
      std::tie(outs, out_dims) = r.batch(xs, ds, e.params);
    }
    GS_CHECK(outs.size() == e.outputs.size() && out_dims.size() == outs.size(),
             "internal: the batching rule of " + std::string(prim_name(e.prim)) +
                 " returned the wrong number of outputs");
    for (size_t i = 0; i < outs.size(); ++i) {
      env[e.outputs[i]] = outs[i];
      bdim[e.outputs[i]] = out_dims[i];
    }
  }
  Tensors outs;
  std::vector<int> out_dims;
  for (const Atom& a : j.outvars) {
    outs.push_back(read_atom(env, a));
    out_dims.push_back(a.is_literal() ? kNotMapped : bdim[a.var]);
  }
  return {outs, out_dims};
}

Tensor move_batch_axis(const Tensor& x, int from, int to, int64_t size) {
  if (from == kNotMapped) {
    Shape s = x.shape();
    s.insert(s.begin() + to, size);
    IntList dims;
    for (int i = 0; i <= x.rank(); ++i)
      if (i != to) dims.push_back(i);
    return broadcast_in_dim(x, s, dims);
  }
  if (from == to) return x;
  IntList perm;
  for (int i = 0; i < x.rank(); ++i)
    if (i != from) perm.push_back(i);
  perm.insert(perm.begin() + to, from);
  return transpose(x, perm);
}

Tensors vmap_flat(const FlatFn& f, const Tensors& args, const std::vector<int>& in_dims, int out_axis) {
  GS_CHECK(args.size() == in_dims.size(), "internal: vmap_flat needs one axis per argument");
  int64_t size = -1;
  std::vector<Aval> avals;
  for (size_t i = 0; i < args.size(); ++i) {
    Aval a = args[i].aval();
    if (in_dims[i] != kNotMapped) {
      GS_CHECK(in_dims[i] >= 0 && in_dims[i] < a.rank(),
               "vmap: axis " + std::to_string(in_dims[i]) + " out of range for " + a.str());
      int64_t n = a.shape[in_dims[i]];
      GS_CHECK(size < 0 || n == size, "vmap: inconsistent sizes for the mapped axis: " +
                                          std::to_string(size) + " and " + std::to_string(n));
      size = n;
      a.shape.erase(a.shape.begin() + in_dims[i]);
    }
    avals.push_back(std::move(a));
  }
  GS_CHECK(size >= 0, "vmap: no argument is mapped (in_axes are all None)");
  ClosedJaxpr cj = trace_to_jaxpr(f, avals);
  auto [outs, out_dims] = batch_jaxpr(cj, args, in_dims);
  for (size_t i = 0; i < outs.size(); ++i) {
    int rank = outs[i].rank() + (out_dims[i] == kNotMapped ? 1 : 0);
    GS_CHECK(out_axis >= -rank && out_axis < rank,
             "vmap: out_axes " + std::to_string(out_axis) + " is out of range for output " +
                 std::to_string(i) + ", which has rank " + std::to_string(rank) + " once batched");
    int to = out_axis < 0 ? out_axis + rank : out_axis;
    outs[i] = move_batch_axis(outs[i], out_dims[i], to, size);
  }
  return outs;
}

PyTree vmap_trees(const TreeFn& f, const InAxes& in_axes_given, int out_axes, const std::vector<PyTree>& args) {
  InAxes in_axes = in_axes_given.empty() ? InAxes(args.size(), 0) : in_axes_given;
  GS_CHECK(in_axes.size() == args.size(),
           "vmap: in_axes has " + std::to_string(in_axes.size()) + " entries but the function was called with " +
               std::to_string(args.size()) + " arguments (give one axis, or std::nullopt, per argument)");
  auto [leaves, defs] = flatten_args(args);
  std::vector<int> dims;
  int64_t size = -1;
  std::string size_from;
  size_t pos = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    size_t n = defs[i].num_leaves();
    for (size_t k = 0; k < n; ++k) {
      const Tensor& x = leaves[pos++];
      if (!in_axes[i]) {
        dims.push_back(kNotMapped);
        continue;
      }
      std::string what = "argument " + std::to_string(i) + (n > 1 ? " (leaf " + std::to_string(k) + ")" : "");
      int axis = *in_axes[i];
      GS_CHECK(axis >= -x.rank() && axis < x.rank(),
               "vmap: in_axes " + std::to_string(axis) + " is out of range for " + what + " of type " +
                   x.aval().str() + " (rank " + std::to_string(x.rank()) + ")");
      if (axis < 0) axis += x.rank();
      int64_t extent = x.shape()[axis];
      if (size < 0) {
        size = extent;
        size_from = what;
      }
      GS_CHECK(extent == size, "vmap: inconsistent sizes for the mapped axis: " + size_from + " has " +
                                   std::to_string(size) + ", " + what + " has " + std::to_string(extent));
      dims.push_back(axis);
    }
  }
  GS_CHECK(size >= 0, "vmap: no argument is mapped: in_axes are all std::nullopt, or the mapped arguments "
                      "have no leaves");
  FlattenedFn flat = flatten_fn(f, defs);
  Tensors outs = vmap_flat(flat.fn, leaves, dims, out_axes);
  return flat.out_def->unflatten(outs);
}

}  // namespace engine
