// The jnp-like elementwise API over Tensors. Binary functions broadcast by NumPy's rules (through
// broadcast_in_dim; rank-0 operands stay scalars, which primitives broadcast implicitly) and
// promote dtypes; a plain double operand takes the other operand's dtype (JAX's weak typing).
#pragma once
#include "engine/core/tensor.h"

namespace engine {

// Unary math (primitives of the same name unless noted).
Tensor neg(const Tensor& x);
Tensor sign(const Tensor& x);
Tensor floor(const Tensor& x);
Tensor ceil(const Tensor& x);
Tensor round(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor expm1(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tan(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);  // primitive logistic
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor erf(const Tensor& x);
Tensor erf_inv(const Tensor& x);
Tensor integer_pow(const Tensor& x, int64_t y);
Tensor square(const Tensor& x);  // integer_pow y=2
Tensor reciprocal(const Tensor& x);
Tensor logical_not(const Tensor& x);
Tensor isfinite(const Tensor& x);
Tensor stop_gradient(const Tensor& x);
Tensor astype(const Tensor& x, DType dtype);  // convert_element_type

// Binary, with broadcasting.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor rem(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor atan2(const Tensor& a, const Tensor& b);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);
Tensor equal(const Tensor& a, const Tensor& b);
Tensor not_equal(const Tensor& a, const Tensor& b);
Tensor less(const Tensor& a, const Tensor& b);
Tensor less_equal(const Tensor& a, const Tensor& b);
Tensor greater(const Tensor& a, const Tensor& b);
Tensor greater_equal(const Tensor& a, const Tensor& b);
// where(cond, x, y): x where cond is true, else y (primitive select_n).
Tensor where(const Tensor& cond, const Tensor& x, const Tensor& y);

// A weakly typed scalar: takes the dtype of the tensor it meets.
Tensor scalar_like(double value, const Tensor& like);

// Activations (composites, as in jax.nn).
Tensor relu(const Tensor& x);
Tensor swish(const Tensor& x);  // x * sigmoid(x); also called silu
inline Tensor silu(const Tensor& x) { return swish(x); }
Tensor selu(const Tensor& x);
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor gelu(const Tensor& x, bool approximate = true);
Tensor softplus(const Tensor& x);
Tensor log_sigmoid(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);

// Operators.
inline Tensor operator-(const Tensor& x) { return neg(x); }
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator<(const Tensor& a, const Tensor& b) { return less(a, b); }
inline Tensor operator<=(const Tensor& a, const Tensor& b) { return less_equal(a, b); }
inline Tensor operator>(const Tensor& a, const Tensor& b) { return greater(a, b); }
inline Tensor operator>=(const Tensor& a, const Tensor& b) { return greater_equal(a, b); }
#define GS_SCALAR_OPERATOR(op)                                                                     \
  inline Tensor operator op(const Tensor& a, double b) { return a op scalar_like(b, a); }          \
  inline Tensor operator op(double a, const Tensor& b) { return scalar_like(a, b) op b; }
GS_SCALAR_OPERATOR(+)
GS_SCALAR_OPERATOR(-)
GS_SCALAR_OPERATOR(*)
GS_SCALAR_OPERATOR(/)
GS_SCALAR_OPERATOR(<)
GS_SCALAR_OPERATOR(<=)
GS_SCALAR_OPERATOR(>)
GS_SCALAR_OPERATOR(>=)
#undef GS_SCALAR_OPERATOR

}  // namespace engine
