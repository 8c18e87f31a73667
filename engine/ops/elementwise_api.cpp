// The jnp-like elementwise functions: dtype promotion and NumPy broadcasting in front of the
// primitives, and the activations of jax.nn as composites.
#include <cmath>

#include "engine/ops/elementwise.h"
#include "engine/ops/primitive.h"
#include "engine/ops/shape_ops.h"

namespace engine {

namespace {

using P = PrimId;

// jnp functions of floats accept integers and booleans by converting them to float32 first.
Tensor to_float(const Tensor& x) { return is_floating(x.dtype()) ? x : astype(x, DType::f32); }

Tensor unary(P prim, const Tensor& x) { return bind1(prim, {x}); }
Tensor float_unary(P prim, const Tensor& x) { return bind1(prim, {to_float(x)}); }

// Promotes to one dtype, then broadcasts non-scalar operands to their common shape. Scalars stay
// rank 0: the primitives broadcast them, which keeps jaxprs free of needless broadcasts.
Tensors broadcast_operands(std::initializer_list<Tensor> in, bool promote = true) {
  Tensors ts(in);
  if (promote) {
    DType d = ts[0].dtype();
    for (const Tensor& t : ts) d = promote_types(d, t.dtype());
    for (Tensor& t : ts)
      if (t.dtype() != d) t = astype(t, d);
  }
  Shape shape;
  for (const Tensor& t : ts) shape = broadcast_shapes(shape, t.shape());
  for (Tensor& t : ts)
    if (t.rank() != 0 && t.shape() != shape) t = broadcast_to(t, shape);
  return ts;
}

Tensor binary(P prim, const Tensor& a, const Tensor& b) {
  Tensors ts = broadcast_operands({a, b});
  return bind1(prim, {ts[0], ts[1]});
}

Tensor float_binary(P prim, const Tensor& a, const Tensor& b) {
  Tensors ts = broadcast_operands({a, b});
  return bind1(prim, {to_float(ts[0]), to_float(ts[1])});
}

}  // namespace

Tensor neg(const Tensor& x) { return unary(P::neg, x); }
Tensor sign(const Tensor& x) { return unary(P::sign, x); }
Tensor floor(const Tensor& x) { return float_unary(P::floor, x); }
Tensor ceil(const Tensor& x) { return float_unary(P::ceil, x); }
Tensor round(const Tensor& x) { return float_unary(P::round, x); }
Tensor abs(const Tensor& x) { return unary(P::abs, x); }
Tensor exp(const Tensor& x) { return float_unary(P::exp, x); }
Tensor log(const Tensor& x) { return float_unary(P::log, x); }
Tensor log1p(const Tensor& x) { return float_unary(P::log1p, x); }
Tensor expm1(const Tensor& x) { return float_unary(P::expm1, x); }
Tensor sin(const Tensor& x) { return float_unary(P::sin, x); }
Tensor cos(const Tensor& x) { return float_unary(P::cos, x); }
Tensor tan(const Tensor& x) { return float_unary(P::tan, x); }
Tensor tanh(const Tensor& x) { return float_unary(P::tanh, x); }
Tensor sigmoid(const Tensor& x) { return float_unary(P::logistic, x); }
Tensor sqrt(const Tensor& x) { return float_unary(P::sqrt, x); }
Tensor rsqrt(const Tensor& x) { return float_unary(P::rsqrt, x); }
Tensor erf(const Tensor& x) { return float_unary(P::erf, x); }
Tensor erf_inv(const Tensor& x) { return float_unary(P::erf_inv, x); }
Tensor integer_pow(const Tensor& x, int64_t y) { return bind1(P::integer_pow, {x}, Params{{"y", y}}); }
Tensor square(const Tensor& x) { return integer_pow(x, 2); }
Tensor reciprocal(const Tensor& x) { return integer_pow(to_float(x), -1); }
Tensor logical_not(const Tensor& x) { return unary(P::not_, x); }
Tensor isfinite(const Tensor& x) { return unary(P::is_finite, x); }
Tensor stop_gradient(const Tensor& x) { return unary(P::stop_gradient, x); }
Tensor astype(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  return bind1(P::convert_element_type, {x}, Params{{"new_dtype", dtype}, {"weak_type", false}});
}

Tensor add(const Tensor& a, const Tensor& b) { return binary(P::add, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(P::sub, a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(P::mul, a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return binary(P::div, a, b); }
Tensor rem(const Tensor& a, const Tensor& b) { return binary(P::rem, a, b); }
Tensor pow(const Tensor& a, const Tensor& b) { return float_binary(P::pow, a, b); }
Tensor maximum(const Tensor& a, const Tensor& b) { return binary(P::max, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return binary(P::min, a, b); }
Tensor atan2(const Tensor& a, const Tensor& b) { return float_binary(P::atan2, a, b); }
Tensor logical_and(const Tensor& a, const Tensor& b) { return binary(P::and_, a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return binary(P::or_, a, b); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return binary(P::xor_, a, b); }
Tensor equal(const Tensor& a, const Tensor& b) { return binary(P::eq, a, b); }
Tensor not_equal(const Tensor& a, const Tensor& b) { return binary(P::ne, a, b); }
Tensor less(const Tensor& a, const Tensor& b) { return binary(P::lt, a, b); }
Tensor less_equal(const Tensor& a, const Tensor& b) { return binary(P::le, a, b); }
Tensor greater(const Tensor& a, const Tensor& b) { return binary(P::gt, a, b); }
Tensor greater_equal(const Tensor& a, const Tensor& b) { return binary(P::ge, a, b); }

Tensor where(const Tensor& cond, const Tensor& x, const Tensor& y) {
  GS_CHECK(cond.dtype() == DType::boolean, "where: the condition must be boolean, got " + cond.aval().str());
  Tensors xy = broadcast_operands({x, y});
  Tensors all = broadcast_operands({cond, xy[0], xy[1]}, /*promote=*/false);
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
