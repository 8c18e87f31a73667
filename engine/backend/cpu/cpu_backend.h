// The "cpu" backend: oneDNN kernels for the heavy primitives (dot_general as matmul,
// conv_general_dilated as convolution forward / backward-weights / backward-data, reduce_window_*
// as pooling forward / backward),
// the elementwise primitives' own tile kernels as one-op fused loops (f32, bool), vectorized sums,
// and the reference kernel
// (rules(prim).impl) for everything else, so every primitive has a result on this backend.
//
// oneDNN primitives are built once per key (shapes, strides, dtype, params) and cached for the
// life of the process; a jitted step run many times never rebuilds them. oneDNN parallelizes with
// OpenMP, so OMP_NUM_THREADS sets the thread count (all cores by default).
#pragma once
#include <array>
#include <atomic>
#include <cstdint>

#include "engine/backend/backend.h"

namespace engine {

// How often each path ran since the last reset; tests use them to check where a primitive went.
struct CpuCounters {
  std::atomic<int64_t> matmul{0};
  std::atomic<int64_t> sgemm{0};  // ... of which run as oneDNN's sgemm (unbatched)
  std::atomic<int64_t> conv_forward{0};
  std::atomic<int64_t> conv_backward_weights{0};  // a forward conv computed as oneDNN bwd-weights
  std::atomic<int64_t> conv_backward_data{0};  // an lhs-dilated conv as oneDNN bwd-data
  std::atomic<int64_t> pooling{0};
  std::atomic<int64_t> transpose{0};   // oneDNN reorder
  std::atomic<int64_t> loops{0};       // our own elementwise / reduction loops
  std::atomic<int64_t> eltwise{0};     // oneDNN eltwise
  std::atomic<int64_t> reference{0};   // rules(prim).impl
  std::array<std::atomic<int64_t>, kNumPrimitives> reference_by_prim{};  // ... per PrimId
  std::atomic<int64_t> cache_builds{0};  // oneDNN primitives (or reorders) created
  std::atomic<int64_t> cache_hits{0};    // ... found in the cache instead
  void reset();
};

class CpuBackend final : public Backend {
 public:
  std::string name() const override { return "cpu"; }
  std::vector<Array> execute(PrimId prim, std::span<const Array> inputs,
                             const Params& params) override;
  // execute() with the output avals already known (a compiled step skips the shape rule).
  std::vector<Array> execute_known(PrimId prim, std::span<const Array> inputs, const Params& params,
                                   std::span<const Aval> out_avals);
  std::unique_ptr<PreparedKernel> prepare(PrimId prim, std::span<const Aval> in, const Params& params,
                                          std::span<const Aval> out) override;
  // conv_general_dilated only (the transposes become strides of oneDNN's reorders).
  std::unique_ptr<PreparedKernel> prepare_permuted(PrimId prim, std::span<const Aval> in,
                                                   std::span<const IntList> in_perms, const Params& params,
                                                   const Aval& out, const IntList& out_perm) override;
  // dot_general only (the tail becomes oneDNN post-ops of the matmul).
  std::unique_ptr<PreparedKernel> prepare_with_epilogue(PrimId prim, std::span<const Aval> in, const Params& params,
                                                        const Aval& out, std::span<const EpilogueOp> tail) override;
  CpuCounters& counters();
  int64_t cache_size() const;  // cached oneDNN primitives
};

CpuBackend& cpu_backend();

// Registers the cpu backend and makes it the process default, once; later calls do nothing.
// GS_BACKEND=reference in the environment keeps the reference backend as the default.
void register_cpu_backend();

}  // namespace engine
