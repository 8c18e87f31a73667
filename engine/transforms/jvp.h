// Forward mode: interpret a jaxpr on (primal, tangent) pairs with each primitive's JVP rule.
//
// Tangents may be undefined Tensors, meaning symbolic zeros: nothing is computed for them, and
// rules skip their terms. The user-facing jvp() instantiates zeros on the way out, as JAX does.
#pragma once
#include <functional>

#include "engine/ir/jaxpr.h"
#include "engine/transforms/function.h"

namespace engine {

// Called after equation k of the jaxpr has been interpreted, with the environments (primal and
// tangent per variable). derivative_jaxprs uses it to learn which variables and equations of a
// traced jvp came from which primal ones.
using JvpObserver =
    std::function<void(size_t k, const std::vector<Tensor>& primal_env, const std::vector<Tensor>& tangent_env)>;

// Runs in the current context (eagerly, or traced into the enclosing trace).
std::pair<Tensors, Tensors> jvp_jaxpr(const ClosedJaxpr& jaxpr, std::span<const Tensor> primals,
                                      std::span<const Tensor> tangents,
                                      const JvpObserver* observe = nullptr);

// One equation of that interpreter: reads its inputs' primals and tangents from the environments
// (indexed by variable; an undefined tangent is a symbolic zero) and writes its outputs' there.
void jvp_eqn(const Eqn& e, std::vector<Tensor>& primal_env, std::vector<Tensor>& tangent_env);
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
