// TrainState as in flax.training.train_state: the step, the model's apply function, its params,
// the optimizer and its state, in one immutable value. It does not know about modules: apply_fn
// is any function of (variables, inputs).
//
//   auto state = train::TrainState::create(apply_fn, params, optim::sgd(0.1, 0.9));
//   auto step = jit([base = state](PyTree tree, Tensor x, Tensor y) {
//     train::TrainState s = base.from_tree(tree);
//     PyTree grads = grad([&](const PyTree& p) { return loss(s.apply_fn, p, x, y); })(s.params);
//     return s.apply_gradients(grads).to_tree();
//   });
//   state = state.from_tree(step(state.to_tree(), x, y));
//
// Pytree view (to_tree): dict {"step": int32[], "params": ..., "opt_state": ..., "extra": ...}.
// Every tensor there is a leaf, so jit takes the whole state as input and returns it as output.
// apply_fn and tx are functions, not data: from_tree() takes them from the state it is called on
// (like Flax's struct fields marked pytree_node=False).
#pragma once
#include <functional>

#include "engine/optim/base.h"
#include "engine/tree/tree.h"

namespace engine::train {

// (variables, inputs) -> outputs. variables is {"params": params} plus the extra collections.
using ApplyFn = std::function<PyTree(const PyTree& variables, const PyTree& inputs)>;

struct TrainState {
  Tensor step;  // int32 scalar: the number of apply_gradients calls so far
  ApplyFn apply_fn;
  PyTree params;
  optim::GradientTransformation tx;
  PyTree opt_state;
  // Non-trained variable collections carried beside params (a dict such as
  // {"batch_stats": ...}), or None. apply_gradients leaves them alone; replace them with
  // with_extra() after a step that mutates them.
  PyTree extra;

  // step 0, opt_state = tx.init(params).
  static TrainState create(ApplyFn apply_fn, PyTree params, optim::GradientTransformation tx, PyTree extra = {});

  // One optimizer step: step + 1, params and opt_state updated from grads (shaped like params).
  TrainState apply_gradients(const PyTree& grads) const;

  // {"params": params} merged with the extra collections: what apply_fn receives.
  PyTree variables() const;
  // apply_fn(variables(), inputs).
  PyTree apply(const PyTree& inputs) const;

  TrainState with_params(PyTree new_params) const;
  TrainState with_extra(PyTree new_extra) const;

  // See the file comment for the layout.
  PyTree to_tree() const;
  // A state with this one's apply_fn and tx and everything else from tree (a to_tree() layout).
  TrainState from_tree(const PyTree& tree) const;
};

}  // namespace engine::train
