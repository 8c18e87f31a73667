// Forward mode: interpret a jaxpr on (primal, tangent) pairs with each primitive's JVP rule.
//
// Tangents may be undefined Tensors, meaning symbolic zeros: nothing is computed for them, and
// rules skip their terms. The user-facing jvp() instantiates zeros on the way out, as JAX does.
#pragma once
#include "engine/ir/jaxpr.h"
#include "engine/transforms/function.h"

namespace engine {

// Runs in the current context (eagerly, or traced into the enclosing trace).
std::pair<Tensors, Tensors> jvp_jaxpr(const ClosedJaxpr& jaxpr, std::span<const Tensor> primals,
                                      std::span<const Tensor> tangents);
// Traces f on the primals' avals, then interprets with tangents.
std::pair<Tensors, Tensors> jvp_flat(const FlatFn& f, const Tensors& primals, const Tensors& tangents);

std::vector<Aval> avals_of(std::span<const Tensor> ts);
// Materializes symbolic zeros.
Tensors instantiate_zeros(const Tensors& ts, const std::vector<Aval>& avals);

// jax.jvp: (f(*primals), J f(primals) · tangents). primals and tangents are one tree per argument
// of f with equal structures.
std::pair<PyTree, PyTree> jvp_trees(const TreeFn& f, const std::vector<PyTree>& primals,
                                    const std::vector<PyTree>& tangents);
template <class F>
std::pair<PyTree, PyTree> jvp(F f, const std::vector<PyTree>& primals, const std::vector<PyTree>& tangents) {
  return jvp_trees(as_tree_fn(std::move(f)), primals, tangents);
}

}  // namespace engine
