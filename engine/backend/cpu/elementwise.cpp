// f32 elementwise ops and comparisons on contiguous arrays (same shapes, or a rank-0 operand) and
// reduce_sum over a leading or trailing block of axes. Arithmetic is plain loops, built at -O3
// so g++ vectorizes them; exp, log, tanh and friends use the branch-free polynomials of
// ops/vector_math.h, which vectorize too and are the reference kernels' functions.
// Sums accumulate in double, as the reference kernel does.
#if defined(__GNUC__) && !defined(__clang__)  // clang has no per-file optimize pragma
#pragma GCC optimize("O3", "no-trapping-math")
#endif
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cpu/kernels.h"
#include "engine/backend/cpu/onednn_cache.h"
#include "engine/core/parallel.h"
#include "engine/core/simd_dispatch.h"
#include "engine/ops/vector_math.h"

namespace engine::cpu {

namespace {

using P = PrimId;

// Elementwise loops over at least this many elements are split between the OpenMP threads (each
// element is computed alone, so results do not depend on the split).
constexpr int64_t kParallelMin = int64_t{1} << 16;

// f(i) for every i in [0, n), as one vectorized loop per thread.
template <class F>
void each_element(int64_t n, const F& f) {
  parallel_ranges(n, n >= kParallelMin, [&](int64_t begin, int64_t end) {
#pragma omp simd
    for (int64_t i = begin; i < end; ++i) f(i);
  });
}

template <class F>
Array unary(const Array& x, F f) {
  Array out = Array::empty(DType::f32, x.shape());
  const float* a = x.data<float>();
  float* y = out.mutable_data<float>();
  const int64_t n = x.size();
  each_element(n, [&](int64_t i) { y[i] = f(a[i]); });
  return out;
}

// out[i] = f(x[i], z[i]) over f32 operands of one shape, or with one rank-0 operand (the scalar
// is hoisted so the loop vectorizes); Out is float for arithmetic, bool for comparisons.
template <class Out, class F>
Array binary_loop(const Array& x, const Array& z, const Shape& shape, F f) {
  Array out = Array::empty(dtype_of<Out>(), shape);
  const float* a = x.data<float>();
  const float* b = z.data<float>();
  // bools are stored as bytes: g++ vectorizes byte stores, not bool ones.
  using Store = std::conditional_t<std::is_same_v<Out, bool>, uint8_t, Out>;
  Store* y = reinterpret_cast<Store*>(out.mutable_data<Out>());
  const int64_t n = out.size();
  if (x.rank() == 0 && z.rank() != 0) {
    const float s = a[0];
    each_element(n, [&](int64_t i) { y[i] = static_cast<Store>(f(s, b[i])); });
  } else if (z.rank() == 0 && x.rank() != 0) {
    const float s = b[0];
    each_element(n, [&](int64_t i) { y[i] = static_cast<Store>(f(a[i], s)); });
  } else {
    each_element(n, [&](int64_t i) { y[i] = static_cast<Store>(f(a[i], b[i])); });
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

Array integer_pow(const Array& x, int64_t y) {
  // Square-and-multiply in the reference kernel's order, so the roundings are the same, with the
  // exponent loop outside the element loops so that they vectorize.
  Array out = Array::empty(DType::f32, x.shape());
  Array base_array = Array::empty(DType::f32, x.shape());
  const float* a = x.data<float>();
  float* acc = out.mutable_data<float>();
  float* base = base_array.mutable_data<float>();
  const int64_t n = x.size();
  for (int64_t i = 0; i < n; ++i) base[i] = a[i], acc[i] = 1.0f;
  for (int64_t e = y < 0 ? -y : y; e > 0; e >>= 1) {
    if (e & 1)
      for (int64_t i = 0; i < n; ++i) acc[i] *= base[i];
    if (e > 1)
      for (int64_t i = 0; i < n; ++i) base[i] *= base[i];
  }
  if (y < 0)
    for (int64_t i = 0; i < n; ++i) acc[i] = 1.0f / acc[i];
  return out;
}

// exp, log, expm1, log1p, tanh, logistic: the reference kernels' own functions
// (ops/vector_math.h), vectorized here per vector width (core/simd_dispatch.h), so results are
// the reference's bit for bit. One thread's range: the versions stay leaf functions, and the
// split between threads happens outside them.
GS_SIMD_KERNEL(void, transcendental_range, (PrimId prim, const float* a, float* y, int64_t n), (prim, a, y, n)) {
#define GS_LOOP(f)                                        \
  _Pragma("omp simd")                                     \
  for (int64_t i = 0; i < n; ++i) y[i] = f(a[i]);          \
  return
  switch (prim) {
    case P::exp: GS_LOOP(vmath::exp);
    case P::log: GS_LOOP(vmath::log);
    case P::expm1: GS_LOOP(vmath::expm1);
    case P::log1p: GS_LOOP(vmath::log1p);
    case P::tanh: GS_LOOP(vmath::tanh);
    case P::logistic: GS_LOOP(vmath::logistic);
    default: return;
  }
#undef GS_LOOP
}

void transcendental(PrimId prim, const float* a, float* y, int64_t n) {
  parallel_ranges(n, n >= kParallelMin,
                  [&](int64_t begin, int64_t end) { transcendental_range(prim, a + begin, y + begin, end - begin); });
}

// y[o] = the sum of row o of a (n_red floats each), for o in [begin, end), in double.
GS_SIMD_KERNEL(void, sum_rows, (const float* a, float* y, int64_t n_red, int64_t begin, int64_t end),
               (a, y, n_red, begin, end)) {
  for (int64_t o = begin; o < end; ++o) {
    const float* row = a + o * n_red;
    double acc = 0;
    for (int64_t i = 0; i < n_red; ++i) acc += row[i];
    y[o] = static_cast<float>(acc);
  }
}

// y[o] = the sum of column o of a (n_red rows of n_out floats), for o in [begin, end), in double;
// the rows are read in order, so each column keeps the reference order.
GS_SIMD_KERNEL(void, sum_columns,
               (const float* a, float* y, int64_t n_red, int64_t n_out, int64_t begin, int64_t end),
               (a, y, n_red, n_out, begin, end)) {
  std::vector<double> acc_storage(static_cast<size_t>(end - begin), 0.0);
  double* __restrict acc = acc_storage.data();
  for (int64_t i = 0; i < n_red; ++i) {
    const float* __restrict row = a + i * n_out + begin;
    for (int64_t o = 0; o < end - begin; ++o) acc[o] += row[o];
  }
  for (int64_t o = begin; o < end; ++o) y[o] = static_cast<float>(acc[o - begin]);
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
  // Threads split the outputs, never one output's sum, so every sum keeps the reference order.
  const bool parallel = x.size() >= (int64_t{1} << 18);
  if (trailing) {
    parallel_ranges(n_out, parallel, [&](int64_t begin, int64_t end) { sum_rows(a, y, n_red, begin, end); });
  } else {
    parallel_ranges(n_out, parallel && n_out >= 16,
                    [&](int64_t begin, int64_t end) { sum_columns(a, y, n_red, n_out, begin, end); });
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

// c ? t : f as bit masks: g++ does not vectorize a select on a bool array, but this it does.
// (bools are read as bytes for the same reason).
inline float pick(uint8_t c, float t, float f) {
  const uint32_t mask = 0u - static_cast<uint32_t>(c != 0);
  return std::bit_cast<float>((std::bit_cast<uint32_t>(t) & mask) | (std::bit_cast<uint32_t>(f) & ~mask));
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
    const auto* pb = reinterpret_cast<const uint8_t*>(p);
    const float* f = in[1].data<float>();
    const float* t = in[2].data<float>();
    Array o = Array::empty(DType::f32, out.shape);
    float* y = o.mutable_data<float>();
    const int64_t n = o.size();
    // The common cases (full predicate, a scalar case as relu's gradient has) as plain loops
    // that vectorize.
    if (in[0].rank() && in[1].rank() && in[2].rank()) {
      each_element(n, [&](int64_t i) { y[i] = pick(pb[i], t[i], f[i]); });
    } else if (in[0].rank() && !in[1].rank() && in[2].rank()) {
      const float fs = f[0];
      each_element(n, [&](int64_t i) { y[i] = pick(pb[i], t[i], fs); });
    } else if (in[0].rank() && in[1].rank() && !in[2].rank()) {
      const float ts = t[0];
      each_element(n, [&](int64_t i) { y[i] = pick(pb[i], ts, f[i]); });
    } else {
      const int64_t ip = in[0].rank() ? 1 : 0, i_f = in[1].rank() ? 1 : 0, it = in[2].rank() ? 1 : 0;
      for (int64_t i = 0; i < n; ++i) y[i] = p[i * ip] ? t[i * it] : f[i * i_f];
    }
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
      case P::exp: case P::log: case P::expm1: case P::log1p: case P::tanh: case P::logistic: {
        Array o = Array::empty(DType::f32, x.shape());
        transcendental(prim, x.data<float>(), o.mutable_data<float>(), x.size());
        r = o;
        break;
      }
      default: return std::nullopt;
    }
  }
  if (r) ++cpu_backend().counters().loops;
  return r;
}

}  // namespace engine::cpu
