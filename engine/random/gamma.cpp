// Gamma and what JAX builds on it (loggamma, beta, t, dirichlet): jax/_src/random.py's
// _gamma_one, Marsaglia and Tsang's squeeze-and-reject method, run per element with the element's
// own key from split(key, size), exactly as random_gamma_p's implementation maps it.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/random/internal.h"

namespace engine::random {

namespace detail {

namespace {

template <class T>
T uniform_scalar(Key k) { return uniform<T>(k, 1, T(0), T(1), "gamma")[0]; }
template <class T>
T normal_scalar(Key k) { return normal<T>(k, 1, "gamma")[0]; }

// One draw; every constant and operation in the order _gamma_one writes it.
template <class T>
T gamma_one(Key key, T alpha, bool log_space) {
  const T one = 1, zero = 0, one_third = static_cast<T>(1.0 / 3.0);
  const T squeeze = static_cast<T>(0.0331);
  // alpha < 1 is boosted to alpha + 1: Gamma(alpha) ~ Gamma(alpha + 1) * U^(1 / alpha).
  const bool boost_mask = alpha >= one;
  const T alpha_orig = alpha;
  if (!boost_mask) alpha = alpha + one;
  const T d = alpha - one_third;
  const T c = one_third / std::sqrt(d);

  std::vector<Key> ks = split_keys(key, 2, "gamma");
  key = ks[0];
  const Key subkey = ks[1];

  // The initial state (X, V, U) = (0, 1, 2) makes the loop condition true.
  T X = zero, V = one, U = T(2);
  auto keep_going = [&] {
    const bool c1 = U >= one - squeeze * (X * X);
    const bool c2 = std::log(U) >= X * T(0.5) + d * ((one - V) + std::log(V));
    return c1 && c2;
  };
  while (keep_going()) {
    std::vector<Key> k3 = split_keys(key, 3, "gamma");
    key = k3[0];
    Key x_key = k3[1];
    T x = zero, v = -one;
    while (v <= zero) {
      std::vector<Key> k2 = split_keys(x_key, 2, "gamma");
      x_key = k2[0];
      x = normal_scalar<T>(k2[1]);
      v = one + x * c;
    }
    X = x * x;
    V = (v * v) * v;
    U = uniform_scalar<T>(k3[2]);
  }
  // The boost draw is taken as 1 - u (u uniform in [0, 1)), and in log space as
  // -exponential = log1p(-u), so that both spaces give the same samples (the
  // re-parameterization of JAX 0.4.14, jax-ml/jax#16779).
  const T u = uniform_scalar<T>(subkey);
  if (log_space) {
    const T log_sample = std::log1p(-u);
    const T log_boost = (boost_mask || log_sample == zero) ? zero : log_sample * (one / alpha_orig);
    return (std::log(d) + std::log(V)) + log_boost;
  }
  const T boost = boost_mask ? one : std::pow(one - u, one / alpha_orig);
  return (d * V) * boost;
}

}  // namespace

template <class T>
std::vector<T> gamma(Key k, const std::vector<T>& alpha, bool log_space, const char* what) {
  for (T a : alpha)
    require(a > 0, what, "the shape parameter must be positive, got " + num(a));
  const std::vector<Key> keys = split_keys(k, static_cast<int64_t>(alpha.size()), what);
  std::vector<T> out(alpha.size());
  for (size_t i = 0; i < alpha.size(); ++i) out[i] = gamma_one<T>(keys[i], alpha[i], log_space);
  return out;
}
template std::vector<float> gamma(Key, const std::vector<float>&, bool, const char*);
template std::vector<double> gamma(Key, const std::vector<double>&, bool, const char*);

}  // namespace detail

namespace {

using detail::Key;

Array gamma_array(const Array& key, double a, const Shape& shape, DType dtype, bool log_space,
                  const char* what) {
  Key k = detail::key_words(key, what);
  detail::require(a > 0 && std::isfinite(a), what, "a must be positive, got " + detail::num(a));
  return detail::by_dtype(dtype, what, [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> alpha(static_cast<size_t>(shape_size(shape)), static_cast<T>(a));
    return detail::to_array(detail::gamma<T>(k, alpha, log_space, what), shape);
  });
}

}  // namespace

Array gamma(const Array& key, double a, const Shape& shape, DType dtype) {
  return gamma_array(key, a, shape, dtype, false, "gamma");
}

Array loggamma(const Array& key, double a, const Shape& shape, DType dtype) {
  return gamma_array(key, a, shape, dtype, true, "loggamma");
}

Array beta(const Array& key, double a, double b, const Shape& shape, DType dtype) {
  Key k = detail::key_words(key, "beta");
  detail::require(a > 0 && std::isfinite(a), "beta", "a must be positive, got " + detail::num(a));
  detail::require(b > 0 && std::isfinite(b), "beta", "b must be positive, got " + detail::num(b));
  const std::vector<Key> keys = detail::split_keys(k, 2);  // key_a, key_b
  const size_t n = static_cast<size_t>(shape_size(shape));
  return detail::by_dtype(dtype, "beta", [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> ga = detail::gamma<T>(keys[0], std::vector<T>(n, static_cast<T>(a)), true, "beta");
    std::vector<T> gb = detail::gamma<T>(keys[1], std::vector<T>(n, static_cast<T>(b)), true, "beta");
    // gamma_a / (gamma_a + gamma_b) without losing precision: scale both by the larger.
    for (size_t i = 0; i < n; ++i) {
      const T log_max = std::max(ga[i], gb[i]);
      const T sa = std::exp(ga[i] - log_max), sb = std::exp(gb[i] - log_max);
      ga[i] = sa / (sa + sb);
    }
    return detail::to_array(ga, shape);
  });
}

Array t(const Array& key, double df, const Shape& shape, DType dtype) {
  Key k = detail::key_words(key, "t");
  detail::require(df > 0 && std::isfinite(df), "t", "df must be positive, got " + detail::num(df));
  const std::vector<Key> keys = detail::split_keys(k, 2);  // key_n, key_g
  const int64_t n = shape_size(shape);
  return detail::by_dtype(dtype, "t", [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> z = detail::normal<T>(keys[0], n, "t");
    const T half_df = static_cast<T>(df) / T(2);
    const std::vector<T> g =
        detail::gamma<T>(keys[1], std::vector<T>(static_cast<size_t>(n), half_df), false, "t");
    for (int64_t i = 0; i < n; ++i) z[i] = z[i] * std::sqrt(half_df / g[i]);
    return detail::to_array(z, shape);
  });
}

Array dirichlet(const Array& key, const Array& alpha, const Shape& batch_shape, DType dtype) {
  Key k = detail::key_words(key, "dirichlet");
  detail::require(alpha.valid() && alpha.rank() == 1 && alpha.size() >= 1, "dirichlet",
                  "alpha must be a non-empty 1-D array, got " +
                      (alpha.valid() ? alpha.aval_str() : std::string("a null array")));
  const int64_t m = alpha.size();
  for (int64_t j = 0; j < m; ++j)
    detail::require(alpha.at_flat(j) > 0, "dirichlet",
                    "alpha entries must be positive, entry " + std::to_string(j) + " is " +
                        detail::num(alpha.at_flat(j)));
  Shape shape = batch_shape;
  shape.push_back(m);
  const int64_t rows = shape_size(batch_shape);
  return detail::by_dtype(dtype, "dirichlet", [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> a(static_cast<size_t>(rows * m));
    for (int64_t i = 0; i < rows * m; ++i) a[i] = static_cast<T>(alpha.at_flat(i % m));
    // Gamma in log space (small alpha underflows otherwise), then a softmax over the last axis.
    std::vector<T> x = detail::gamma<T>(k, a, true, "dirichlet");
    for (int64_t r = 0; r < rows; ++r) {
      T* row = x.data() + r * m;
      const T mx = *std::max_element(row, row + m);
      T sum = 0;
      for (int64_t j = 0; j < m; ++j) sum += (row[j] = std::exp(row[j] - mx));
      for (int64_t j = 0; j < m; ++j) row[j] = row[j] / sum;
    }
    return detail::to_array(x, shape);
  });
}

}  // namespace engine::random
