#include "engine/optim/transform.h"

#include "engine/numpy.h"

namespace engine::optim {

GradientTransformation scale(double step_size) {
  return {[](const PyTree&) { return empty_state(); },
          [step_size](const PyTree& updates, const PyTree& state, const PyTree&) {
            return std::make_pair(tree_map([&](const Tensor& g) { return step_size * g; }, updates), state);
          }};
}

GradientTransformation scale_by_schedule(Schedule step_size_fn) {
  return {[](const PyTree&) { return PyTree::dict({{"count", zero_count()}}); },
          [fn = std::move(step_size_fn)](const PyTree& updates, const PyTree& state, const PyTree&) {
            const Tensor& count = state["count"].leaf();
            Tensor step_size = fn(count);
            // The schedule is float32; each update keeps its own dtype (jnp.array(step, g.dtype) * g).
            PyTree out = tree_map([&](const Tensor& g) { return astype(step_size, g.dtype()) * g; }, updates);
            return std::make_pair(out, PyTree::dict({{"count", safe_increment(count)}}));
          }};
}

GradientTransformation scale_by_learning_rate(const ScalarOrSchedule& learning_rate, bool flip_sign) {
  const double m = flip_sign ? -1.0 : 1.0;
  if (!learning_rate.is_schedule()) return scale(m * learning_rate.value());
  Schedule lr = learning_rate.schedule();
  return scale_by_schedule([lr, m](const Tensor& count) { return m * lr(count); });
}

GradientTransformation add_decayed_weights(double weight_decay) {
  return {[](const PyTree&) { return empty_state(); },
          [weight_decay](const PyTree& updates, const PyTree& state, const PyTree& params) {
            require_params(params, "add_decayed_weights");
            PyTree out = tree_map([&](const Tensor& g, const Tensor& p) { return g + weight_decay * p; }, updates, params);
            return std::make_pair(out, state);
          }};
}

}  // namespace engine::optim
