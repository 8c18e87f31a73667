#include "engine/train/train_state.h"

#include <utility>

#include "engine/numpy.h"

namespace engine::train {

TrainState TrainState::create(ApplyFn apply_fn, PyTree params, optim::GradientTransformation tx, PyTree extra) {
  GS_CHECK(tx.init && tx.update, "TrainState::create: the optimizer has no init/update functions");
  GS_CHECK(extra.is_none() || extra.is_dict(),
           "TrainState::create: extra must be a dict of collections (or None), got " + extra.describe());
  TrainState s;
  s.step = Tensor(Array::scalar(0, DType::i32));
  s.apply_fn = std::move(apply_fn);
  s.opt_state = tx.init(params);
  s.params = std::move(params);
  s.tx = std::move(tx);
  s.extra = std::move(extra);
  return s;
}

TrainState TrainState::apply_gradients(const PyTree& grads) const {
  check_same_structure(tree_structure(grads), tree_structure(params), "TrainState::apply_gradients: grads vs params");
  auto [updates, new_opt_state] = tx.update(grads, opt_state, params);
  TrainState s = *this;
  s.step = step + 1.0;
  s.params = optim::apply_updates(params, updates);
  s.opt_state = std::move(new_opt_state);
  return s;
}

PyTree TrainState::variables() const {
  PyTree v = PyTree::dict({{"params", params}});
  if (extra.is_dict())
    for (size_t i = 0; i < extra.size(); ++i) {
      const std::string& key = extra.keys()[i];
      GS_CHECK(key != "params", "TrainState: extra must not hold a 'params' collection (params are a field)");
      v = v.with(key, extra.children()[i]);
    }
  return v;
}

PyTree TrainState::apply(const PyTree& inputs) const {
  GS_CHECK(static_cast<bool>(apply_fn), "TrainState::apply: no apply_fn was given");
  return apply_fn(variables(), inputs);
}

TrainState TrainState::with_params(PyTree new_params) const {
  TrainState s = *this;
  s.params = std::move(new_params);
  return s;
}

TrainState TrainState::with_extra(PyTree new_extra) const {
  GS_CHECK(new_extra.is_none() || new_extra.is_dict(),
           "TrainState::with_extra: extra must be a dict of collections (or None), got " + new_extra.describe());
  TrainState s = *this;
  s.extra = std::move(new_extra);
  return s;
}

PyTree TrainState::to_tree() const {
  return PyTree::dict({{"step", step}, {"params", params}, {"opt_state", opt_state}, {"extra", extra}});
}

TrainState TrainState::from_tree(const PyTree& tree) const {
  GS_CHECK(tree.is_dict() && tree.size() == 4 && tree.contains("step") && tree.contains("params") &&
               tree.contains("opt_state") && tree.contains("extra"),
           "TrainState::from_tree: expected a dict with keys (extra, opt_state, params, step), got " +
               tree.describe());
  TrainState s = *this;
  s.step = tree["step"].leaf();
  s.params = tree["params"];
  s.opt_state = tree["opt_state"];
  s.extra = tree["extra"];
  return s;
}

}  // namespace engine::train
