// GS_SIMD_CLONES: compile a hot loop three times, for AVX-512, AVX2 and plain x86-64, and let the
// loader pick the widest the CPU has (GCC's target_clones). The default build targets plain
// x86-64 so that the binaries run anywhere; the clones give the loops that dominate a step the
// vector width of the machine they run on. The whole project is built with -ffp-contract=off,
// so every clone rounds exactly like the others and like the scalar reference kernels.
#pragma once

#define GS_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
