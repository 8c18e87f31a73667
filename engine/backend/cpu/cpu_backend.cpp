#include "engine/backend/cpu/cpu_backend.h"

#include <cstdlib>
#include <mutex>

#include "engine/backend/cpu/kernels.h"
#include "engine/backend/cpu/onednn_cache.h"

namespace engine {

void CpuCounters::reset() {
  for (auto* c : {&matmul, &conv_forward, &conv_backward_weights, &conv_backward_data,
                  &pooling, &transpose, &loops, &eltwise,
                  &reference, &cache_builds, &cache_hits})
    c->store(0);
  for (auto& c : reference_by_prim) c.store(0);
}

std::vector<Array> CpuBackend::execute(PrimId prim, std::span<const Array> inputs,
                                       const Params& params) {
  std::vector<Aval> in_avals;
  in_avals.reserve(inputs.size());
  for (const Array& a : inputs) in_avals.push_back({a.shape(), a.dtype()});
  std::vector<Aval> out_avals = rules(prim).shape(in_avals, params);
  return execute_known(prim, inputs, params, out_avals);
}

std::vector<Array> CpuBackend::execute_known(PrimId prim, std::span<const Array> inputs,
                                             const Params& params, std::span<const Aval> out_avals) {
  const PrimitiveRules& r = rules(prim);
  std::optional<Array> fast;
  switch (prim) {
    case PrimId::dot_general: fast = cpu::dot_general(inputs, params, out_avals[0]); break;
    case PrimId::conv_general_dilated: fast = cpu::conv(inputs, params, out_avals[0]); break;
    case PrimId::reduce_window_sum:
    case PrimId::reduce_window_max:
      fast = cpu::pooling(prim, inputs[0], params, out_avals[0]);
      break;
    case PrimId::transpose: fast = cpu::transpose(inputs[0], params, out_avals[0]); break;
    case PrimId::broadcast_in_dim: fast = cpu::broadcast_in_dim(inputs[0], params, out_avals[0]); break;
    default:
      if (out_avals.size() == 1) fast = cpu::elementwise(prim, inputs, params, out_avals[0]);
  }
  if (fast) return {std::move(*fast)};
  GS_CHECK(r.impl, "primitive " + std::string(r.name) + " has no kernel on the cpu backend");
  ++counters().reference;
  ++counters().reference_by_prim[static_cast<size_t>(prim)];
  return r.impl(inputs, params, out_avals);
}

namespace {

// Any primitive with its output avals known: execute_known() without the shape rule.
class KnownKernel final : public PreparedKernel {
 public:
  KnownKernel(PrimId prim, const Params& params, std::span<const Aval> out)
      : prim_(prim), params_(params), out_(out.begin(), out.end()) {}
  std::vector<Array> run(std::span<const Array> inputs) const override {
    return cpu_backend().execute_known(prim_, inputs, params_, out_);
  }

 private:
  PrimId prim_;
  const Params& params_;
  std::vector<Aval> out_;
};

}  // namespace

std::unique_ptr<PreparedKernel> CpuBackend::prepare(PrimId prim, std::span<const Aval> in,
                                                    const Params& params, std::span<const Aval> out) {
  if (prim == PrimId::dot_general)
    if (auto k = cpu::prepare_dot_general(in, params, out[0])) return k;
  if (prim == PrimId::conv_general_dilated) {
    const IntList none;
    const IntList perms[2];
    if (auto k = cpu::prepare_conv(in, perms, params, out[0], none)) return k;
  }
  return std::make_unique<KnownKernel>(prim, params, out);
}

std::unique_ptr<PreparedKernel> CpuBackend::prepare_permuted(PrimId prim, std::span<const Aval> in,
                                                             std::span<const IntList> in_perms,
                                                             const Params& params, const Aval& out,
                                                             const IntList& out_perm) {
  if (prim != PrimId::conv_general_dilated) return nullptr;
  return cpu::prepare_conv(in, in_perms, params, out, out_perm);
}

std::unique_ptr<PreparedKernel> CpuBackend::prepare_with_epilogue(PrimId prim, std::span<const Aval> in,
                                                                  const Params& params, const Aval& out,
                                                                  std::span<const EpilogueOp> tail) {
  if (prim == PrimId::dot_general) return cpu::prepare_dot_general(in, params, out, tail);
  if (prim == PrimId::conv_general_dilated) return cpu::prepare_conv_with_epilogue(in, params, out, tail);
  return nullptr;
}

CpuCounters& CpuBackend::counters() {
  static CpuCounters c;
  return c;
}

int64_t CpuBackend::cache_size() const { return cpu::plan_cache_size(); }

CpuBackend& cpu_backend() {
  static CpuBackend backend;
  return backend;
}

void register_cpu_backend() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* choice = std::getenv("GS_BACKEND");
    const bool make_default = !(choice && std::string(choice) == "reference");
    register_backend(&cpu_backend(), make_default);
  });
}

}  // namespace engine
