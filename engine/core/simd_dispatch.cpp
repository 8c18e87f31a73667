#include "engine/core/simd_dispatch.h"

#include <dnnl.hpp>

namespace engine {

SimdLevel simd_level() {
  static const SimdLevel level = [] {
    switch (dnnl::get_effective_cpu_isa()) {
      case dnnl::cpu_isa::avx512_core:
      case dnnl::cpu_isa::avx512_core_vnni:
      case dnnl::cpu_isa::avx512_core_bf16:
      case dnnl::cpu_isa::avx512_core_amx:
        return __builtin_cpu_supports("avx512f") ? SimdLevel::avx512 : SimdLevel::x86_64;
      case dnnl::cpu_isa::avx2:
      case dnnl::cpu_isa::avx2_vnni:
        return __builtin_cpu_supports("avx2") ? SimdLevel::avx2 : SimdLevel::x86_64;
      case dnnl::cpu_isa::sse41:
      case dnnl::cpu_isa::avx:
        return SimdLevel::x86_64;
      default:  // an ISA newer than this code knows: what the CPU has
        return __builtin_cpu_supports("avx512f") ? SimdLevel::avx512
               : __builtin_cpu_supports("avx2")  ? SimdLevel::avx2
                                                 : SimdLevel::x86_64;
    }
  }();
  return level;
}

const char* simd_level_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::avx512: return "avx512f";
    case SimdLevel::avx2: return "avx2";
    default: return "x86-64";
  }
}

}  // namespace engine
