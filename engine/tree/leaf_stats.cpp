#include "engine/tree/leaf_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/core/error.h"

namespace engine {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Calls fn(const T* data, n) with the array's elements in their own type, so the loops below are
// compiled per dtype and vectorize (no per-element switch or at_flat()).
template <class Fn>
void visit_values(const Array& a, Fn&& fn) {
  const auto n = static_cast<size_t>(a.size());
  switch (a.dtype()) {
    case DType::f32: return fn(a.data<float>(), n);
    case DType::f64: return fn(a.data<double>(), n);
    case DType::i32: return fn(a.data<int32_t>(), n);
    case DType::u32: return fn(a.data<uint32_t>(), n);
    case DType::boolean: return fn(a.data<bool>(), n);
  }
}

template <class T>
bool finite(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isfinite(v);
  else return true;
}

}  // namespace

LeafStats leaf_stats(const Array& values) {
  LeafStats s;
  s.count = values.size();
  visit_values(values, [&](const auto* x, size_t n) {
    // Sums around a shift (the first finite value) keep the variance exact for leaves whose
    // spread is small against their mean (a BatchNorm variance near 1 +- 1e-4).
    double shift = 0;
    bool have_shift = false;
    double sum = 0, sum_sq = 0, norm_sq = 0;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    int64_t finite_count = 0, nan = 0;
    for (size_t i = 0; i < n; ++i) {
      const double v = static_cast<double>(x[i]);
      if (!finite(x[i])) {
        nan += std::isnan(v) ? 1 : 0;
        continue;
      }
      if (!have_shift) {
        shift = v;
        have_shift = true;
      }
      const double d = v - shift;
      sum += d;
      sum_sq += d * d;
      norm_sq += v * v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      ++finite_count;
    }
    s.finite = finite_count;
    s.nan = nan;
    s.inf = s.count - finite_count - nan;
    if (finite_count == 0) {
      s.mean = s.std = s.min = s.max = kNaN;
      s.norm = 0;
      return;
    }
    const double m = sum / static_cast<double>(finite_count);
    s.mean = shift + m;
    s.std = std::sqrt(std::max(0.0, sum_sq / static_cast<double>(finite_count) - m * m));
    s.min = lo;
    s.max = hi;
    s.norm = std::sqrt(norm_sq);
  });
  return s;
}

Histogram histogram(const Array& values, int bins) {
  GS_CHECK(bins >= 1, "histogram: " + std::to_string(bins) + " bins; need at least 1");
  const LeafStats s = leaf_stats(values);
  if (s.finite == 0) {
    Histogram h;
    h.lo = 0;
    h.hi = 1;
    h.counts.assign(static_cast<size_t>(bins), 0);
    h.nonfinite = s.count;
    return h;
  }
  double lo = s.min, hi = s.max;
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  Histogram h = histogram(values, bins, lo, hi);
  h.nonfinite = s.count - s.finite;
  return h;
}

Histogram histogram(const Array& values, int bins, double lo, double hi) {
  GS_CHECK(bins >= 1, "histogram: " + std::to_string(bins) + " bins; need at least 1");
  GS_CHECK(std::isfinite(lo) && std::isfinite(hi) && hi > lo,
           "histogram: the range [" + std::to_string(lo) + ", " + std::to_string(hi) + "] is empty or not finite");
  Histogram h;
  h.lo = lo;
  h.hi = hi;
  h.counts.assign(static_cast<size_t>(bins), 0);
  const double scale = bins / (hi - lo);
  visit_values(values, [&](const auto* x, size_t n) {
    int64_t* counts = h.counts.data();
    for (size_t i = 0; i < n; ++i) {
      const double v = static_cast<double>(x[i]);
      if (!finite(x[i])) {
        ++h.nonfinite;
        continue;
      }
      if (v < lo || v > hi) continue;
      // v == hi lands one past the end: it belongs to the last bin (NumPy's closed last edge).
      const auto b = std::min(static_cast<int64_t>((v - lo) * scale), static_cast<int64_t>(bins) - 1);
      ++counts[b];
    }
  });
  return h;
}

LeafDiff leaf_diff(const Array& a, const Array& b) {
  GS_CHECK(a.shape() == b.shape(), "leaf_diff: shapes differ, " + a.aval_str() + " and " + b.aval_str());
  const Array da = a.astype(DType::f64), db = b.astype(DType::f64);
  Array d = Array::empty(DType::f64, a.shape());
  double* out = d.mutable_data<double>();
  const double* pa = da.data<double>();
  const double* pb = db.data<double>();
  double max_abs = 0, max_a = 0;
  bool any_finite = a.size() == 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    out[i] = pb[i] - pa[i];
    if (std::isfinite(out[i])) {
      max_abs = std::max(max_abs, std::abs(out[i]));
      any_finite = true;
    }
    if (std::isfinite(pa[i])) max_a = std::max(max_a, std::abs(pa[i]));
  }
  LeafDiff r;
  r.diff = leaf_stats(d);
  r.max_abs = any_finite ? max_abs : kNaN;
  r.relative = max_a > 0 ? max_abs / max_a : (max_abs > 0 ? std::numeric_limits<double>::infinity() : 0.0);
  return r;
}

}  // namespace engine
