// Elementwise binary primitives (arithmetic, comparisons, logic, shifts) and select_n. Operands
// have one shape, except rank-0 scalars, which broadcast; transposes sum a cotangent back down to
// a scalar operand's shape.
#include <array>
#include <cmath>
#include <limits>

#include "engine/ops/elementwise.h"
#include "engine/ops/families.h"
#include "engine/ops/reduction_ops.h"
#include "engine/ops/rule_helpers.h"
#include "engine/ops/scalar_math.h"
#include "engine/ops/shape_ops.h"
#include "engine/ops/tile_kernel.h"

namespace engine {

namespace {

using P = PrimId;

Avals float_binary_shape(std::span<const Aval> in, const Params& params) {
  GS_CHECK(is_floating(in[0].dtype), "this operation needs floating-point operands, got " + in[0].str());
  return elementwise_shape(in, params);
}

Avals integer_binary_shape(std::span<const Aval> in, const Params& params) {
  GS_CHECK(!is_floating(in[0].dtype), "this operation needs boolean or integer operands, got " + in[0].str());
  return elementwise_shape(in, params);
}

Avals select_shape(std::span<const Aval> in, const Params&) {
  GS_CHECK(in.size() >= 2, "select_n needs a predicate and at least one case");
  GS_CHECK(in[0].dtype == DType::boolean || in[0].dtype == DType::i32,
           "select_n: the predicate must be bool or i32, got " + in[0].str());
  Avals cases(in.begin() + 1, in.end());
  Shape shape = common_elementwise_shape(in, "select_n");
  for (const Aval& c : cases)
    GS_CHECK(c.dtype == cases[0].dtype, "select_n: cases must have one dtype, got " + c.str() +
                                            " and " + cases[0].str());
  return {{shape, cases[0].dtype}};
}

template <class T>
T shift_left_of(T a, T b) {
  if constexpr (std::is_same_v<T, bool> || std::is_floating_point_v<T>) return a;
  else {
    using U = std::make_unsigned_t<T>;
    return static_cast<U>(b) >= sizeof(T) * 8 ? T(0) : static_cast<T>(static_cast<U>(a) << b);
  }
}
template <class T>
T shift_right_logical_of(T a, T b) {
  if constexpr (std::is_same_v<T, bool> || std::is_floating_point_v<T>) return a;
  else {
    using U = std::make_unsigned_t<T>;
    return static_cast<U>(b) >= sizeof(T) * 8 ? T(0) : static_cast<T>(static_cast<U>(a) >> b);
  }
}

template <class T>
T bit_and(T a, T b) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(a & b);
  else return a;
}
template <class T>
T bit_or(T a, T b) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(a | b);
  else return a;
}
template <class T>
T bit_xor(T a, T b) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(a ^ b);
  else return a;
}

template <auto F>
std::vector<Array> binary_kernel(std::span<const Array> in, const Params&, std::span<const Aval> out) {
  return {map_binary(in[0], in[1], out[0].shape, out[0].dtype, [](auto a, auto b) { return F(a, b); })};
}

std::vector<Array> select_kernel(std::span<const Array> in, const Params&, std::span<const Aval> out) {
  Array result = Array::empty(out[0].dtype, out[0].shape);
  Array pred = in[0].astype(DType::i32);
  const int32_t* p = pred.data<int32_t>();
  const size_t width = dtype_size(out[0].dtype);
  const int64_t ncases = static_cast<int64_t>(in.size()) - 1;
  auto* dst = static_cast<char*>(result.mutable_raw());
  for (int64_t i = 0, n = result.size(); i < n; ++i) {
    int64_t which = std::clamp<int64_t>(p[pred.rank() == 0 ? 0 : i], 0, ncases - 1);
    const Array& c = in[1 + which];
    std::memcpy(dst + i * width, static_cast<const char*>(c.raw()) + (c.rank() == 0 ? 0 : i) * width, width);
  }
  return {result};
}

// select_n of two f32 cases on a 0/1 predicate, as a select rather than a branch.
struct SelectTile {
  [[gnu::always_inline]] static void run(const float* const* in, float* out, int64_t n, const Params&) {
    const float *pred = in[0], *if_false = in[1], *if_true = in[2];
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      const float t = if_true[i], f = if_false[i];  // both loaded: a select, not a branch
      out[i] = pred[i] != 0 ? t : f;
    }
  }
};

// ---- JVPs

std::pair<Tensors, Tensors> mul_jvp(std::span<const Tensor> x, std::span<const Tensor> t, const Params&) {
  Tensor out = bind1(P::mul, {x[0], x[1]});
  Tensor ta = t[0].defined() ? bind1(P::mul, {t[0], x[1]}) : Tensor();
  Tensor tb = t[1].defined() ? bind1(P::mul, {x[0], t[1]}) : Tensor();
  return {{out}, {ta.defined() && tb.defined() ? ta + tb : ta.defined() ? ta : tb}};
}

std::pair<Tensors, Tensors> div_jvp(std::span<const Tensor> x, std::span<const Tensor> t, const Params&) {
  Tensor out = bind1(P::div, {x[0], x[1]});
  Tensor ta = t[0].defined() ? bind1(P::div, {t[0], x[1]}) : Tensor();
  Tensor tb = t[1].defined() ? neg(bind1(P::mul, {t[1], out / x[1]})) : Tensor();
  return {{out}, {ta.defined() && tb.defined() ? ta + tb : ta.defined() ? ta : tb}};
}

std::pair<Tensors, Tensors> rem_jvp(std::span<const Tensor> x, std::span<const Tensor> t, const Params&) {
  Tensor out = bind1(P::rem, {x[0], x[1]});
  // d/db rem(a, b) = -trunc(a / b)
  Tensor ta = t[0];
  Tensor q = x[0] / x[1];
  Tensor tb = t[1].defined() ? neg(bind1(P::mul, {t[1], sign(q) * floor(abs(q))})) : Tensor();
  return {{out}, {ta.defined() && tb.defined() ? ta + tb : ta.defined() ? ta : tb}};
}

std::pair<Tensors, Tensors> pow_jvp(std::span<const Tensor> x, std::span<const Tensor> t, const Params&) {
  Tensor out = bind1(P::pow, {x[0], x[1]});
  Tensor ta, tb;
  if (t[0].defined()) {
    // y * x^(y-1), written so that x = 0 with y >= 1 gives a finite slope.
    Tensor d = where(equal(x[1], zeros_like(x[1])), zeros_like(out), x[1] * pow(x[0], x[1] - 1.0));
    ta = bind1(P::mul, {t[0], d});
  }
  if (t[1].defined()) {
    Tensor logx = where(equal(x[0], zeros_like(x[0])), zeros_like(x[0]), log(x[0]));
    tb = bind1(P::mul, {t[1], out * logx});
  }
  return {{out}, {ta.defined() && tb.defined() ? ta + tb : ta.defined() ? ta : tb}};
}

// d max(a, b): the tangent of the larger operand; ties split evenly, as JAX does.
template <P Id>
std::pair<Tensors, Tensors> minmax_jvp(std::span<const Tensor> x, std::span<const Tensor> t, const Params&) {
  Tensor out = bind1(Id, {x[0], x[1]});
  auto part = [&](int i) -> Tensor {
    if (!t[i].defined()) return Tensor();
    Tensor pick = where(equal(x[i], out), full_like(out, 1.0), zeros_like(out));
    Tensor tie = where(equal(x[0], x[1]), full_like(out, 0.5), full_like(out, 1.0));
    return bind1(P::mul, {t[i], pick * tie});
  };
  Tensor ta = part(0), tb = part(1);
  return {{out}, {ta.defined() && tb.defined() ? ta + tb : ta.defined() ? ta : tb}};
}

std::pair<Tensors, Tensors> atan2_jvp(std::span<const Tensor> x, std::span<const Tensor> t, const Params&) {
  Tensor out = bind1(P::atan2, {x[0], x[1]});
  Tensor denom = square(x[0]) + square(x[1]);
  Tensor ta = t[0].defined() ? bind1(P::mul, {t[0], x[1] / denom}) : Tensor();
  Tensor tb = t[1].defined() ? bind1(P::mul, {t[1], neg(x[0]) / denom}) : Tensor();
  return {{out}, {ta.defined() && tb.defined() ? ta + tb : ta.defined() ? ta : tb}};
}

std::pair<Tensors, Tensors> select_jvp(std::span<const Tensor> x, std::span<const Tensor> t,
                                       const Params& params) {
  Tensors out = bind(P::select_n, x, params);
  bool any = false;
  for (size_t i = 1; i < t.size(); ++i) any = any || t[i].defined();
  if (!any) return {out, {Tensor()}};
  Tensors args{x[0]};
  for (size_t i = 1; i < x.size(); ++i)
    args.push_back(t[i].defined() ? t[i] : zeros_of(x[i].aval()));
  return {out, bind(P::select_n, args, params)};
}

// ---- transposes

// Sums a cotangent down to the shape of an operand that was broadcast implicitly (a scalar).
Tensor unbroadcast(const Tensor& ct, const Aval& aval) {
  if (ct.shape() == aval.shape) return ct;
  return sum(ct);
}

Tensors add_transpose(std::span<const Tensor> cts, std::span<const Tensor>, std::span<const Aval> avals,
                      const std::vector<bool>& linear, const Params&) {
  if (!cts[0].defined()) return {Tensor(), Tensor()};
  return {linear[0] ? unbroadcast(cts[0], avals[0]) : Tensor(),
          linear[1] ? unbroadcast(cts[0], avals[1]) : Tensor()};
}

Tensors sub_transpose(std::span<const Tensor> cts, std::span<const Tensor>, std::span<const Aval> avals,
                      const std::vector<bool>& linear, const Params&) {
  if (!cts[0].defined()) return {Tensor(), Tensor()};
  return {linear[0] ? unbroadcast(cts[0], avals[0]) : Tensor(),
          linear[1] ? unbroadcast(neg(cts[0]), avals[1]) : Tensor()};
}

Tensors mul_transpose(std::span<const Tensor> cts, std::span<const Tensor> args,
                      std::span<const Aval> avals, const std::vector<bool>& linear, const Params&) {
  GS_CHECK(!(linear[0] && linear[1]), "internal: mul transposed with both operands linear");
  if (!cts[0].defined()) return {Tensor(), Tensor()};
  if (linear[0]) return {unbroadcast(bind1(P::mul, {cts[0], args[1]}), avals[0]), Tensor()};
  return {Tensor(), unbroadcast(bind1(P::mul, {args[0], cts[0]}), avals[1])};
}

Tensors div_transpose(std::span<const Tensor> cts, std::span<const Tensor> args,
                      std::span<const Aval> avals, const std::vector<bool>& linear, const Params&) {
  GS_CHECK(!linear[1], "internal: div transposed in its denominator");
  if (!cts[0].defined()) return {Tensor(), Tensor()};
  return {unbroadcast(bind1(P::div, {cts[0], args[1]}), avals[0]), Tensor()};
}

Tensors select_transpose(std::span<const Tensor> cts, std::span<const Tensor> args,
                         std::span<const Aval> avals, const std::vector<bool>& linear,
                         const Params& params) {
  GS_CHECK(!linear[0], "internal: select_n transposed in its predicate");
  Tensors out(args.size());
  if (!cts[0].defined()) return out;
  Tensor zero = zeros_like(cts[0]);
  for (size_t i = 1; i < args.size(); ++i) {
    if (!linear[i]) continue;
    Tensors cases(args.size() - 1, zero);
    cases[i - 1] = cts[0];
    Tensors select_args{args[0]};
    select_args.insert(select_args.end(), cases.begin(), cases.end());
    out[i] = unbroadcast(bind(P::select_n, select_args, params)[0], avals[i]);
  }
  return out;
}

// A row whose kernel is the scalar function F: the reference kernel (every dtype) and, unless
// the primitive is integer-only, the f32 tile kernel of the fused and cpu loops.
template <P Id, auto F>
constexpr PrimitiveRules binary_row(std::string_view name, ShapeRule shape, JvpRule jvp, std::string_view missing_reason,
                                TransposeRule transpose = nullptr, bool has_tile = true) {
  return {.id = Id, .name = name, .shape = shape, .impl = binary_kernel<F>, .jvp = jvp, .transpose = transpose,
          .batch = elementwise_batch_rule<Id>, .tile = has_tile ? binary_tile<F> : nullptr,
          .missing_reason = missing_reason};
}

template <P Id, auto F>
constexpr PrimitiveRules comparison(std::string_view name) {
  return binary_row<Id, F>(name, comparison_shape, zero_jvp<Id>, "boolean valued");
}

template <P Id, auto F>
constexpr PrimitiveRules bitwise(std::string_view name) {
  return binary_row<Id, F>(name, integer_binary_shape, zero_jvp<Id>, "boolean or integer valued", nullptr, false);
}

const std::array kBinaryRules = {
    binary_row<P::add, GS_SCALAR2(add_of(a, b))>("add", elementwise_shape, linear_jvp_rule<P::add>, {}, add_transpose),
    binary_row<P::sub, GS_SCALAR2(sub_of(a, b))>("sub", elementwise_shape, linear_jvp_rule<P::sub>, {}, sub_transpose),
    binary_row<P::mul, GS_SCALAR2(mul_of(a, b))>("mul", elementwise_shape, mul_jvp, {}, mul_transpose),
    binary_row<P::div, GS_SCALAR2(div_of(a, b))>("div", elementwise_shape, div_jvp, {}, div_transpose),
    binary_row<P::rem, GS_SCALAR2(rem_of(a, b))>("rem", elementwise_shape, rem_jvp, "not linear"),
    binary_row<P::pow, GS_SCALAR2(static_cast<T>(std::pow(a, b)))>("pow", float_binary_shape, pow_jvp, "not linear"),
    binary_row<P::max, GS_SCALAR2(max_of(a, b))>("max", elementwise_shape, minmax_jvp<P::max>, "not linear"),
    binary_row<P::min, GS_SCALAR2(min_of(a, b))>("min", elementwise_shape, minmax_jvp<P::min>, "not linear"),
    binary_row<P::atan2, GS_SCALAR2(static_cast<T>(std::atan2(a, b)))>("atan2", float_binary_shape, atan2_jvp,
                                                                    "not linear"),
    bitwise<P::and_, GS_SCALAR2(bit_and(a, b))>("and"),
    bitwise<P::or_, GS_SCALAR2(bit_or(a, b))>("or"),
    bitwise<P::xor_, GS_SCALAR2(bit_xor(a, b))>("xor"),
    bitwise<P::shift_left, GS_SCALAR2(shift_left_of(a, b))>("shift_left"),
    bitwise<P::shift_right_logical, GS_SCALAR2(shift_right_logical_of(a, b))>("shift_right_logical"),
    comparison<P::eq, GS_SCALAR2(a == b)>("eq"),
    comparison<P::ne, GS_SCALAR2(a != b)>("ne"),
    comparison<P::lt, GS_SCALAR2(a < b)>("lt"),
    comparison<P::le, GS_SCALAR2(a <= b)>("le"),
    comparison<P::gt, GS_SCALAR2(a > b)>("gt"),
    comparison<P::ge, GS_SCALAR2(a >= b)>("ge"),
    PrimitiveRules{.id = P::select_n, .name = "select_n", .shape = select_shape, .impl = select_kernel,
                   .jvp = select_jvp, .transpose = select_transpose,
                   .batch = elementwise_batch_rule<P::select_n>, .tile = tile_kernel<SelectTile>},
};

}  // namespace

std::span<const PrimitiveRules> elementwise_binary_rules() { return kBinaryRules; }

// The public functions (ops/elementwise.h).
Tensor add(const Tensor& a, const Tensor& b) { return jnp_binary(P::add, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return jnp_binary(P::sub, a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return jnp_binary(P::mul, a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return jnp_binary(P::div, a, b); }
Tensor rem(const Tensor& a, const Tensor& b) { return jnp_binary(P::rem, a, b); }
Tensor pow(const Tensor& a, const Tensor& b) { return jnp_float_binary(P::pow, a, b); }
Tensor maximum(const Tensor& a, const Tensor& b) { return jnp_binary(P::max, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return jnp_binary(P::min, a, b); }
Tensor atan2(const Tensor& a, const Tensor& b) { return jnp_float_binary(P::atan2, a, b); }
Tensor logical_and(const Tensor& a, const Tensor& b) { return jnp_binary(P::and_, a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return jnp_binary(P::or_, a, b); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return jnp_binary(P::xor_, a, b); }
Tensor equal(const Tensor& a, const Tensor& b) { return jnp_binary(P::eq, a, b); }
Tensor not_equal(const Tensor& a, const Tensor& b) { return jnp_binary(P::ne, a, b); }
Tensor less(const Tensor& a, const Tensor& b) { return jnp_binary(P::lt, a, b); }
Tensor less_equal(const Tensor& a, const Tensor& b) { return jnp_binary(P::le, a, b); }
Tensor greater(const Tensor& a, const Tensor& b) { return jnp_binary(P::gt, a, b); }
Tensor greater_equal(const Tensor& a, const Tensor& b) { return jnp_binary(P::ge, a, b); }

}  // namespace engine
