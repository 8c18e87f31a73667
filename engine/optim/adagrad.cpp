#include "engine/optim/adagrad.h"

#include "engine/numpy.h"
#include "engine/optim/transform.h"

namespace engine::optim {

GradientTransformation scale_by_rss(double initial_accumulator_value, double eps) {
  auto init = [initial_accumulator_value](const PyTree& params) {
    return PyTree::dict({{"sum_of_squares", tree_map([&](const Tensor& p) {
                            return full_like(p, initial_accumulator_value);
                          }, params)}});
  };
  auto update = [eps](const PyTree& updates, const PyTree& state, const PyTree&) {
    PyTree sos = tree_map([](const Tensor& g, const Tensor& s) { return square(g) + s; }, updates,
                          state["sum_of_squares"]);
    PyTree out = tree_map(
        [&](const Tensor& g, const Tensor& s) { return where(s > 0.0, rsqrt(s + eps), zeros_like(s)) * g; }, updates,
        sos);
    return std::make_pair(out, PyTree::dict({{"sum_of_squares", sos}}));
  };
  return {init, update};
}

GradientTransformation adagrad(const ScalarOrSchedule& learning_rate, double initial_accumulator_value, double eps) {
  return chain(scale_by_rss(initial_accumulator_value, eps), scale_by_learning_rate(learning_rate));
}

}  // namespace engine::optim
