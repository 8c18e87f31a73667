// jnp's where and weak-typed scalars, and the activations of jax.nn as composites. The functions
// of the elementwise primitives themselves sit beside their rules (elementwise_unary.cpp,
// elementwise_binary.cpp); jnp's promotion and broadcasting in front of them in rule_helpers.
#include <cmath>

#include "engine/ops/elementwise.h"
#include "engine/ops/rule_helpers.h"
#include "engine/ops/shape_ops.h"

namespace engine {

using P = PrimId;

Tensor where(const Tensor& cond, const Tensor& x, const Tensor& y) {
  GS_CHECK(cond.dtype() == DType::boolean, "where: the condition must be boolean, got " + cond.aval().str());
  Tensors xy = jnp_operands({x, y});
  Tensors all = jnp_operands({cond, xy[0], xy[1]}, /*promote=*/false);
  // select_n picks case[pred]: false selects the first case.
  return bind1(P::select_n, {all[0], all[2], all[1]});
}

Tensor scalar_like(double value, const Tensor& like) {
  DType d = like.dtype();
  // A fractional or non-finite number meeting an integer tensor promotes it, as in JAX.
  if (!is_floating(d) && (value != std::floor(value) || !std::isfinite(value))) d = DType::f32;
  if (d == DType::boolean) d = DType::i32;
  return Array::scalar(value, d);
}

Tensor relu(const Tensor& x) {
  // where() rather than max(): its derivative at 0 is 0, matching jax.nn.relu's custom JVP.
  return where(x > 0.0, x, zeros_like(x));
}
Tensor swish(const Tensor& x) { return x * sigmoid(x); }
Tensor elu(const Tensor& x, double alpha) {
  Tensor positive = x > 0.0;
  // expm1 only sees the non-positive side, so the unused branch cannot overflow to inf.
  return where(positive, x, alpha * expm1(where(positive, zeros_like(x), x)));
}
Tensor selu(const Tensor& x) {
  constexpr double alpha = 1.6732632423543772848170429916717;
  constexpr double scale = 1.0507009873554804934193349852946;
  return scale * elu(x, alpha);
}
Tensor gelu(const Tensor& x, bool approximate) {
  if (approximate) {
    const double sqrt_2_over_pi = std::sqrt(2.0 / M_PI);
    return x * (0.5 * (1.0 + tanh(sqrt_2_over_pi * (x + 0.044715 * integer_pow(x, 3)))));
  }
  return x * (0.5 * (1.0 + erf(x / std::sqrt(2.0))));
}
Tensor softplus(const Tensor& x) { return maximum(x, zeros_like(x)) + log1p(exp(neg(abs(x)))); }
Tensor log_sigmoid(const Tensor& x) { return neg(softplus(neg(x))); }
Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return where(x >= 0.0, x, negative_slope * x);
}

}  // namespace engine
