// Vectorizing map: interpret a jaxpr on batched values with each primitive's batching rule.
//
// vmap(f, in_axes, out_axes) traces f once on the per-example avals (the mapped axis removed),
// then evaluates that jaxpr in the current context on (value, batch axis) pairs: equations none of
// whose inputs are batched are bound as they are; the others go through their primitive's
// BatchRule. Like jvp, it binds into whatever trace is active, so vmap(vmap(f)), jit(vmap(f)) and
// vmap(grad(f)) compose by nesting traces.
//
//   auto mv = vmap([](Tensor m, Tensor v) { return matvec(m, v); }, {std::nullopt, 0});
//   Tensor ys = mv(mat, batch_of_vectors);  // like jax.vmap(f, in_axes=(None, 0))
#pragma once
#include <optional>

#include "engine/ir/jaxpr.h"
#include "engine/transforms/function.h"

namespace engine {

// One entry per argument of f: the mapped axis of every leaf of that argument's tree (negative
// counts from the end), or std::nullopt for an argument that is not mapped (JAX's None).
using InAxes = std::vector<std::optional<int>>;

// Interprets `jaxpr` with args[i] batched along dims[i] (kNotMapped for unbatched ones), binding
// into the current context. Returns the outputs and their batch axes; an output that does not
// depend on any batched input comes back unbatched (kNotMapped).
std::pair<Tensors, std::vector<int>> batch_jaxpr(const ClosedJaxpr& jaxpr, std::span<const Tensor> args,
                                                 std::span<const int> dims);

// Puts the batch axis of x (at `from`, or kNotMapped) at axis `to` of the result; an unbatched
// x is broadcast along a new axis of `size`. `to` must already be normalized.
Tensor move_batch_axis(const Tensor& x, int from, int to, int64_t size);

// vmap of a flat function: in_dims[i] is args[i]'s mapped axis (normalized) or kNotMapped; every
// output gets its batch axis at out_axis (negative counts from the end of the batched output).
Tensors vmap_flat(const FlatFn& f, const Tensors& args, const std::vector<int>& in_dims, int out_axis);

PyTree vmap_trees(const TreeFn& f, const InAxes& in_axes, int out_axes, const std::vector<PyTree>& args);

// jax.vmap. in_axes empty means axis 0 for every argument. out_axes applies to every output leaf.
template <class F>
TransformedFn vmap(F f, InAxes in_axes = {}, int out_axes = 0) {
  TreeFn fn = as_tree_fn(std::move(f));
  return TransformedFn(
      [fn = std::move(fn), in_axes = std::move(in_axes), out_axes](const std::vector<PyTree>& args) {
        return vmap_trees(fn, in_axes, out_axes, args);
      },
      "vmap");
}

}  // namespace engine
