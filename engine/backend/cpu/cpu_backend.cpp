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
  const PrimitiveRules& r = rules(prim);
  std::vector<Aval> in_avals;
  in_avals.reserve(inputs.size());
  for (const Array& a : inputs) in_avals.push_back({a.shape(), a.dtype()});
  std::vector<Aval> out_avals = r.shape(in_avals, params);
  std::optional<Array> fast;
  switch (prim) {
    case PrimId::dot_general: fast = cpu::dot_general(inputs, params, out_avals[0]); break;
    case PrimId::conv_general_dilated: fast = cpu::conv(inputs, params, out_avals[0]); break;
    case PrimId::reduce_window_sum:
    case PrimId::reduce_window_max:
      fast = cpu::pooling(prim, inputs[0], params, out_avals[0]);
      break;
    case PrimId::transpose: fast = cpu::transpose(inputs[0], params, out_avals[0]); break;
    default:
      if (out_avals.size() == 1) fast = cpu::elementwise(prim, inputs, params, out_avals[0]);
  }
  if (fast) return {std::move(*fast)};
  GS_CHECK(r.impl, "primitive " + std::string(r.name) + " has no kernel on the cpu backend");
  ++counters().reference;
  ++counters().reference_by_prim[static_cast<size_t>(prim)];
  return r.impl(inputs, params, out_avals);
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
