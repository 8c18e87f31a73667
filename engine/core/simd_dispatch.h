// GS_SIMD_KERNEL: a hot loop compiled three times, for AVX-512, AVX2 and plain x86-64, run in the
// widest version that oneDNN also uses on this machine. The default build targets plain x86-64
// so that the binaries run anywhere; the versions give the loops that dominate a step the vector
// width of the machine they run on. Following oneDNN's choice (not only the CPU's) makes
// ONEDNN_MAX_CPU_ISA=AVX2 one switch for both, so an AVX-512 machine can measure what an AVX2
// one runs. The whole project is built with -ffp-contract=off, so every version rounds exactly
// like the others and like the scalar reference kernels.
//
//   GS_SIMD_KERNEL(void, scale, (float* y, const float* a, int64_t n), (y, a, n)) {
//     for (int64_t i = 0; i < n; ++i) y[i] = 2 * a[i];
//   }
//
// defines scale(...) and the body it inlines into each version (scale_body); `static` or an
// unnamed namespace around it keeps it local to its file.
#pragma once

namespace engine {

enum class SimdLevel { x86_64, avx2, avx512 };
// The widest level oneDNN dispatches to here (its effective ISA, ONEDNN_MAX_CPU_ISA included).
SimdLevel simd_level();
const char* simd_level_name(SimdLevel level);

}  // namespace engine

#define GS_SIMD_KERNEL(ret, name, params, args)                                                     \
  [[gnu::always_inline]] inline ret name##_body params;                                             \
  [[gnu::target("avx512f")]] ret name##_avx512 params { return name##_body args; }                  \
  [[gnu::target("avx2")]] ret name##_avx2 params { return name##_body args; }                       \
  ret name##_x86_64 params { return name##_body args; }                                             \
  ret name params {                                                                                 \
    switch (::engine::simd_level()) {                                                               \
      case ::engine::SimdLevel::avx512: return name##_avx512 args;                                  \
      case ::engine::SimdLevel::avx2: return name##_avx2 args;                                      \
      default: return name##_x86_64 args;                                                           \
    }                                                                                               \
  }                                                                                                 \
  [[gnu::always_inline]] inline ret name##_body params
