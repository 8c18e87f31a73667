// f32 elementwise ops and comparisons on contiguous arrays (same shapes, or a rank-0 operand) and
// reduce_sum over a leading or trailing block of axes. Arithmetic is plain loops, built at -O3
// so g++ vectorizes them; exp, log, tanh and logistic go to oneDNN eltwise, whose vectorized
// polynomials beat the scalar libm calls a portable loop makes (see bench/ops_bench.cpp).
// Sums accumulate in double, as the reference kernel does.
#pragma GCC optimize("O3", "no-trapping-math")
#include <cmath>
#include <limits>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cpu/kernels.h"
#include "engine/backend/cpu/onednn_cache.h"

namespace engine::cpu {

namespace {

using P = PrimId;

template <class F>
Array unary(const Array& x, F f) {
  Array out = Array::empty(DType::f32, x.shape());
  const float* a = x.data<float>();
  float* y = out.mutable_data<float>();
  for (int64_t i = 0, n = x.size(); i < n; ++i) y[i] = f(a[i]);
  return out;
}

// out[i] = f(x[i], z[i]) over f32 operands of one shape, or with one rank-0 operand (the scalar
// is hoisted so the loop vectorizes); Out is float for arithmetic, bool for comparisons.
template <class Out, class F>
Array binary_loop(const Array& x, const Array& z, const Shape& shape, F f) {
  Array out = Array::empty(dtype_of<Out>(), shape);
  const float* a = x.data<float>();
  const float* b = z.data<float>();
  Out* y = out.mutable_data<Out>();
  const int64_t n = out.size();
  if (x.rank() == 0 && z.rank() != 0) {
    const float s = a[0];
    for (int64_t i = 0; i < n; ++i) y[i] = f(s, b[i]);
  } else if (z.rank() == 0 && x.rank() != 0) {
    const float s = b[0];
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], s);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], b[i]);
  }
  return out;
}

template <class F>
Array binary(const Array& x, const Array& z, const Shape& shape, F f) {
  return binary_loop<float>(x, z, shape, f);
}

// NaN-propagating as XLA's max/min, written as selects so that the loop vectorizes.
inline float max_nan(float a, float b) {
  float m = a > b ? a : b;
  m = a != a ? a : m;
  return b != b ? b : m;
}
inline float min_nan(float a, float b) {
  float m = a < b ? a : b;
  m = a != a ? a : m;
  return b != b ? b : m;
}

// Below this many elements a oneDNN call (memory objects, dispatch, OpenMP fork) costs more than
// the scalar loop.
constexpr int64_t kEltwiseMin = 1024;

struct EltwisePlan : Plan {
  dnnl::memory::desc md;
  dnnl::eltwise_forward prim;
};

std::optional<Array> eltwise(dnnl::algorithm alg, const std::string& name, const Array& x) {
  auto plan = cached_plan("eltwise_" + name + key_of({x.size()}), [&]() -> std::shared_ptr<Plan> {
    auto p = std::make_shared<EltwisePlan>();
    p->md = f32_desc({x.size()}, {1});
    try {
      p->prim = dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(
          dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference, alg, p->md, 0.f, 0.f),
          onednn_engine()));
    } catch (const dnnl::error&) {
      return nullptr;
    }
    return p;
  });
  if (!plan) return std::nullopt;
  const auto& ep = static_cast<const EltwisePlan&>(*plan);
  Array out = Array::empty(DType::f32, x.shape());
  dnnl::memory src(ep.md, onednn_engine(), const_cast<void*>(x.raw()));
  dnnl::memory dst(ep.md, onednn_engine(), out.mutable_raw());
  dnnl::stream& s = onednn_stream();
  ep.prim.execute(s, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  s.wait();
  ++cpu_backend().counters().eltwise;
  return out;
}

Array integer_pow(const Array& x, int64_t y) {
  // Square-and-multiply in the reference kernel's order, so the roundings are the same.
  return unary(x, [y](float v) {
    float acc = 1, base = v;
    for (int64_t e = y < 0 ? -y : y; e > 0; e >>= 1) {
      if (e & 1) acc *= base;
      base *= base;
    }
    return y < 0 ? 1.0f / acc : acc;
  });
}

// exp(x) - 1 without cancellation: a degree-9 Taylor polynomial for |x| < 0.5 (truncation
// below 6e-10 relative, under float rounding), exp(x) - 1 elsewhere, where 1 - exp(x) >= 0.39
// keeps the subtraction within a few ulps. Big arrays take the exp from oneDNN.
Array expm1(const Array& x) {
  std::optional<Array> fast;
  if (x.size() >= kEltwiseMin) fast = eltwise(dnnl::algorithm::eltwise_exp, "exp", x);
  Array e = fast ? *fast : unary(x, [](float v) { return std::exp(v); });
  Array out = Array::empty(DType::f32, x.shape());
  const float* a = x.data<float>();
  const float* ea = e.data<float>();
  float* y = out.mutable_data<float>();
  for (int64_t i = 0, n = x.size(); i < n; ++i) {
    const float v = a[i];
    float p = v * (1.0f / 362880) + 1.0f / 40320;
    p = p * v + 1.0f / 5040;
    p = p * v + 1.0f / 720;
    p = p * v + 1.0f / 120;
    p = p * v + 1.0f / 24;
    p = p * v + 1.0f / 6;
    p = p * v + 0.5f;
    p = p * v + 1.0f;
    const float small = p * v, big = ea[i] - 1.0f;
    y[i] = std::fabs(v) < 0.5f ? small : big;
  }
  return out;
}

// Sum over axes [0, k) or [k, rank) of a contiguous array, in double.
std::optional<Array> reduce_sum(const Array& x, const IntList& axes, const Aval& out) {
  const int64_t r = x.rank(), na = static_cast<int64_t>(axes.size());
  if (na == 0 || x.size() == 0) return std::nullopt;
  bool leading = true, trailing = true;
  for (int64_t i = 0; i < na; ++i) {
    leading = leading && axes[i] == i;
    trailing = trailing && axes[i] == r - na + i;
  }
  if (!leading && !trailing) return std::nullopt;
  const int64_t n_out = shape_size(out.shape), n_red = x.size() / n_out;
  const float* a = x.data<float>();
  Array result = Array::empty(DType::f32, out.shape);
  float* y = result.mutable_data<float>();
  if (trailing) {
    for (int64_t o = 0; o < n_out; ++o) {
      const float* row = a + o * n_red;
      double acc = 0;
      for (int64_t i = 0; i < n_red; ++i) acc += row[i];
      y[o] = static_cast<float>(acc);
    }
  } else {
    std::vector<double> acc(static_cast<size_t>(n_out), 0.0);
    for (int64_t i = 0; i < n_red; ++i) {
      const float* row = a + i * n_out;
      for (int64_t o = 0; o < n_out; ++o) acc[o] += row[o];
    }
    for (int64_t o = 0; o < n_out; ++o) y[o] = static_cast<float>(acc[o]);
  }
  return result;
}

// f32 comparisons into a boolean array (same shapes or a rank-0 operand).
template <class F>
std::optional<Array> compare(const Array& x, const Array& z, const Shape& shape, F f) {
  if (x.dtype() != DType::f32 || z.dtype() != DType::f32) return std::nullopt;
  return binary_loop<bool>(x, z, shape, f);
}

std::optional<Array> comparison(PrimId prim, std::span<const Array> in, const Aval& out) {
  const Array &a = in[0], &b = in[1];
  switch (prim) {
    case P::eq: return compare(a, b, out.shape, [](float u, float v) { return u == v; });
    case P::ne: return compare(a, b, out.shape, [](float u, float v) { return u != v; });
    case P::lt: return compare(a, b, out.shape, [](float u, float v) { return u < v; });
    case P::le: return compare(a, b, out.shape, [](float u, float v) { return u <= v; });
    case P::gt: return compare(a, b, out.shape, [](float u, float v) { return u > v; });
    case P::ge: return compare(a, b, out.shape, [](float u, float v) { return u >= v; });
    default: return std::nullopt;
  }
}

bool all_f32(std::span<const Array> in) {
  for (const Array& a : in)
    if (a.dtype() != DType::f32) return false;
  return true;
}

}  // namespace

std::optional<Array> elementwise(PrimId prim, std::span<const Array> in, const Params& params,
                                 const Aval& out) {
  if (shape_size(out.shape) == 0) return std::nullopt;
  std::optional<Array> r;
  if (out.dtype == DType::boolean && in.size() == 2) {
    r = comparison(prim, in, out);
    if (r) ++cpu_backend().counters().loops;
    return r;
  }
  if (out.dtype != DType::f32) return std::nullopt;
  if (prim == P::select_n) {
    // Boolean predicate choosing between two f32 cases; any operand may be a rank-0 scalar.
    if (in.size() != 3 || in[0].dtype() != DType::boolean || !all_f32(in.subspan(1))) return {};
    for (const Array& a : in)
      if (a.rank() != 0 && a.shape() != out.shape) return std::nullopt;
    const bool* p = in[0].data<bool>();
    const float* f = in[1].data<float>();
    const float* t = in[2].data<float>();
    const int64_t ip = in[0].rank() ? 1 : 0, i_f = in[1].rank() ? 1 : 0, it = in[2].rank() ? 1 : 0;
    Array o = Array::empty(DType::f32, out.shape);
    float* y = o.mutable_data<float>();
    for (int64_t i = 0, n = o.size(); i < n; ++i) y[i] = p[i * ip] ? t[i * it] : f[i * i_f];
    r = o;
  } else if (!all_f32(in)) {
    return std::nullopt;
  } else if (in.size() == 2) {
    const Array &a = in[0], &b = in[1];
    switch (prim) {
      case P::add: r = binary(a, b, out.shape, [](float u, float v) { return u + v; }); break;
      case P::sub: r = binary(a, b, out.shape, [](float u, float v) { return u - v; }); break;
      case P::mul: r = binary(a, b, out.shape, [](float u, float v) { return u * v; }); break;
      case P::div: r = binary(a, b, out.shape, [](float u, float v) { return u / v; }); break;
      case P::max: r = binary(a, b, out.shape, max_nan); break;
      case P::min: r = binary(a, b, out.shape, min_nan); break;
      default: return std::nullopt;
    }
  } else if (in.size() == 1) {
    const Array& x = in[0];
    switch (prim) {
      case P::neg: r = unary(x, [](float v) { return -v; }); break;
      case P::abs: r = unary(x, [](float v) { return std::fabs(v); }); break;
      case P::sqrt: r = unary(x, [](float v) { return std::sqrt(v); }); break;
      case P::integer_pow: r = integer_pow(x, params.i("y")); break;
      case P::reduce_sum: r = reduce_sum(x, params.ints("axes"), out); break;
      // Small arrays: the libm loop (what the reference runs) costs less than a primitive call.
      case P::exp:
        if (x.size() >= kEltwiseMin) return eltwise(dnnl::algorithm::eltwise_exp, "exp", x);
        r = unary(x, [](float v) { return std::exp(v); });
        break;
      case P::log:
        if (x.size() >= kEltwiseMin) return eltwise(dnnl::algorithm::eltwise_log, "log", x);
        r = unary(x, [](float v) { return std::log(v); });
        break;
      case P::tanh:
        if (x.size() >= kEltwiseMin) return eltwise(dnnl::algorithm::eltwise_tanh, "tanh", x);
        r = unary(x, [](float v) { return std::tanh(v); });
        break;
      case P::expm1:
        r = expm1(x);
        break;
      case P::logistic:
        if (x.size() >= kEltwiseMin)
          return eltwise(dnnl::algorithm::eltwise_logistic, "logistic", x);
        r = unary(x, [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
        break;
      default: return std::nullopt;
    }
  }
  if (r) ++cpu_backend().counters().loops;
  return r;
}

}  // namespace engine::cpu
