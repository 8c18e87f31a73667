#include "engine/optim/rmsprop.h"

#include "engine/numpy.h"
#include "engine/optim/sgd.h"
#include "engine/optim/transform.h"

namespace engine::optim {

GradientTransformation scale_by_rms(double decay, double eps, double initial_scale) {
  auto init = [initial_scale](const PyTree& params) {
    return PyTree::dict({{"nu", tree_map([&](const Tensor& p) { return full_like(p, initial_scale); }, params)}});
  };
  auto update = [decay, eps](const PyTree& updates, const PyTree& state, const PyTree&) {
    PyTree nu = tree_map([&](const Tensor& g, const Tensor& v) { return (1.0 - decay) * square(g) + decay * v; },
                         updates, state["nu"]);
    PyTree out = tree_map([&](const Tensor& g, const Tensor& v) { return g * rsqrt(v + eps); }, updates, nu);
    return std::make_pair(out, PyTree::dict({{"nu", nu}}));
  };
  return {init, update};
}

GradientTransformation rmsprop(const ScalarOrSchedule& learning_rate, double decay, double eps, double initial_scale,
                               double momentum, bool nesterov) {
  GradientTransformation last = (momentum != 0.0 || nesterov) ? trace(momentum, nesterov) : identity();
  return chain(scale_by_rms(decay, eps, initial_scale), scale_by_learning_rate(learning_rate), last);
}

}  // namespace engine::optim
