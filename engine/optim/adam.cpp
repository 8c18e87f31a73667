#include "engine/optim/adam.h"

#include "engine/numpy.h"
#include "engine/optim/transform.h"

namespace engine::optim {

GradientTransformation scale_by_adam(AdamOptions o) {
  auto init = [](const PyTree& params) {
    return PyTree::dict(
        {{"count", zero_count()}, {"mu", tree_map(zeros_like, params)}, {"nu", tree_map(zeros_like, params)}});
  };
  auto update = [o](const PyTree& updates, const PyTree& state, const PyTree&) {
    PyTree mu = tree_map([&](const Tensor& g, const Tensor& m) { return (1.0 - o.b1) * g + o.b1 * m; }, updates,
                         state["mu"]);
    PyTree nu = tree_map([&](const Tensor& g, const Tensor& v) { return (1.0 - o.b2) * square(g) + o.b2 * v; },
                         updates, state["nu"]);
    Tensor count = safe_increment(state["count"].leaf());
    // 1 - b^count in float32 from the int32 count, as optax's bias_correction computes it.
    Tensor t = count_as_float(count);
    Tensor bc1 = 1.0 - pow(scalar_like(o.b1, t), t);
    Tensor bc2 = 1.0 - pow(scalar_like(o.b2, t), t);
    PyTree out = tree_map(
        [&](const Tensor& m, const Tensor& v) {
          Tensor m_hat = m / astype(bc1, m.dtype());
          Tensor v_hat = v / astype(bc2, v.dtype());
          return m_hat / (sqrt(v_hat + o.eps_root) + o.eps);
        },
        mu, nu);
    return std::make_pair(out, PyTree::dict({{"count", count}, {"mu", mu}, {"nu", nu}}));
  };
  return {init, update};
}

GradientTransformation adam(const ScalarOrSchedule& learning_rate, AdamOptions options) {
  return chain(scale_by_adam(options), scale_by_learning_rate(learning_rate));
}

GradientTransformation adamw(const ScalarOrSchedule& learning_rate, AdamOptions options, double weight_decay) {
  return chain(scale_by_adam(options), add_decayed_weights(weight_decay), scale_by_learning_rate(learning_rate));
}

}  // namespace engine::optim
