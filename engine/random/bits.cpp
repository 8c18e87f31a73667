// Keys, raw bits, uniform and normal in both PRNG modes: jax/_src/prng.py (threefry_split,
// threefry_fold_in, threefry_random_bits) and the first samplers of jax/_src/random.py.
#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/ops/xla_special.h"
#include "engine/random/internal.h"
#include "engine/random/threefry.h"

namespace engine::random {

namespace {

std::atomic<PrngMode> g_mode{PrngMode::classic};

// _threefry_random_bits_original counts ceil(bit_width * size / 32) words; past 2^32 - 1 words
// it switches to one subkey per block, which arrays in this program never reach.
int64_t classic_word_count(int64_t size, int bit_width, const char* what) {
  const int64_t words = (size * bit_width + 31) / 32;
  GS_CHECK(words < static_cast<int64_t>(std::numeric_limits<uint32_t>::max()),
           std::string(what) + ": " + std::to_string(size) + " elements need " +
               std::to_string(words) + " random words; at most 2^32 - 2 are supported");
  return words;
}

std::vector<uint32_t> iota_words(detail::Key k, int64_t n) {
  std::vector<uint32_t> out(static_cast<size_t>(n));
  threefry_2x32_iota(k.k0, k.k1, n, out.data());
  return out;
}

// Partitionable mode: element i hashes the 64-bit counter i split as (hi, lo) (iota_2x32_shape).
U32x2 element_block(detail::Key k, int64_t i) {
  const uint64_t c = static_cast<uint64_t>(i);
  return threefry2x32(k.k0, k.k1, static_cast<uint32_t>(c >> 32), static_cast<uint32_t>(c));
}

}  // namespace

namespace detail {

void require(bool cond, const char* what, const std::string& message) {
  GS_CHECK(cond, std::string(what) + ": " + message);
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void check_float(DType dtype, const char* what) {
  GS_CHECK(dtype == DType::f32 || dtype == DType::f64,
           std::string(what) + ": dtype must be f32 or f64, got " + std::string(dtype_name(dtype)));
}

Key key_words(const Array& key, const char* what) {
  check_key(key, what);
  const uint32_t* k = key.data<uint32_t>();
  return {k[0], k[1]};
}

Array key_array(Key k) { return Array::from_vector<uint32_t>({k.k0, k.k1}); }

std::vector<Key> split_keys(Key k, int64_t num, const char* what) {
  require(num >= 0, what, "num must be non-negative, got " + std::to_string(num));
  std::vector<Key> keys(static_cast<size_t>(num));
  if (prng_mode() == PrngMode::partitionable) {
    for (int64_t i = 0; i < num; ++i) {
      U32x2 b = element_block(k, i);
      keys[i] = {b.x0, b.x1};
    }
    return keys;
  }
  const std::vector<uint32_t> w = iota_words(k, 2 * num);  // _threefry_split_original
  for (int64_t i = 0; i < num; ++i) keys[i] = {w[2 * i], w[2 * i + 1]};
  return keys;
}

std::vector<uint64_t> random_bits(Key k, int bit_width, int64_t n, const char* what) {
  require(bit_width == 8 || bit_width == 16 || bit_width == 32 || bit_width == 64, what,
          "bit width must be 8, 16, 32 or 64, got " + std::to_string(bit_width));
  require(n >= 0, what, "negative element count " + std::to_string(n));
  std::vector<uint64_t> out(static_cast<size_t>(n));
  if (prng_mode() == PrngMode::partitionable) {
    // _threefry_random_bits_partitionable: 64 bits are (hi, lo) = the block's two words; narrower
    // widths take the low bits of their xor.
    const uint64_t mask = bit_width == 64 ? ~uint64_t{0} : (uint64_t{1} << bit_width) - 1;
    for (int64_t i = 0; i < n; ++i) {
      U32x2 b = element_block(k, i);
      out[i] = bit_width == 64 ? (uint64_t{b.x0} << 32) | b.x1 : uint64_t{b.x0 ^ b.x1} & mask;
    }
    return out;
  }
  const std::vector<uint32_t> w = iota_words(k, classic_word_count(n, bit_width, what));
  if (bit_width == 64) {
    // The first half of the words are the high halves, the second half the low halves.
    for (int64_t i = 0; i < n; ++i) out[i] = (uint64_t{w[i]} << 32) | w[n + i];
  } else {
    // 8/16 bits: each 32-bit word viewed as 32/bit_width little-endian pieces.
    const int per = 32 / bit_width;
    const uint32_t mask = bit_width == 32 ? 0xFFFFFFFFu : (1u << bit_width) - 1;
    for (int64_t i = 0; i < n; ++i) out[i] = (w[i / per] >> (bit_width * (i % per))) & mask;
  }
  return out;
}

std::vector<uint32_t> random_bits32(Key k, int64_t n, const char* what) {
  if (prng_mode() == PrngMode::classic) return iota_words(k, classic_word_count(n, 32, what));
  std::vector<uint64_t> b = random_bits(k, 32, n, what);
  return std::vector<uint32_t>(b.begin(), b.end());
}

// float: minval/maxval are float32 already (JAX converts them first) and the arithmetic is
// float32 throughout, one rounding per operation, as XLA does it. double: 64-bit words.
template <class T>
std::vector<T> uniform(Key k, int64_t n, T minval, T maxval, const char* what) {
  std::vector<T> out(static_cast<size_t>(n));
  const T range = maxval - minval;
  if constexpr (std::is_same_v<T, float>) {
    const std::vector<uint32_t> w = random_bits32(k, n, what);
    for (int64_t i = 0; i < n; ++i) {
      // 23 random mantissa bits under the exponent of 1.0: a float in [1, 2), exactly.
      const float one_two = std::bit_cast<float>((w[i] >> 9) | 0x3F800000u);
      const float scaled = (one_two - 1.0f) * range;
      out[i] = std::max(minval, scaled + minval);
    }
  } else {
    const std::vector<uint64_t> w = random_bits(k, 64, n, what);
    for (int64_t i = 0; i < n; ++i) {
      const double one_two = std::bit_cast<double>((w[i] >> 12) | 0x3FF0000000000000ull);
      const double scaled = (one_two - 1.0) * range;
      out[i] = std::max(minval, scaled + minval);
    }
  }
  return out;
}
template std::vector<float> uniform(Key, int64_t, float, float, const char*);
template std::vector<double> uniform(Key, int64_t, double, double, const char*);

template <class T>
std::vector<T> normal(Key k, int64_t n, const char* what) {
  // lo = nextafter(-1, 0); in float32 maxval - minval rounds to exactly 2.
  std::vector<T> u = uniform<T>(k, n, std::nextafter(T(-1), T(0)), T(1), what);
  const T sqrt2 = static_cast<T>(std::sqrt(2.0));  // np.array(np.sqrt(2), dtype)
  for (T& x : u) {
    if constexpr (std::is_same_v<T, float>) x = sqrt2 * erf_inv_f32(x);
    else x = sqrt2 * erf_inv_f64(x);
  }
  return u;
}
template std::vector<float> normal(Key, int64_t, const char*);
template std::vector<double> normal(Key, int64_t, const char*);

}  // namespace detail

using detail::Key;
using detail::key_words;

void set_prng_mode(PrngMode mode) { g_mode.store(mode); }
PrngMode prng_mode() { return g_mode.load(); }

std::string_view prng_mode_name(PrngMode mode) {
  return mode == PrngMode::partitionable ? "partitionable" : "classic";
}

PrngMode parse_prng_mode(std::string_view text, const char* what) {
  if (text == "classic") return PrngMode::classic;
  if (text == "partitionable") return PrngMode::partitionable;
  throw Error(std::string(what) + ": expected classic or partitionable, got '" +
              std::string(text) + "'");
}

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
  if (prng_mode() == PrngMode::classic) classic_word_count(2 * num, 32, "split");
  std::vector<Key> keys = detail::split_keys(k, num);
  Array out = Array::empty(DType::u32, {num, 2});
  uint32_t* dst = out.mutable_data<uint32_t>();
  for (int64_t i = 0; i < num; ++i) dst[2 * i] = keys[i].k0, dst[2 * i + 1] = keys[i].k1;
  return out;
}

Array fold_in(const Array& key, uint32_t data) {
  Key k = key_words(key, "fold_in");
  const uint32_t counts[2] = {0u, data};  // threefry_seed(data) for a 32-bit data word
  Array out = Array::empty(DType::u32, {2});
  threefry_2x32(k.k0, k.k1, counts, 2, out.mutable_data<uint32_t>());
  return out;
}

Array bits(const Array& key, const Shape& shape) { return bits(key, shape, 32); }

Array bits(const Array& key, const Shape& shape, int bit_width) {
  Key k = key_words(key, "bits");
  detail::require(bit_width == 8 || bit_width == 16 || bit_width == 32, "bits",
                  "a u32 array holds 8-, 16- or 32-bit draws, got " + std::to_string(bit_width) +
                      " (use bits_u64 for 64)");
  const std::vector<uint64_t> b = detail::random_bits(k, bit_width, shape_size(shape), "bits");
  return Array::from_vector<uint32_t>(std::vector<uint32_t>(b.begin(), b.end()), shape);
}

std::vector<uint64_t> bits_u64(const Array& key, const Shape& shape) {
  return detail::random_bits(key_words(key, "bits"), 64, shape_size(shape), "bits");
}

Array uniform(const Array& key, const Shape& shape, double minval, double maxval, DType dtype) {
  Key k = key_words(key, "uniform");
  return detail::by_dtype(dtype, "uniform", [&](auto tag) {
    using T = decltype(tag);
    return detail::to_array(detail::uniform<T>(k, shape_size(shape), static_cast<T>(minval),
                                               static_cast<T>(maxval), "uniform"),
                            shape);
  });
}

Array normal(const Array& key, const Shape& shape, DType dtype) {
  Key k = key_words(key, "normal");
  return detail::by_dtype(dtype, "normal", [&](auto tag) {
    using T = decltype(tag);
    return detail::to_array(detail::normal<T>(k, shape_size(shape), "normal"), shape);
  });
}

Array truncated_normal(const Array& key, double lower, double upper, const Shape& shape,
                       DType dtype) {
  Key k = key_words(key, "truncated_normal");
  detail::check_float(dtype, "truncated_normal");
  GS_CHECK(lower < upper, "truncated_normal: lower (" + detail::num(lower) +
                              ") must be below upper (" + detail::num(upper) + ")");
  const int64_t n = shape_size(shape);
  if (dtype == DType::f64) {
    const double sqrt2 = std::sqrt(2.0);
    // std::erf stands in for XLA's float64 Cephes erf; both are within an ulp or so.
    std::vector<double> u =
        detail::uniform<double>(k, n, std::erf(lower / sqrt2), std::erf(upper / sqrt2), "truncated_normal");
    const double lo = std::nextafter(lower, INFINITY), hi = std::nextafter(upper, -INFINITY);
    for (double& x : u) x = std::min(std::max(sqrt2 * erf_inv_f64(x), lo), hi);
    return detail::to_array(u, shape);
  }
  const float sqrt2 = static_cast<float>(std::sqrt(2.0));
  const float lo32 = static_cast<float>(lower), hi32 = static_cast<float>(upper);
  std::vector<float> u = detail::uniform<float>(k, n, erf_f32(lo32 / sqrt2), erf_f32(hi32 / sqrt2),
                                                "truncated_normal");
  const float lo = std::nextafter(lo32, INFINITY), hi = std::nextafter(hi32, -INFINITY);
  for (float& x : u) x = std::min(std::max(sqrt2 * erf_inv_f32(x), lo), hi);
  return detail::to_array(u, shape);
}

}  // namespace engine::random
