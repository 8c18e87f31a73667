// Integer- and boolean-valued samplers: bernoulli, rademacher, randint, categorical,
// permutation, choice and poisson, as jax/_src/random.py computes them.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "engine/random/internal.h"

namespace engine::random {

namespace {

using detail::Key;

std::vector<bool> bernoulli_values(Key k, float p, int64_t n, const char* what) {
  const std::vector<float> u = detail::uniform<float>(k, n, 0.0f, 1.0f, what);
  std::vector<bool> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[i] = u[i] < p;
  return out;
}

// XLA's unsigned remainder: x % 0 is x (randint relies on it when the span wraps to 0).
uint32_t urem(uint32_t x, uint32_t m) { return m == 0 ? x : x % m; }

std::vector<int32_t> randint_values(Key k, int64_t n, int64_t minval, int64_t maxval) {
  constexpr int64_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  const bool maxval_out_of_range = maxval > hi;
  const int32_t mn = static_cast<int32_t>(std::clamp(minval, lo, hi));
  const int32_t mx = static_cast<int32_t>(std::clamp(maxval, lo, hi));
  // Two words per element (double the bits the dtype needs) to reduce the modulo bias.
  const std::vector<Key> keys = detail::split_keys(k, 2);
  const std::vector<uint32_t> higher = detail::random_bits32(keys[0], n, "randint");
  const std::vector<uint32_t> lower = detail::random_bits32(keys[1], n, "randint");
  uint32_t span = static_cast<uint32_t>(mx) - static_cast<uint32_t>(mn);
  if (mx <= mn) span = 1;
  if (maxval_out_of_range && mx > mn) span += 1;  // may wrap to 0: the whole range
  // 2^32 mod span, as ((2^16 mod span)^2) mod span in 32-bit unsigned arithmetic.
  uint32_t multiplier = urem(65536u, span);
  multiplier = urem(multiplier * multiplier, span);
  std::vector<int32_t> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    uint32_t offset = urem(higher[i], span) * multiplier + urem(lower[i], span);
    offset = urem(offset, span);
    out[i] = static_cast<int32_t>(static_cast<uint32_t>(mn) + offset);
  }
  return out;
}

// JAX's _shuffle of 0 .. n-1: rounds of a stable sort by fresh 32-bit keys.
std::vector<int32_t> shuffle(Key k, int64_t n) {
  // tjablin's static stop criterion: enough rounds that some round separates every pair with
  // high probability.
  const double exponent = 3;
  const int rounds = static_cast<int>(std::ceil(
      exponent * std::log(static_cast<double>(std::max<int64_t>(1, n))) /
      std::log(static_cast<double>(std::numeric_limits<uint32_t>::max()))));
  std::vector<int32_t> x(static_cast<size_t>(n)), next(static_cast<size_t>(n));
  std::iota(x.begin(), x.end(), 0);
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int r = 0; r < rounds; ++r) {
    const std::vector<Key> keys = detail::split_keys(k, 2);
    k = keys[0];
    const std::vector<uint32_t> sort_keys = detail::random_bits32(keys[1], n, "permutation");
    std::iota(order.begin(), order.end(), 0);
    // lax.sort_key_val is stable: equal sort keys keep their current order.
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return sort_keys[a] < sort_keys[b]; });
    for (int64_t i = 0; i < n; ++i) next[i] = x[order[i]];
    x.swap(next);
  }
  return x;
}

}  // namespace

Array bernoulli(const Array& key, double p, const Shape& shape) {
  Key k = detail::key_words(key, "bernoulli");
  detail::require(p >= 0 && p <= 1, "bernoulli", "p must be in [0, 1], got " + detail::num(p));
  // JAX canonicalizes a Python float p to float32.
  const std::vector<bool> b = bernoulli_values(k, static_cast<float>(p), shape_size(shape), "bernoulli");
  Array out = Array::empty(DType::boolean, shape);
  bool* dst = out.mutable_data<bool>();
  for (size_t i = 0; i < b.size(); ++i) dst[i] = b[i];
  return out;
}

Array rademacher(const Array& key, const Shape& shape) {
  Key k = detail::key_words(key, "rademacher");
  const std::vector<bool> b = bernoulli_values(k, 0.5f, shape_size(shape), "rademacher");
  std::vector<int32_t> out(b.size());
  for (size_t i = 0; i < b.size(); ++i) out[i] = 2 * static_cast<int32_t>(b[i]) - 1;
  return detail::to_array(out, shape);
}

Array randint(const Array& key, const Shape& shape, int64_t minval, int64_t maxval) {
  Key k = detail::key_words(key, "randint");
  return detail::to_array(randint_values(k, shape_size(shape), minval, maxval), shape);
}

Array categorical(const Array& key, const Array& logits, int axis) {
  check_key(key, "categorical");
  GS_CHECK(logits.valid() && is_floating(logits.dtype()),
           "categorical: logits must be f32 or f64, got " +
               (logits.valid() ? logits.aval_str() : std::string("a null array")));
  GS_CHECK(logits.rank() >= 1, "categorical: logits must have at least one axis, got " +
                                   logits.aval_str());
  const int ax = normalize_axis(axis, logits.rank(), "categorical axis");
  GS_CHECK(logits.shape()[ax] > 0, "categorical: no categories along axis " +
                                       std::to_string(ax) + " of " + logits.aval_str());
  Array g = gumbel(key, logits.shape(), logits.dtype());
  Shape out_shape = logits.shape();
  out_shape.erase(out_shape.begin() + ax);
  const int64_t classes = logits.shape()[ax];
  int64_t inner = 1;
  for (int d = ax + 1; d < logits.rank(); ++d) inner *= logits.shape()[d];
  const int64_t outer = logits.size() / (classes * inner);
  Array out = Array::empty(DType::i32, out_shape);
  int32_t* dst = out.mutable_data<int32_t>();
  dispatch_dtype(logits.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* l = logits.data<T>();
      const T* n = g.data<T>();
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t in = 0; in < inner; ++in) {
          // jnp.argmax: the first index of the maximum.
          int64_t best = 0;
          T best_v = 0;
          for (int64_t c = 0; c < classes; ++c) {
            const int64_t i = (o * classes + c) * inner + in;
            T v = n[i] + l[i];
            if (c == 0 || v > best_v || (std::isnan(v) && !std::isnan(best_v))) best = c, best_v = v;
          }
          dst[o * inner + in] = static_cast<int32_t>(best);
        }
      }
    }
  });
  return out;
}

Array categorical(const Array& key, const Array& logits, int axis, const Shape& shape) {
  GS_CHECK(logits.valid() && logits.rank() >= 1,
           "categorical: logits must have at least one axis");
  const int ax = normalize_axis(axis, logits.rank(), "categorical axis");
  Shape batch = logits.shape();
  batch.erase(batch.begin() + ax);
  const size_t b = batch.size();
  GS_CHECK(shape.size() >= b && Shape(shape.end() - b, shape.end()) == batch,
           "categorical: shape (" + shape_str(shape) + ") must end with the batch shape (" +
               shape_str(batch) + ") of logits " + logits.aval_str());
  const Shape prefix(shape.begin(), shape.end() - b);
  const int64_t copies = shape_size(prefix);
  Shape tiled_shape = prefix;
  tiled_shape.insert(tiled_shape.end(), logits.shape().begin(), logits.shape().end());
  Array tiled = Array::empty(logits.dtype(), tiled_shape);
  for (int64_t c = 0; c < copies; ++c)
    std::memcpy(static_cast<char*>(tiled.mutable_raw()) + c * logits.nbytes(), logits.raw(),
                logits.nbytes());
  // A negative axis keeps naming the same logits axis under the new leading dimensions.
  return categorical(key, tiled, ax - logits.rank());
}

Array permutation(const Array& key, int64_t n) {
  Key k = detail::key_words(key, "permutation");
  GS_CHECK(n >= 0, "permutation: n must be non-negative, got " + std::to_string(n));
  GS_CHECK(n <= std::numeric_limits<int32_t>::max(),
           "permutation: n = " + std::to_string(n) + " does not fit the i32 result");
  return Array::from_vector<int32_t>(shuffle(k, n));
}

Array permutation(const Array& key, const Array& x) {
  check_key(key, "permutation");
  GS_CHECK(x.valid() && x.rank() >= 1,
           "permutation: x must have at least one axis, got " +
               (x.valid() ? x.aval_str() : std::string("a null array")));
  const int64_t rows = x.shape()[0];
  Array perm = permutation(key, rows);
  const int32_t* idx = perm.data<int32_t>();
  const size_t row_bytes = rows == 0 ? 0 : x.nbytes() / static_cast<size_t>(rows);
  Array out = Array::empty(x.dtype(), x.shape());
  auto* dst = static_cast<char*>(out.mutable_raw());
  const auto* src = static_cast<const char*>(x.raw());
  for (int64_t i = 0; i < rows; ++i)
    std::memcpy(dst + i * row_bytes, src + static_cast<size_t>(idx[i]) * row_bytes, row_bytes);
  return out;
}

Array choice(const Array& key, int64_t n, const Shape& shape, bool replace,
             const std::vector<double>& p) {
  Key k = detail::key_words(key, "choice");
  const int64_t draws = shape_size(shape);
  if (draws == 0) return Array::zeros(DType::i32, shape);
  detail::require(n > 0 && n <= std::numeric_limits<int32_t>::max(), "choice",
                  "a must be a positive population size that fits i32, got " + std::to_string(n));
  detail::require(replace || draws <= n, "choice",
                  "a = " + std::to_string(n) + " is fewer than the " + std::to_string(draws) +
                      " samples to take without replacement (replace=false)");
  if (p.empty()) {
    if (replace) return detail::to_array(randint_values(k, draws, 0, n), shape);
    std::vector<int32_t> perm = shuffle(k, n);
    perm.resize(static_cast<size_t>(draws));
    return detail::to_array(perm, shape);
  }
  detail::require(static_cast<int64_t>(p.size()) == n, "choice",
                  "p has " + std::to_string(p.size()) + " entries but a is " + std::to_string(n));
  // p is promoted to float32 (JAX's default float), and so is everything after.
  std::vector<float> pf(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    detail::require(p[i] >= 0 && std::isfinite(p[i]), "choice",
                    "p entries must be finite and >= 0, entry " + std::to_string(i) + " is " +
                        detail::num(p[i]));
    pf[i] = static_cast<float>(p[i]);
  }
  std::vector<int32_t> ind(static_cast<size_t>(draws));
  if (replace) {
    // Inverse CDF: r = total * (1 - u), the first index whose cumulative sum reaches r.
    std::vector<float> cum(pf.size());
    float acc = 0;
    for (size_t i = 0; i < pf.size(); ++i) cum[i] = acc = acc + pf[i];
    detail::require(cum.back() > 0, "choice", "p sums to 0");
    const std::vector<float> u = detail::uniform<float>(k, draws, 0.0f, 1.0f, "choice");
    for (int64_t i = 0; i < draws; ++i) {
      const float r = cum.back() * (1.0f - u[i]);
      ind[i] = static_cast<int32_t>(std::lower_bound(cum.begin(), cum.end(), r) - cum.begin());
    }
  } else {
    const int64_t nonzero = std::count_if(pf.begin(), pf.end(), [](float v) { return v > 0; });
    detail::require(draws <= nonzero, "choice",
                    "p needs, without replacement, at least as many nonzero entries (" +
                        std::to_string(nonzero) + ") as samples (" + std::to_string(draws) + ")");
    // Gumbel top-k: the indices of the smallest -gumbel - log(p), by a stable argsort.
    const Array g = gumbel(key, {n}, DType::f32);
    std::vector<float> score(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) score[i] = -g.data<float>()[i] - std::log(pf[i]);
    std::vector<int32_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return score[a] < score[b]; });
    std::copy(order.begin(), order.begin() + draws, ind.begin());
  }
  return detail::to_array(ind, shape);
}

namespace {

// Knuth: multiply uniforms until the product drops below exp(-lam); every round draws for the
// whole shape from a fresh subkey while any element is still running.
std::vector<int32_t> poisson_knuth(Key key, float lam, int64_t n) {
  std::vector<int32_t> k(static_cast<size_t>(n), 0);
  std::vector<float> log_prod(static_cast<size_t>(n), 0.0f);
  auto running = [&] {
    return std::any_of(log_prod.begin(), log_prod.end(), [&](float v) { return v > -lam; });
  };
  while (running()) {
    const std::vector<Key> ks = detail::split_keys(key, 2);
    key = ks[0];
    for (int64_t i = 0; i < n; ++i)
      if (log_prod[i] > -lam) k[i] += 1;
    const std::vector<float> u = detail::uniform<float>(ks[1], n, 0.0f, 1.0f, "poisson");
    for (int64_t i = 0; i < n; ++i) log_prod[i] = log_prod[i] + std::log(u[i]);
  }
  for (int32_t& v : k) v -= 1;
  return k;
}

// Hormann's transformed rejection (PTRS). As in JAX, a later round's acceptance overwrites an
// earlier one while other elements keep the loop running.
std::vector<int32_t> poisson_rejection(Key key, float lam, int64_t n) {
  const float log_lam = std::log(lam);
  const float b = 0.931f + 2.53f * std::sqrt(lam);
  const float a = -0.059f + 0.02483f * b;
  const float inv_alpha = 1.1239f + 1.1328f / (b - 3.4f);
  const float v_r = 0.9277f - 3.6224f / (b - 2.0f);
  std::vector<float> k_out(static_cast<size_t>(n), -1.0f);
  std::vector<char> accepted(static_cast<size_t>(n), 0);
  while (std::find(accepted.begin(), accepted.end(), 0) != accepted.end()) {
    const std::vector<Key> ks = detail::split_keys(key, 3);
    key = ks[0];
    const std::vector<float> us = detail::uniform<float>(ks[1], n, 0.0f, 1.0f, "poisson");
    const std::vector<float> vs = detail::uniform<float>(ks[2], n, 0.0f, 1.0f, "poisson");
    for (int64_t i = 0; i < n; ++i) {
      const float u = us[i] - 0.5f, v = vs[i];
      const float u_shifted = 0.5f - std::fabs(u);
      const float k = std::floor((2.0f * a / u_shifted + b) * u + lam + 0.43f);
      const float s = std::log(v * inv_alpha / (a / (u_shifted * u_shifted) + b));
      const float t = -lam + k * log_lam - std::lgamma(k + 1.0f);
      const bool accept1 = u_shifted >= 0.07f && v <= v_r;
      const bool reject = k < 0 || (u_shifted < 0.013f && v > u_shifted);
      const bool accept = accept1 || (!reject && s <= t);
      if (accept) k_out[i] = k, accepted[i] = 1;
    }
  }
  return std::vector<int32_t>(k_out.begin(), k_out.end());
}

}  // namespace

Array poisson(const Array& key, double lam, const Shape& shape) {
  Key k = detail::key_words(key, "poisson");
  detail::require(lam >= 0 && lam < 1e9, "poisson",
                  "lam must be >= 0 and below 1e9, got " + detail::num(lam));
  const float lam32 = static_cast<float>(lam);  // poisson converts lam to float32
  const int64_t n = shape_size(shape);
  if (lam32 == 0.0f) return Array::zeros(DType::i32, shape);
  // lam < 10: Knuth; otherwise transformed rejection (as TensorFlow and NumPy choose).
  return detail::to_array(lam32 < 10.0f ? poisson_knuth(k, lam32, n) : poisson_rejection(k, lam32, n),
                          shape);
}

}  // namespace engine::random
