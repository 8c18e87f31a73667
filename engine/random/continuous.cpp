// Samplers that transform one uniform draw per element (or three normals, for Maxwell), each
// written as the expression jax/_src/random.py evaluates, in the sample dtype.
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "engine/random/internal.h"

namespace engine::random {

namespace {

using detail::Key;

// Applies f to uniform(key, shape, dtype, minval, maxval) elementwise.
template <class F>
Array map_uniform(const Array& key, const Shape& shape, DType dtype, const char* what,
                  double minval, double maxval, F&& f) {
  Key k = detail::key_words(key, what);
  return detail::by_dtype(dtype, what, [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> u = detail::uniform<T>(k, shape_size(shape), static_cast<T>(minval),
                                          static_cast<T>(maxval), what);
    for (T& x : u) x = f(x);
    return detail::to_array(u, shape);
  });
}

template <class T>
constexpr T tiny() { return std::numeric_limits<T>::min(); }
template <class T>
constexpr T eps() { return std::numeric_limits<T>::epsilon(); }

double eps_of(DType dtype) {
  return dtype == DType::f64 ? eps<double>() : static_cast<double>(eps<float>());
}

}  // namespace

Array gumbel(const Array& key, const Shape& shape, DType dtype) {
  const double lo = dtype == DType::f64 ? tiny<double>() : static_cast<double>(tiny<float>());
  return map_uniform(key, shape, dtype, "gumbel", lo, 1.0,
                     [](auto u) { return -std::log(-std::log(u)); });
}

Array exponential(const Array& key, const Shape& shape, DType dtype) {
  // 1 - u moves log's argument to (0, 1].
  return map_uniform(key, shape, dtype, "exponential", 0.0, 1.0,
                     [](auto u) { return -std::log1p(-u); });
}

Array laplace(const Array& key, const Shape& shape, DType dtype) {
  // minval = -1 + finfo.epsneg = nextafter(-1, 0), exact in either dtype.
  const double epsneg = eps_of(dtype) / 2;
  return map_uniform(key, shape, dtype, "laplace", -1.0 + epsneg, 1.0, [](auto u) {
    using T = decltype(u);
    const T sign = u > 0 ? T(1) : (u < 0 ? T(-1) : T(0));
    return sign * std::log1p(-std::fabs(u));
  });
}

Array logistic(const Array& key, const Shape& shape, DType dtype) {
  return map_uniform(key, shape, dtype, "logistic", eps_of(dtype), 1.0, [](auto u) {
    using T = decltype(u);
    return std::log(u / (T(1) - u));
  });
}

Array cauchy(const Array& key, const Shape& shape, DType dtype) {
  return map_uniform(key, shape, dtype, "cauchy", eps_of(dtype), 1.0, [](auto u) {
    using T = decltype(u);
    const T pi = static_cast<T>(std::numbers::pi);
    return std::tan(pi * (u - T(0.5)));
  });
}

Array pareto(const Array& key, double b, const Shape& shape, DType dtype) {
  detail::require(b > 0, "pareto", "b must be positive, got " + detail::num(b));
  return map_uniform(key, shape, dtype, "pareto", 0.0, 1.0, [b](auto u) {
    using T = decltype(u);
    const T e = -std::log1p(-u);  // exponential(key, shape, dtype)
    return std::exp(e / static_cast<T>(b));
  });
}

Array weibull_min(const Array& key, double scale, double concentration, const Shape& shape,
                  DType dtype) {
  detail::require(scale > 0, "weibull_min", "scale must be positive, got " + detail::num(scale));
  detail::require(concentration > 0, "weibull_min",
                  "concentration must be positive, got " + detail::num(concentration));
  // 1.0 / concentration is a Python float division, then a weakly typed operand.
  const double inv_c = 1.0 / concentration;
  return map_uniform(key, shape, dtype, "weibull_min", 0.0, 1.0, [=](auto u) {
    using T = decltype(u);
    return std::pow(-std::log1p(-u), static_cast<T>(inv_c)) * static_cast<T>(scale);
  });
}

namespace {

template <class T>
std::vector<T> maxwell_values(Key k, int64_t n) {
  const std::vector<T> z = detail::normal<T>(k, 3 * n, "maxwell");
  std::vector<T> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    // jnp.linalg.norm: sqrt of the sum of squares along the last axis.
    T s = T(0);
    for (int j = 0; j < 3; ++j) s += z[3 * i + j] * z[3 * i + j];
    out[i] = std::sqrt(s);
  }
  return out;
}

}  // namespace

Array maxwell(const Array& key, const Shape& shape, DType dtype) {
  Key k = detail::key_words(key, "maxwell");
  return detail::by_dtype(dtype, "maxwell", [&](auto tag) {
    using T = decltype(tag);
    return detail::to_array(maxwell_values<T>(k, shape_size(shape)), shape);
  });
}

Array double_sided_maxwell(const Array& key, double loc, double scale, const Shape& shape,
                           DType dtype) {
  Key k = detail::key_words(key, "double_sided_maxwell");
  detail::require(std::isfinite(loc), "double_sided_maxwell", "loc must be finite");
  detail::require(scale > 0, "double_sided_maxwell",
                  "scale must be positive, got " + detail::num(scale));
  const std::vector<Key> keys = detail::split_keys(k, 2);  // maxwell_key, rademacher_key
  const int64_t n = shape_size(shape);
  return detail::by_dtype(dtype, "double_sided_maxwell", [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> m = maxwell_values<T>(keys[0], n);
    // rademacher(key, shape, dtype): 2 * bernoulli(0.5) - 1 in the sample dtype.
    const std::vector<float> u = detail::uniform<float>(keys[1], n, 0.0f, 1.0f, "double_sided_maxwell");
    for (int64_t i = 0; i < n; ++i) {
      const T sign = T(2) * T(u[i] < 0.5f ? 1 : 0) - T(1);
      m[i] = sign * m[i] * static_cast<T>(scale) + static_cast<T>(loc);
    }
    return detail::to_array(m, shape);
  });
}

}  // namespace engine::random
