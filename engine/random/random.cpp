#include "engine/random/random.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "engine/random/threefry.h"
#include "engine/ops/xla_special.h"

namespace engine::random {

namespace {

struct Key {
  uint32_t k0, k1;
};

Key key_words(const Array& key, const char* what) {
  check_key(key, what);
  const uint32_t* k = key.data<uint32_t>();
  return {k[0], k[1]};
}

void check_float(DType dtype, const char* what) {
  GS_CHECK(dtype == DType::f32 || dtype == DType::f64,
           std::string(what) + ": dtype must be f32 or f64, got " + std::string(dtype_name(dtype)));
}

// JAX's _threefry_random_bits_original counts ceil(bit_width * size / 32) words; past
// 2^32 - 1 words it switches to one subkey per block, which arrays in this program never reach.
int64_t checked_word_count(const Shape& shape, int bit_width, const char* what) {
  const int64_t size = shape_size(shape);
  const int64_t words = bit_width == 64 ? 2 * size : size;
  GS_CHECK(words < static_cast<int64_t>(std::numeric_limits<uint32_t>::max()),
           std::string(what) + ": shape (" + shape_str(shape) + ") needs " + std::to_string(words) +
               " random words; at most 2^32 - 2 are supported");
  return words;
}

std::vector<uint32_t> random_words(Key k, int64_t n) {
  std::vector<uint32_t> out(static_cast<size_t>(n));
  threefry_2x32_iota(k.k0, k.k1, n, out.data());
  return out;
}

// uniform() in float32: minval/maxval are float32 already (JAX converts them first). The
// arithmetic is float32 throughout, one rounding per operation, as XLA does it.
Array uniform_f32(Key k, const Shape& shape, float minval, float maxval) {
  const int64_t n = checked_word_count(shape, 32, "uniform");
  std::vector<uint32_t> words = random_words(k, n);
  Array out = Array::empty(DType::f32, shape);
  float* dst = out.mutable_data<float>();
  const float range = maxval - minval;
  for (int64_t i = 0; i < n; ++i) {
    // 23 random mantissa bits under the exponent of 1.0: a float in [1, 2), exactly.
    float one_two = std::bit_cast<float>((words[i] >> 9) | 0x3F800000u);
    float scaled = (one_two - 1.0f) * range;
    float v = scaled + minval;
    dst[i] = std::max(minval, v);
  }
  return out;
}

// uniform() in float64 (JAX with x64): 64-bit words built from two halves of the 32-bit stream,
// high words from the first half, low words from the second (prng.py's bit_width == 64 case).
Array uniform_f64(Key k, const Shape& shape, double minval, double maxval) {
  const int64_t n2 = checked_word_count(shape, 64, "uniform");
  const int64_t n = n2 / 2;
  std::vector<uint32_t> words = random_words(k, n2);
  Array out = Array::empty(DType::f64, shape);
  double* dst = out.mutable_data<double>();
  const double range = maxval - minval;
  for (int64_t i = 0; i < n; ++i) {
    uint64_t w = (static_cast<uint64_t>(words[i]) << 32) | words[n + i];
    double one_two = std::bit_cast<double>((w >> 12) | 0x3FF0000000000000ull);
    double scaled = (one_two - 1.0) * range;
    double v = scaled + minval;
    dst[i] = std::max(minval, v);
  }
  return out;
}

}  // namespace

void check_key(const Array& key, const char* what) {
  GS_CHECK(key.valid(), std::string(what) + ": the key is a null array");
  GS_CHECK(key.dtype() == DType::u32 && key.shape() == Shape{2},
           std::string(what) + ": a PRNG key must be u32[2], got " + key.aval_str());
}

Array PRNGKey(int64_t seed) {
  const uint64_t s = static_cast<uint64_t>(seed);
  return Array::from_vector<uint32_t>(
      {static_cast<uint32_t>(s >> 32), static_cast<uint32_t>(s & 0xFFFFFFFFu)});
}

Array split(const Array& key, int64_t num) {
  Key k = key_words(key, "split");
  GS_CHECK(num >= 0, "split: num must be non-negative, got " + std::to_string(num));
  checked_word_count({num, 2}, 32, "split");
  Array out = Array::empty(DType::u32, {num, 2});
  threefry_2x32_iota(k.k0, k.k1, 2 * num, out.mutable_data<uint32_t>());
  return out;
}

Array fold_in(const Array& key, uint32_t data) {
  Key k = key_words(key, "fold_in");
  const uint32_t counts[2] = {0u, data};  // threefry_seed(data) for a 32-bit data word
  Array out = Array::empty(DType::u32, {2});
  threefry_2x32(k.k0, k.k1, counts, 2, out.mutable_data<uint32_t>());
  return out;
}

Array bits(const Array& key, const Shape& shape) {
  Key k = key_words(key, "bits");
  const int64_t n = checked_word_count(shape, 32, "bits");
  Array out = Array::empty(DType::u32, shape);
  threefry_2x32_iota(k.k0, k.k1, n, out.mutable_data<uint32_t>());
  return out;
}

Array uniform(const Array& key, const Shape& shape, double minval, double maxval, DType dtype) {
  Key k = key_words(key, "uniform");
  check_float(dtype, "uniform");
  if (dtype == DType::f64) return uniform_f64(k, shape, minval, maxval);
  return uniform_f32(k, shape, static_cast<float>(minval), static_cast<float>(maxval));
}

Array normal(const Array& key, const Shape& shape, DType dtype) {
  Key k = key_words(key, "normal");
  check_float(dtype, "normal");
  if (dtype == DType::f64) {
    Array u = uniform_f64(k, shape, std::nextafter(-1.0, 0.0), 1.0);
    double* p = u.mutable_data<double>();
    const double sqrt2 = std::sqrt(2.0);
    for (int64_t i = 0; i < u.size(); ++i) p[i] = sqrt2 * erf_inv_f64(p[i]);
    return u;
  }
  // lo = nextafter(-1, 0) = -(1 - 2^-24); maxval - minval rounds to exactly 2 in float32.
  Array u = uniform_f32(k, shape, std::nextafter(-1.0f, 0.0f), 1.0f);
  float* p = u.mutable_data<float>();
  const float sqrt2 = static_cast<float>(std::sqrt(2.0));  // np.array(np.sqrt(2), float32)
  for (int64_t i = 0; i < u.size(); ++i) p[i] = sqrt2 * erf_inv_f32(p[i]);
  return u;
}

Array truncated_normal(const Array& key, double lower, double upper, const Shape& shape,
                       DType dtype) {
  Key k = key_words(key, "truncated_normal");
  check_float(dtype, "truncated_normal");
  GS_CHECK(lower < upper, "truncated_normal: lower (" + std::to_string(lower) +
                              ") must be below upper (" + std::to_string(upper) + ")");
  if (dtype == DType::f64) {
    const double sqrt2 = std::sqrt(2.0);
    // std::erf stands in for XLA's float64 Cephes erf; both are within an ulp or so.
    Array u = uniform_f64(k, shape, std::erf(lower / sqrt2), std::erf(upper / sqrt2));
    double* p = u.mutable_data<double>();
    const double lo = std::nextafter(lower, INFINITY), hi = std::nextafter(upper, -INFINITY);
    for (int64_t i = 0; i < u.size(); ++i) p[i] = std::min(std::max(sqrt2 * erf_inv_f64(p[i]), lo), hi);
    return u;
  }
  const float sqrt2 = static_cast<float>(std::sqrt(2.0));
  const float lo32 = static_cast<float>(lower), hi32 = static_cast<float>(upper);
  Array u = uniform_f32(k, shape, erf_f32(lo32 / sqrt2), erf_f32(hi32 / sqrt2));
  float* p = u.mutable_data<float>();
  const float lo = std::nextafter(lo32, INFINITY), hi = std::nextafter(hi32, -INFINITY);
  for (int64_t i = 0; i < u.size(); ++i) p[i] = std::min(std::max(sqrt2 * erf_inv_f32(p[i]), lo), hi);
  return u;
}

Array gumbel(const Array& key, const Shape& shape, DType dtype) {
  Key k = key_words(key, "gumbel");
  check_float(dtype, "gumbel");
  if (dtype == DType::f64) {
    Array u = uniform_f64(k, shape, std::numeric_limits<double>::min(), 1.0);
    double* p = u.mutable_data<double>();
    for (int64_t i = 0; i < u.size(); ++i) p[i] = -std::log(-std::log(p[i]));
    return u;
  }
  Array u = uniform_f32(k, shape, std::numeric_limits<float>::min(), 1.0f);
  float* p = u.mutable_data<float>();
  for (int64_t i = 0; i < u.size(); ++i) p[i] = -std::log(-std::log(p[i]));
  return u;
}

Array bernoulli(const Array& key, double p, const Shape& shape) {
  Key k = key_words(key, "bernoulli");
  const float p32 = static_cast<float>(p);  // JAX canonicalizes a Python float p to float32
  Array u = uniform_f32(k, shape, 0.0f, 1.0f);
  Array out = Array::empty(DType::boolean, shape);
  const float* src = u.data<float>();
  bool* dst = out.mutable_data<bool>();
  for (int64_t i = 0; i < u.size(); ++i) dst[i] = src[i] < p32;
  return out;
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
  const int64_t outer = classes == 0 ? 0 : logits.size() / (classes * inner);
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

Array permutation(const Array& key, int64_t n) {
  Key k = key_words(key, "permutation");
  GS_CHECK(n >= 0, "permutation: n must be non-negative, got " + std::to_string(n));
  GS_CHECK(n <= std::numeric_limits<int32_t>::max(),
           "permutation: n = " + std::to_string(n) + " does not fit the i32 result");
  // tjablin's static stop criterion from JAX's _shuffle: enough rounds of 32-bit sort keys that
  // some round separates every pair with high probability.
  const double exponent = 3;
  const int rounds = static_cast<int>(std::ceil(
      exponent * std::log(static_cast<double>(std::max<int64_t>(1, n))) /
      std::log(static_cast<double>(std::numeric_limits<uint32_t>::max()))));
  std::vector<int32_t> x(static_cast<size_t>(n));
  std::iota(x.begin(), x.end(), 0);
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::vector<int32_t> next(static_cast<size_t>(n));
  Array cur_key = Array::from_vector<uint32_t>({k.k0, k.k1});
  for (int r = 0; r < rounds; ++r) {
    Array keys = split(cur_key);
    const uint32_t* kk = keys.data<uint32_t>();
    cur_key = Array::from_vector<uint32_t>({kk[0], kk[1]});
    std::vector<uint32_t> sort_keys = random_words({kk[2], kk[3]}, n);
    std::iota(order.begin(), order.end(), 0);
    // lax.sort_key_val is stable: equal sort keys keep their current order.
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return sort_keys[a] < sort_keys[b]; });
    for (int64_t i = 0; i < n; ++i) next[i] = x[order[i]];
    x.swap(next);
  }
  return Array::from_vector<int32_t>(x);
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

}  // namespace engine::random
