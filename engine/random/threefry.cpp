#include "engine/random/threefry.h"

#include "engine/random/random.h"

namespace engine::random {

// The padded counter array has 2*half entries: x0 = padded[0, half), x1 = padded[half, 2*half).
// Output word x0 of pair i lands at i, word x1 at half + i; with an odd n the last x1 is the
// hash of the zero pad and is dropped, exactly like `out[:-1]` in prng.py.
void threefry_2x32(uint32_t k0, uint32_t k1, const uint32_t* counts, int64_t n, uint32_t* out) {
  const int64_t half = (n + 1) / 2;
  for (int64_t i = 0; i < half; ++i) {
    const bool has_hi = half + i < n;
    U32x2 r = threefry2x32(k0, k1, counts[i], has_hi ? counts[half + i] : 0u);
    out[i] = r.x0;
    if (has_hi) out[half + i] = r.x1;
  }
}

void threefry_2x32_iota(uint32_t k0, uint32_t k1, int64_t n, uint32_t* out) {
  const int64_t half = (n + 1) / 2;
  for (int64_t i = 0; i < half; ++i) {
    const bool has_hi = half + i < n;
    U32x2 r = threefry2x32(k0, k1, static_cast<uint32_t>(i),
                           has_hi ? static_cast<uint32_t>(half + i) : 0u);
    out[i] = r.x0;
    if (has_hi) out[half + i] = r.x1;
  }
}

Array threefry_2x32(const Array& key, const Array& counts) {
  check_key(key, "threefry_2x32");
  GS_CHECK(counts.dtype() == DType::u32,
           "threefry_2x32: counts must be u32, got " + counts.aval_str());
  const uint32_t* k = key.data<uint32_t>();
  Array out = Array::empty(DType::u32, counts.shape());
  threefry_2x32(k[0], k[1], counts.data<uint32_t>(), counts.size(), out.mutable_data<uint32_t>());
  return out;
}

}  // namespace engine::random
