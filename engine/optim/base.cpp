#include "engine/optim/base.h"

#include <cstdint>
#include <limits>
#include <string>

#include "engine/numpy.h"

namespace engine::optim {

PyTree empty_state() { return PyTree::tuple({}); }

GradientTransformation identity() {
  return {[](const PyTree&) { return empty_state(); },
          [](const PyTree& updates, const PyTree& state, const PyTree&) { return std::make_pair(updates, state); }};
}

GradientTransformation chain(std::vector<GradientTransformation> transforms) {
  auto ts = std::make_shared<const std::vector<GradientTransformation>>(std::move(transforms));
  auto init = [ts](const PyTree& params) {
    std::vector<PyTree> states;
    states.reserve(ts->size());
    for (const GradientTransformation& t : *ts) states.push_back(t.init(params));
    return PyTree::tuple(std::move(states));
  };
  auto update = [ts](const PyTree& updates, const PyTree& state, const PyTree& params) {
    GS_CHECK(state.is_tuple() && state.size() == ts->size(),
             "chain: expected a state tuple of " + std::to_string(ts->size()) + " (one per transformation), got " +
                 state.describe());
    PyTree u = updates;
    std::vector<PyTree> new_states;
    new_states.reserve(ts->size());
    for (size_t i = 0; i < ts->size(); ++i) {
      auto [next, s] = (*ts)[i].update(u, state[i], params);
      u = std::move(next);
      new_states.push_back(std::move(s));
    }
    return std::make_pair(u, PyTree::tuple(std::move(new_states)));
  };
  return {init, update};
}

PyTree apply_updates(const PyTree& params, const PyTree& updates) {
  return tree_map([](const Tensor& p, const Tensor& u) { return astype(p + u, p.dtype()); }, params, updates);
}

Tensor global_norm(const PyTree& tree) {
  Tensor total;
  for (const Tensor& leaf : tree_leaves(tree)) {
    Tensor s = sum(square(leaf));
    total = total.defined() ? total + s : s;
  }
  if (!total.defined()) return Tensor(Array::scalar(0.0, DType::f32));
  return sqrt(total);
}

Tensor zero_count() { return Tensor(Array::scalar(0, DType::i32)); }

Tensor safe_increment(const Tensor& count) {
  const double max_i32 = std::numeric_limits<int32_t>::max();
  return where(count < max_i32, count + 1.0, count);
}

void require_params(const PyTree& params, const char* who) {
  GS_CHECK(!params.is_none(), std::string(who) +
                                  ": this transformation needs the current params; pass them as the third "
                                  "argument of update");
}

}  // namespace engine::optim
