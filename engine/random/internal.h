// Host-side building blocks shared by the jax.random samplers (engine/random/*.cpp only).
//
// Every sampler is written against these few functions, so that the PRNG mode (classic or
// partitionable) changes only how keys split and how raw bits are drawn, as in jax/_src/prng.py,
// while the float constructions above them stay JAX's for both modes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/array.h"
#include "engine/random/random.h"

namespace engine::random::detail {

struct Key {
  uint32_t k0, k1;
};

// Throws engine::Error naming `what` unless key is u32[2].
Key key_words(const Array& key, const char* what);
Array key_array(Key k);

// jax.random.split(key, num) in the current mode.
std::vector<Key> split_keys(Key k, int64_t num, const char* what = "split");
// Random bits of width 8, 16, 32 or 64 for n elements in the current mode (prng.py's
// threefry_random_bits), each zero-extended to 64 bits.
std::vector<uint64_t> random_bits(Key k, int bit_width, int64_t n, const char* what);
std::vector<uint32_t> random_bits32(Key k, int64_t n, const char* what);

// jax.random.uniform / normal on host values: float (f32 arithmetic throughout) or double.
template <class T>
std::vector<T> uniform(Key k, int64_t n, T minval, T maxval, const char* what);
template <class T>
std::vector<T> normal(Key k, int64_t n, const char* what);
// _gamma_one over per-element alphas with one split key each (random_gamma_p's impl).
template <class T>
std::vector<T> gamma(Key k, const std::vector<T>& alpha, bool log_space, const char* what);

void check_float(DType dtype, const char* what);
// Throws unless cond, with "what: <message>".
void require(bool cond, const char* what, const std::string& message);
std::string num(double v);

template <class T>
Array to_array(const std::vector<T>& values, const Shape& shape) {
  return Array::from_vector<T>(values, shape);
}

// f32 or f64 per dtype: calls f(float{}) or f(double{}) and returns its Array.
template <class F>
Array by_dtype(DType dtype, const char* what, F&& f) {
  check_float(dtype, what);
  if (dtype == DType::f64) return f(double{});
  return f(float{});
}

}  // namespace engine::random::detail
