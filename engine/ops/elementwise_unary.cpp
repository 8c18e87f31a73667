// Elementwise unary primitives: shape rule, reference kernel, JVP, transpose (the linear ones)
// and batching, one table row each. Derivatives are written with ops so they trace.
#include <algorithm>
#include <array>
#include <cmath>

#include "engine/ops/elementwise.h"
#include "engine/ops/families.h"
#include "engine/ops/rule_helpers.h"
#include "engine/ops/shape_ops.h"
#include "engine/ops/scalar_math.h"
#include "engine/ops/tile_kernel.h"

namespace engine {

namespace {

using P = PrimId;

Avals float_shape(std::span<const Aval> in, const Params& params) {
  GS_CHECK(is_floating(in[0].dtype), "this operation needs a floating-point operand, got " + in[0].str());
  return elementwise_shape(in, params);
}

Avals predicate_shape(std::span<const Aval> in, const Params&) { return {{in[0].shape, DType::boolean}}; }

Avals not_shape(std::span<const Aval> in, const Params& params) {
  GS_CHECK(!is_floating(in[0].dtype), "not needs a boolean or integer operand, got " + in[0].str());
  return elementwise_shape(in, params);
}

Avals convert_shape(std::span<const Aval> in, const Params& params) {
  return {{in[0].shape, params.dtype("new_dtype")}};
}

// A kernel from a generic lambda applied to each element in the operand's own type.
template <auto F>
std::vector<Array> unary_kernel(std::span<const Array> in, const Params&, std::span<const Aval> out) {
  return {map_unary(in[0], out[0].dtype, [](auto v) { return F(v); })};
}

std::vector<Array> integer_pow_kernel(std::span<const Array> in, const Params& params,
                                      std::span<const Aval> out) {
  int64_t y = params.i("y");
  return {map_unary(in[0], out[0].dtype, [y](auto v) { return integer_pow_of(v, y); })};
}

// integer_pow_of's square-and-multiply for f32 with the exponent loop outside the element loops,
// so that they vectorize: the same products in the same order.
struct IntegerPowTile {
  [[gnu::always_inline]] static void run(const float* const* in, float* out, int64_t n, const Params& params) {
    constexpr int64_t kBlock = 256;
    const int64_t y = params.i("y");
    float base[kBlock];
    for (int64_t start = 0; start < n; start += kBlock) {
      const float* a = in[0] + start;
      float* acc = out + start;
      const int64_t m = std::min(kBlock, n - start);
#pragma omp simd
      for (int64_t i = 0; i < m; ++i) base[i] = a[i], acc[i] = 1.0f;
      for (int64_t e = y < 0 ? -y : y; e > 0; e >>= 1) {
        if (e & 1) {
#pragma omp simd
          for (int64_t i = 0; i < m; ++i) acc[i] *= base[i];
        }
        if (e > 1) {
#pragma omp simd
          for (int64_t i = 0; i < m; ++i) base[i] *= base[i];
        }
      }
      if (y < 0) {
#pragma omp simd
        for (int64_t i = 0; i < m; ++i) acc[i] = 1.0f / acc[i];
      }
    }
  }
};

std::vector<Array> convert_kernel(std::span<const Array> in, const Params& params, std::span<const Aval>) {
  return {in[0].astype(params.dtype("new_dtype"))};
}

// Between float registers: to bool is 0/1, to f32 (from f32 or a 0/1 bool) the value itself.
struct ConvertTile {
  [[gnu::always_inline]] static void run(const float* const* in, float* out, int64_t n, const Params& params) {
    const float* a = in[0];
    if (params.dtype("new_dtype") == DType::boolean) {
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) out[i] = a[i] != 0 ? 1.0f : 0.0f;
    } else {
      std::copy_n(a, n, out);
    }
  }
};

// ---- derivatives: d/dx f(x) from x and y = f(x)
Tensor d_abs(const Tensor& x, const Tensor&) { return sign(x); }
Tensor d_exp(const Tensor&, const Tensor& y) { return y; }
Tensor d_log(const Tensor& x, const Tensor&) { return reciprocal(x); }
Tensor d_log1p(const Tensor& x, const Tensor&) { return reciprocal(x + 1.0); }
Tensor d_expm1(const Tensor&, const Tensor& y) { return y + 1.0; }
Tensor d_sin(const Tensor& x, const Tensor&) { return cos(x); }
Tensor d_cos(const Tensor& x, const Tensor&) { return neg(sin(x)); }
Tensor d_tan(const Tensor&, const Tensor& y) { return 1.0 + square(y); }
Tensor d_tanh(const Tensor&, const Tensor& y) { return 1.0 - square(y); }
Tensor d_logistic(const Tensor&, const Tensor& y) { return y * (1.0 - y); }
Tensor d_sqrt(const Tensor&, const Tensor& y) { return 0.5 / y; }
Tensor d_rsqrt(const Tensor& x, const Tensor& y) { return -0.5 * y / x; }
Tensor d_erf(const Tensor& x, const Tensor&) { return (2.0 / std::sqrt(M_PI)) * exp(neg(square(x))); }
Tensor d_erf_inv(const Tensor&, const Tensor& y) { return (std::sqrt(M_PI) / 2.0) * exp(square(y)); }

std::pair<Tensors, Tensors> integer_pow_jvp(std::span<const Tensor> primals,
                                            std::span<const Tensor> tangents, const Params& params) {
  int64_t y = params.i("y");
  Tensor out = bind1(P::integer_pow, {primals[0]}, params);
  Tensor t;
  if (tangents[0].defined()) {
    Tensor d = y == 0 ? zeros_like(primals[0])
               : y == 1 ? ones_like(primals[0])
                        : static_cast<double>(y) * integer_pow(primals[0], y - 1);
    t = tangents[0] * d;
  }
  return {{out}, {t}};
}

std::pair<Tensors, Tensors> convert_jvp(std::span<const Tensor> primals, std::span<const Tensor> tangents,
                                        const Params& params) {
  Tensor out = bind1(P::convert_element_type, {primals[0]}, params);
  bool differentiable = is_floating(primals[0].dtype()) && is_floating(params.dtype("new_dtype"));
  Tensor t;
  if (differentiable && tangents[0].defined()) t = bind1(P::convert_element_type, {tangents[0]}, params);
  return {{out}, {t}};
}

Tensors neg_transpose(std::span<const Tensor> cts, std::span<const Tensor>, std::span<const Aval>,
                      const std::vector<bool>&, const Params&) {
  return {cts[0].defined() ? neg(cts[0]) : Tensor()};
}

Tensors convert_transpose(std::span<const Tensor> cts, std::span<const Tensor>,
                          std::span<const Aval> in_avals, const std::vector<bool>&, const Params&) {
  return {cts[0].defined() ? astype(cts[0], in_avals[0].dtype) : Tensor()};
}

// A row whose kernel is the scalar function F: the reference kernel (every dtype) and the f32
// tile kernel of the fused and cpu loops.
template <P Id, auto F>
constexpr PrimitiveRules unary_row(std::string_view name, ShapeRule shape, JvpRule jvp, std::string_view missing_reason,
                               TransposeRule transpose = nullptr) {
  return {.id = Id, .name = name, .shape = shape, .impl = unary_kernel<F>, .jvp = jvp, .transpose = transpose,
          .batch = elementwise_batch_rule<Id>, .tile = unary_tile<F>, .missing_reason = missing_reason};
}

template <P Id, Tensor (*D)(const Tensor&, const Tensor&), auto F>
constexpr PrimitiveRules smooth(std::string_view name) {
  return unary_row<Id, F>(name, float_shape, unary_jvp<Id, D>, "not linear");
}

template <P Id, auto F>
constexpr PrimitiveRules piecewise_constant(std::string_view name, ShapeRule shape = elementwise_shape) {
  return unary_row<Id, F>(name, shape, zero_jvp<Id>, "piecewise constant; not linear");
}

const std::array kUnaryRules = {
    unary_row<P::neg, GS_SCALAR(neg_of(v))>("neg", elementwise_shape, linear_jvp_rule<P::neg>, {}, neg_transpose),
    piecewise_constant<P::sign, GS_SCALAR(sign_of(v))>("sign"),
    piecewise_constant<P::floor, GS_SCALAR(static_cast<T>(std::floor(v)))>("floor", float_shape),
    piecewise_constant<P::ceil, GS_SCALAR(static_cast<T>(std::ceil(v)))>("ceil", float_shape),
    piecewise_constant<P::round, GS_SCALAR(round_half_even(v))>("round", float_shape),
    unary_row<P::abs, GS_SCALAR(abs_of(v))>("abs", elementwise_shape, unary_jvp<P::abs, d_abs>, "not linear"),
    smooth<P::exp, d_exp, GS_SCALAR(exp_of(v))>("exp"),
    smooth<P::log, d_log, GS_SCALAR(log_of(v))>("log"),
    smooth<P::log1p, d_log1p, GS_SCALAR(log1p_of(v))>("log1p"),
    smooth<P::expm1, d_expm1, GS_SCALAR(expm1_of(v))>("expm1"),
    smooth<P::sin, d_sin, GS_SCALAR(std::sin(v))>("sin"),
    smooth<P::cos, d_cos, GS_SCALAR(std::cos(v))>("cos"),
    smooth<P::tan, d_tan, GS_SCALAR(std::tan(v))>("tan"),
    smooth<P::tanh, d_tanh, GS_SCALAR(tanh_of(v))>("tanh"),
    smooth<P::logistic, d_logistic, GS_SCALAR(logistic_of(v))>("logistic"),
    smooth<P::sqrt, d_sqrt, GS_SCALAR(std::sqrt(v))>("sqrt"),
    smooth<P::rsqrt, d_rsqrt, GS_SCALAR(T(1) / std::sqrt(v))>("rsqrt"),
    smooth<P::erf, d_erf, GS_SCALAR(erf_of(v))>("erf"),
    smooth<P::erf_inv, d_erf_inv, GS_SCALAR(erf_inv_of(v))>("erf_inv"),
    PrimitiveRules{.id = P::integer_pow, .name = "integer_pow", .shape = elementwise_shape,
                   .impl = integer_pow_kernel, .jvp = integer_pow_jvp,
                   .batch = elementwise_batch_rule<P::integer_pow>, .tile = tile_kernel<IntegerPowTile>,
                   .missing_reason = "not linear"},
    piecewise_constant<P::not_, GS_SCALAR(bitwise_not(v))>("not", not_shape),
    piecewise_constant<P::is_finite, GS_SCALAR(std::isfinite(static_cast<double>(v)))>("is_finite", predicate_shape),
    unary_row<P::stop_gradient, GS_SCALAR(v)>("stop_gradient", elementwise_shape, zero_jvp<P::stop_gradient>,
                                          "no derivative by definition"),
    PrimitiveRules{.id = P::convert_element_type, .name = "convert_element_type",
                   .shape = convert_shape, .impl = convert_kernel, .jvp = convert_jvp,
                   .transpose = convert_transpose, .batch = elementwise_batch_rule<P::convert_element_type>,
                   .tile = tile_kernel<ConvertTile>},
};

}  // namespace

std::span<const PrimitiveRules> elementwise_unary_rules() { return kUnaryRules; }

// The public functions (ops/elementwise.h).
Tensor neg(const Tensor& x) { return jnp_unary(P::neg, x); }
Tensor sign(const Tensor& x) { return jnp_unary(P::sign, x); }
Tensor floor(const Tensor& x) { return jnp_float_unary(P::floor, x); }
Tensor ceil(const Tensor& x) { return jnp_float_unary(P::ceil, x); }
Tensor round(const Tensor& x) { return jnp_float_unary(P::round, x); }
Tensor abs(const Tensor& x) { return jnp_unary(P::abs, x); }
Tensor exp(const Tensor& x) { return jnp_float_unary(P::exp, x); }
Tensor log(const Tensor& x) { return jnp_float_unary(P::log, x); }
Tensor log1p(const Tensor& x) { return jnp_float_unary(P::log1p, x); }
Tensor expm1(const Tensor& x) { return jnp_float_unary(P::expm1, x); }
Tensor sin(const Tensor& x) { return jnp_float_unary(P::sin, x); }
Tensor cos(const Tensor& x) { return jnp_float_unary(P::cos, x); }
Tensor tan(const Tensor& x) { return jnp_float_unary(P::tan, x); }
Tensor tanh(const Tensor& x) { return jnp_float_unary(P::tanh, x); }
Tensor sigmoid(const Tensor& x) { return jnp_float_unary(P::logistic, x); }
Tensor sqrt(const Tensor& x) { return jnp_float_unary(P::sqrt, x); }
Tensor rsqrt(const Tensor& x) { return jnp_float_unary(P::rsqrt, x); }
Tensor erf(const Tensor& x) { return jnp_float_unary(P::erf, x); }
Tensor erf_inv(const Tensor& x) { return jnp_float_unary(P::erf_inv, x); }
Tensor integer_pow(const Tensor& x, int64_t y) { return bind1(P::integer_pow, {x}, Params{{"y", y}}); }
Tensor square(const Tensor& x) { return integer_pow(x, 2); }
Tensor reciprocal(const Tensor& x) { return integer_pow(jnp_float(x), -1); }
Tensor logical_not(const Tensor& x) { return jnp_unary(P::not_, x); }
Tensor isfinite(const Tensor& x) { return jnp_unary(P::is_finite, x); }
Tensor stop_gradient(const Tensor& x) { return jnp_unary(P::stop_gradient, x); }
Tensor astype(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  return bind1(P::convert_element_type, {x}, Params{{"new_dtype", dtype}, {"weak_type", false}});
}

}  // namespace engine
