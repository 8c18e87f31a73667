// Threefry-2x32 (Salmon et al., "Parallel Random Numbers: As Easy as 1, 2, 3", SC'11) with 20
// rounds: the counter-based hash under JAX's classic (non-partitionable) PRNG. Everything here
// follows jax/_src/prng.py bit for bit.
//
// The block function is a pure inline function of four words with no library calls, so that a
// CUDA kernel can use the very same code once GS_HOST_DEVICE expands to __host__ __device__.
#pragma once
#include <cstdint>

#include "engine/core/array.h"

#if defined(__CUDACC__)
#define GS_HOST_DEVICE __host__ __device__
#else
#define GS_HOST_DEVICE
#endif

namespace engine::random {

struct U32x2 {
  uint32_t x0;
  uint32_t x1;
};

GS_HOST_DEVICE inline uint32_t rotate_left32(uint32_t v, uint32_t r) {
  return (v << r) | (v >> (32u - r));  // r is in 6..29, never 0 or 32
}

// One Threefry-2x32 block: key (k0, k1), counter (x0, x1). Five groups of four rounds with the
// Skein rotation constants, a key injection after each group (JAX's _threefry2x32_lowering).
GS_HOST_DEVICE inline U32x2 threefry2x32(uint32_t k0, uint32_t k1, uint32_t x0, uint32_t x1) {
  const uint32_t ks[3] = {k0, k1, k0 ^ k1 ^ 0x1BD11BDAu};
  const uint32_t rotations[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  x0 += ks[0];
  x1 += ks[1];
  for (uint32_t group = 0; group < 5; ++group) {
    const uint32_t* rot = rotations[group % 2];
    for (int r = 0; r < 4; ++r) {
      x0 += x1;
      x1 = rotate_left32(x1, rot[r]);
      x1 ^= x0;
    }
    x0 += ks[(group + 1) % 3];
    x1 += ks[(group + 2) % 3] + group + 1;
  }
  return {x0, x1};
}

// JAX's threefry_2x32(keypair, count) on a flat buffer of n counters: an odd n is padded with one
// zero, the first half is hashed against the second half pairwise, and the two output words are
// written back as the first and second half (the pad dropped). `out` may not alias `counts`.
void threefry_2x32(uint32_t k0, uint32_t k1, const uint32_t* counts, int64_t n, uint32_t* out);
// The same for counts = 0, 1, ..., n-1 (lax.iota), without materializing them: the counters of
// split() and random bits.
void threefry_2x32_iota(uint32_t k0, uint32_t k1, int64_t n, uint32_t* out);

// Array form: key is u32[2], counts any u32 array; the result has the shape of counts.
Array threefry_2x32(const Array& key, const Array& counts);

}  // namespace engine::random
