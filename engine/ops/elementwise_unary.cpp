// Elementwise unary primitives: shape rule, reference kernel, JVP, transpose (the linear ones)
// and batching, one table row each. Derivatives are written with ops so they trace.
#include <array>
#include <cmath>

#include "engine/ops/elementwise.h"
#include "engine/ops/families.h"
#include "engine/ops/rule_helpers.h"
#include "engine/ops/shape_ops.h"
#include "engine/ops/scalar_math.h"

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

std::vector<Array> convert_kernel(std::span<const Array> in, const Params& params, std::span<const Aval>) {
  return {in[0].astype(params.dtype("new_dtype"))};
}

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

template <P Id, Tensor (*D)(const Tensor&, const Tensor&), auto F>
constexpr PrimitiveRules smooth(std::string_view name) {
  return {.id = Id, .name = name, .shape = float_shape, .impl = unary_kernel<F>,
          .jvp = unary_jvp<Id, D>, .batch = elementwise_batch_rule<Id>, .missing_reason = "not linear"};
}

template <P Id, auto F>
constexpr PrimitiveRules piecewise_constant(std::string_view name, ShapeRule shape = elementwise_shape) {
  return {.id = Id, .name = name, .shape = shape, .impl = unary_kernel<F>, .jvp = zero_jvp<Id>,
          .batch = elementwise_batch_rule<Id>, .missing_reason = "piecewise constant; not linear"};
}

#define FN(expr) ([](auto v) { using T = decltype(v); (void)sizeof(T); return expr; })

const std::array kUnaryRules = {
    PrimitiveRules{.id = P::neg, .name = "neg", .shape = elementwise_shape,
                   .impl = unary_kernel<FN(neg_of(v))>, .jvp = linear_jvp_rule<P::neg>,
                   .transpose = neg_transpose, .batch = elementwise_batch_rule<P::neg>},
    piecewise_constant<P::sign, FN(sign_of(v))>("sign"),
    piecewise_constant<P::floor, FN(static_cast<T>(std::floor(v)))>("floor", float_shape),
    piecewise_constant<P::ceil, FN(static_cast<T>(std::ceil(v)))>("ceil", float_shape),
    piecewise_constant<P::round, FN(round_half_even(v))>("round", float_shape),
    PrimitiveRules{.id = P::abs, .name = "abs", .shape = elementwise_shape,
                   .impl = unary_kernel<FN(abs_of(v))>, .jvp = unary_jvp<P::abs, d_abs>,
                   .batch = elementwise_batch_rule<P::abs>, .missing_reason = "not linear"},
    smooth<P::exp, d_exp, FN(exp_of(v))>("exp"),
    smooth<P::log, d_log, FN(log_of(v))>("log"),
    smooth<P::log1p, d_log1p, FN(log1p_of(v))>("log1p"),
    smooth<P::expm1, d_expm1, FN(expm1_of(v))>("expm1"),
    smooth<P::sin, d_sin, FN(std::sin(v))>("sin"),
    smooth<P::cos, d_cos, FN(std::cos(v))>("cos"),
    smooth<P::tan, d_tan, FN(std::tan(v))>("tan"),
    smooth<P::tanh, d_tanh, FN(tanh_of(v))>("tanh"),
    smooth<P::logistic, d_logistic, FN(logistic_of(v))>("logistic"),
    smooth<P::sqrt, d_sqrt, FN(std::sqrt(v))>("sqrt"),
    smooth<P::rsqrt, d_rsqrt, FN(T(1) / std::sqrt(v))>("rsqrt"),
    smooth<P::erf, d_erf, FN(erf_of(v))>("erf"),
    smooth<P::erf_inv, d_erf_inv, FN(erf_inv_of(v))>("erf_inv"),
    PrimitiveRules{.id = P::integer_pow, .name = "integer_pow", .shape = elementwise_shape,
                   .impl = integer_pow_kernel, .jvp = integer_pow_jvp,
                   .batch = elementwise_batch_rule<P::integer_pow>, .missing_reason = "not linear"},
    piecewise_constant<P::not_, FN(bitwise_not(v))>("not", not_shape),
    piecewise_constant<P::is_finite, FN(std::isfinite(static_cast<double>(v)))>("is_finite", predicate_shape),
    PrimitiveRules{.id = P::stop_gradient, .name = "stop_gradient", .shape = elementwise_shape,
                   .impl = unary_kernel<FN(v)>, .jvp = zero_jvp<P::stop_gradient>,
                   .batch = elementwise_batch_rule<P::stop_gradient>,
                   .missing_reason = "no derivative by definition"},
    PrimitiveRules{.id = P::convert_element_type, .name = "convert_element_type",
                   .shape = convert_shape, .impl = convert_kernel, .jvp = convert_jvp,
                   .transpose = convert_transpose, .batch = elementwise_batch_rule<P::convert_element_type>},
};
#undef FN

}  // namespace

std::span<const PrimitiveRules> elementwise_unary_rules() { return kUnaryRules; }

}  // namespace engine
