// Tile kernels (PrimitiveRules::tile) from the scalar function that is also a primitive's
// reference kernel. An elementwise family writes its function once, as a generic lambda,
//
//   smooth<P::exp, d_exp, GS_SCALAR(exp_of(v))>("exp")
//
// and the row's builder makes both the reference kernel (every dtype, plain loops) and the f32
// tile kernel (unary_tile<F>) from it, so the compiler's fused loops and the cpu backend compute
// the reference's bits without a switch over primitives of their own.
//
// A tile kernel is compiled per vector width (AVX-512, AVX2, plain x86-64, as core/simd_dispatch.h
// does for hand-written loops) and runs in the widest one oneDNN also uses. For that to vectorize,
// everything a loop calls must be inlined into each version: the lambdas carry always_inline (GCC
// inlines nothing else across target attributes), as do the functions of scalar_math.h and
// vector_math.h. The build's -fno-trapping-math lets selects and comparisons vectorize.
#pragma once
#include <cstdint>
#include <type_traits>

#include "engine/core/simd_dispatch.h"
#include "engine/ops/primitive.h"

// A generic scalar function of v (unary) or of a and b (binary), in the operand's own type T.
#define GS_SCALAR(expr) \
  ([](auto v) __attribute__((always_inline)) { using T = decltype(v); (void)sizeof(T); return expr; })
#define GS_SCALAR2(expr) \
  ([](auto a, auto b) __attribute__((always_inline)) { using T = decltype(a); (void)sizeof(T); return expr; })

namespace engine {

// The three versions of kernel K (a struct with a static, always-inline `run` of TileRule's
// signature) and the switch between them.
template <class K>
[[gnu::target("avx512f")]] void tile_avx512(const float* const* in, float* out, int64_t n, const Params& p) {
  K::run(in, out, n, p);
}
template <class K>
[[gnu::target("avx2")]] void tile_avx2(const float* const* in, float* out, int64_t n, const Params& p) {
  K::run(in, out, n, p);
}
template <class K>
void tile_x86_64(const float* const* in, float* out, int64_t n, const Params& p) {
  K::run(in, out, n, p);
}
template <class K>
void tile_kernel(const float* const* in, float* out, int64_t n, const Params& p) {
  switch (simd_level()) {
    case SimdLevel::avx512: return tile_avx512<K>(in, out, n, p);
    case SimdLevel::avx2: return tile_avx2<K>(in, out, n, p);
    default: return tile_x86_64<K>(in, out, n, p);
  }
}

// A predicate's bool as the 0/1 a float register holds.
template <class R>
[[gnu::always_inline]] inline float as_register(R r) {
  if constexpr (std::is_same_v<R, bool>) return r ? 1.0f : 0.0f;
  else return r;
}

template <auto F>
struct UnaryTile {
  [[gnu::always_inline]] static void run(const float* const* in, float* out, int64_t n, const Params&) {
    const float* a = in[0];
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) out[i] = as_register(F(a[i]));
  }
};

template <auto F>
struct BinaryTile {
  [[gnu::always_inline]] static void run(const float* const* in, float* out, int64_t n, const Params&) {
    const float* a = in[0];
    const float* b = in[1];
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) out[i] = as_register(F(a[i], b[i]));
  }
};

template <auto F>
inline constexpr TileRule unary_tile = tile_kernel<UnaryTile<F>>;
template <auto F>
inline constexpr TileRule binary_tile = tile_kernel<BinaryTile<F>>;

}  // namespace engine
