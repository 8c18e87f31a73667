// Optax's core in C++: a GradientTransformation is a pure (init, update) pair over PyTrees
// (optax/_src/base.py). Optimizers are chains of small transformations (alias: adam is
// chain(scale_by_adam, scale_by_learning_rate)).
//
//   optim::GradientTransformation tx = optim::adam(1e-3);
//   PyTree opt_state = tx.init(params);
//   auto [updates, new_state] = tx.update(grads, opt_state, params);
//   params = optim::apply_updates(params, updates);
//
// States are PyTrees (dicts named like Optax's state fields: {"count", "mu", "nu"} for adam, a
// tuple of states for chain) whose subtrees mirror params, so a tree inspector can walk them and
// jit can take them as input and output. Every update is written with engine ops and never reads
// a tensor's value: step counts are int32 scalar tensors and schedules are computed from them with
// ops, so a whole update traces under jit, grad or vmap.
#pragma once
#include <concepts>
#include <functional>
#include <utility>
#include <vector>

#include "engine/tree/tree.h"

namespace engine::optim {

struct GradientTransformation {
  // params -> initial state.
  std::function<PyTree(const PyTree& params)> init;
  // (updates, state, params) -> (new updates, new state). params may be None (PyTree()) for
  // transformations that do not read them; those that do (add_decayed_weights) throw then.
  std::function<std::pair<PyTree, PyTree>(const PyTree& updates, const PyTree& state, const PyTree& params)>
      update;
};

// The state of a stateless transformation (Optax's EmptyState: a tuple with no fields).
PyTree empty_state();

// Leaves updates unchanged.
GradientTransformation identity();

// Applies the transformations in order; the state is a tuple of their states (optax.chain).
GradientTransformation chain(std::vector<GradientTransformation> transforms);
template <class... T>
  requires(std::same_as<T, GradientTransformation> && ...)
GradientTransformation chain(const GradientTransformation& first, const T&... rest) {
  return chain(std::vector<GradientTransformation>{first, rest...});
}

// params + updates, each leaf kept in its parameter's dtype (optax.apply_updates).
PyTree apply_updates(const PyTree& params, const PyTree& updates);

// sqrt of the sum of squares of every leaf (optax.global_norm); a rank-0 tensor.
Tensor global_norm(const PyTree& tree);

// The int32 step counter every counting state starts from, and its increment. The increment
// saturates at INT32_MAX like optax's safe_int32_increment, so a very long run does not wrap to a
// negative count (which would send schedules back to their start).
Tensor zero_count();
Tensor safe_increment(const Tensor& count);

// Throws "<who>: params are required ..." when params is None (optax's NO_PARAMS_MSG).
void require_params(const PyTree& params, const char* who);

}  // namespace engine::optim
