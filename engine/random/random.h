// Stateless random numbers, bit for bit JAX's classic threefry2x32 PRNG (jax.random with
// jax_threefry_partitionable off), on concrete arrays.
//
// A key is a u32[2] array. Functions never modify a key; the same key always gives the same
// numbers, and independent streams come from split() or fold_in(). Float outputs follow JAX's
// constructions exactly (mantissa bits for uniform, XLA's erf_inv for normal), so that
// PRNGKey(0) drives the same weights and data here as it does in JAX.
#pragma once
#include <cstdint>

#include "engine/core/array.h"

namespace engine::random {

// Throws engine::Error naming `what` unless key is a u32[2] array.
void check_key(const Array& key, const char* what);

// A key from a 64-bit seed, as JAX's threefry_seed with x64 enabled: [seed >> 32, seed & 0xFFFFFFFF]
// (so PRNGKey(0) = [0, 0], PRNGKey(42) = [0, 42], PRNGKey(-1) = [4294967295, 4294967295]).
Array PRNGKey(int64_t seed);
// `num` new keys, u32[num, 2]: threefry over the counters 0 .. 2*num-1.
Array split(const Array& key, int64_t num = 2);
// A new key derived from key and data: threefry of the counters [0, data].
Array fold_in(const Array& key, uint32_t data);

// Uniform random u32 bits of the given shape (jax.random.bits with dtype uint32).
Array bits(const Array& key, const Shape& shape);

// Uniform floats in [minval, maxval) (f32 or f64): random mantissa bits under the exponent of 1.0
// give [1, 2); minus 1, scaled and shifted, then max'ed with minval as JAX does.
Array uniform(const Array& key, const Shape& shape, double minval = 0.0, double maxval = 1.0,
              DType dtype = DType::f32);
// Standard normals: sqrt(2) * erf_inv(u) with u uniform in (-1, 1) (the open lower end keeps
// erf_inv finite).
Array normal(const Array& key, const Shape& shape, DType dtype = DType::f32);
// Standard normals truncated to the open interval (lower, upper): inverse-CDF sampling between
// erf(lower/sqrt2) and erf(upper/sqrt2), clamped inside the bounds.
Array truncated_normal(const Array& key, double lower, double upper, const Shape& shape,
                       DType dtype = DType::f32);
// Standard Gumbel: -log(-log(u)) with u uniform in [tiny, 1).
Array gumbel(const Array& key, const Shape& shape, DType dtype = DType::f32);
// Booleans that are true with probability p: uniform(key, shape, f32) < p.
Array bernoulli(const Array& key, double p, const Shape& shape);
// Samples category indices (i32) from unnormalized log-probabilities along `axis`, by the
// Gumbel-max trick: argmax(logits + gumbel). The result has logits' shape without that axis.
Array categorical(const Array& key, const Array& logits, int axis = -1);

// A random permutation of 0 .. n-1 (i32), by JAX's _shuffle: ceil(3 ln n / ln(2^32 - 1)) rounds,
// each a stable sort by fresh random 32-bit keys.
Array permutation(const Array& key, int64_t n);
// x with its rows (axis 0) permuted by permutation(key, x.shape[0]).
Array permutation(const Array& key, const Array& x);

}  // namespace engine::random
