// multivariate_normal and orthogonal: normal draws through a small dense factorization.
// JAX factors with LAPACK (potrf, geqrf) in the sample dtype; here the factorizations run in
// double and round once, which lands within an ulp or two of LAPACK's float32 result.
#include <cmath>
#include <vector>

#include "engine/random/internal.h"

namespace engine::random {

namespace {

using detail::Key;

std::vector<double> matrix_values(const Array& a) {
  std::vector<double> v(static_cast<size_t>(a.size()));
  for (int64_t i = 0; i < a.size(); ++i) v[i] = a.at_flat(i);
  return v;
}

// Lower Cholesky factor of a symmetric positive definite n x n matrix (row-major).
std::vector<double> cholesky(const std::vector<double>& a, int64_t n) {
  std::vector<double> l(static_cast<size_t>(n * n), 0.0);
  for (int64_t j = 0; j < n; ++j) {
    double d = a[j * n + j];
    for (int64_t k = 0; k < j; ++k) d -= l[j * n + k] * l[j * n + k];
    detail::require(d > 0 && std::isfinite(d), "multivariate_normal",
                    "cov is not positive definite (pivot " + std::to_string(j) + " is " +
                        detail::num(d) + ")");
    l[j * n + j] = std::sqrt(d);
    for (int64_t i = j + 1; i < n; ++i) {
      double s = a[i * n + j];
      for (int64_t k = 0; k < j; ++k) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / l[j * n + j];
    }
  }
  return l;
}

// Householder QR of an n x n matrix: q (row-major) with its columns multiplied by the signs of
// R's diagonal, i.e. the unique Q whose R has a positive diagonal.
std::vector<double> signed_q(std::vector<double> a, int64_t n) {
  std::vector<double> q(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) q[i * n + i] = 1.0;
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) {
    double norm = 0;
    for (int64_t i = k; i < n; ++i) norm += a[i * n + k] * a[i * n + k];
    norm = std::sqrt(norm);
    if (norm == 0) continue;
    const double alpha = a[k * n + k] > 0 ? -norm : norm;
    for (int64_t i = 0; i < n; ++i) v[i] = i < k ? 0 : a[i * n + k];
    v[k] -= alpha;
    double vv = 0;
    for (int64_t i = k; i < n; ++i) vv += v[i] * v[i];
    if (vv == 0) continue;
    // A <- H A and Q <- Q H with H = I - 2 v v^T / (v^T v).
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t i = k; i < n; ++i) s += v[i] * a[i * n + j];
      s = 2 * s / vv;
      for (int64_t i = k; i < n; ++i) a[i * n + j] -= s * v[i];
    }
    for (int64_t i = 0; i < n; ++i) {
      double s = 0;
      for (int64_t j = k; j < n; ++j) s += q[i * n + j] * v[j];
      s = 2 * s / vv;
      for (int64_t j = k; j < n; ++j) q[i * n + j] -= s * v[j];
    }
  }
  // jax.random.orthogonal: q * (d / |d|) with d = diag(r).
  for (int64_t j = 0; j < n; ++j) {
    const double d = a[j * n + j];
    const double sign = d < 0 ? -1.0 : 1.0;
    for (int64_t i = 0; i < n; ++i) q[i * n + j] *= sign;
  }
  return q;
}

}  // namespace

Array multivariate_normal(const Array& key, const Array& mean, const Array& cov,
                          const Shape& batch_shape, DType dtype) {
  Key k = detail::key_words(key, "multivariate_normal");
  detail::require(mean.valid() && mean.rank() == 1 && mean.size() >= 1, "multivariate_normal",
                  "mean must be a non-empty 1-D array, got " +
                      (mean.valid() ? mean.aval_str() : std::string("a null array")));
  const int64_t n = mean.size();
  detail::require(cov.valid() && cov.shape() == Shape({n, n}), "multivariate_normal",
                  "cov must be " + std::to_string(n) + "x" + std::to_string(n) +
                      " to match mean, got " + (cov.valid() ? cov.aval_str() : std::string("a null array")));
  const std::vector<double> c = matrix_values(cov);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < i; ++j)
      detail::require(std::fabs(c[i * n + j] - c[j * n + i]) <=
                          1e-6 * (std::fabs(c[i * n + j]) + std::fabs(c[j * n + i])),
                      "multivariate_normal", "cov must be symmetric");
  const std::vector<double> l = cholesky(c, n);
  Shape shape = batch_shape;
  shape.push_back(n);
  const int64_t rows = shape_size(batch_shape);
  return detail::by_dtype(dtype, "multivariate_normal", [&](auto tag) {
    using T = decltype(tag);
    const std::vector<T> z = detail::normal<T>(k, rows * n, "multivariate_normal");
    std::vector<T> out(z.size());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t i = 0; i < n; ++i) {
        // The factor and the mean are dtype values (JAX promotes them first).
        T s = 0;
        for (int64_t j = 0; j <= i; ++j) s += static_cast<T>(l[i * n + j]) * z[r * n + j];
        out[r * n + i] = static_cast<T>(mean.at_flat(i)) + s;
      }
    return detail::to_array(out, shape);
  });
}

Array orthogonal(const Array& key, int64_t n, const Shape& batch_shape, DType dtype) {
  Key k = detail::key_words(key, "orthogonal");
  detail::require(n >= 0 && n <= 4096, "orthogonal", "n must be in [0, 4096], got " + std::to_string(n));
  Shape shape = batch_shape;
  shape.push_back(n);
  shape.push_back(n);
  const int64_t count = shape_size(batch_shape);
  return detail::by_dtype(dtype, "orthogonal", [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> z = detail::normal<T>(k, count * n * n, "orthogonal");
    for (int64_t b = 0; b < count; ++b) {
      T* m = z.data() + b * n * n;
      const std::vector<double> q = signed_q(std::vector<double>(m, m + n * n), n);
      for (int64_t i = 0; i < n * n; ++i) m[i] = static_cast<T>(q[i]);
    }
    return detail::to_array(z, shape);
  });
}

}  // namespace engine::random
