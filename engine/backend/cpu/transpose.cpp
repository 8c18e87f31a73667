// transpose of f32 arrays as one oneDNN reorder: the source is described as the output's shape
// with the input's strides permuted (a view, no copy), the destination as plain row-major, and
// oneDNN's jitted reorder moves the data. Reverse mode emits these around every weight-gradient
// convolution and transposed matmul operand, where the reference gather was a large part of a
// step.
#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cpu/kernels.h"
#include "engine/backend/cpu/onednn_cache.h"

namespace engine::cpu {

namespace {

struct TransposePlan : Plan {
  Reorder reorder;
};

}  // namespace

std::optional<Array> transpose(const Array& x, const Params& params, const Aval& out) {
  if (x.dtype() != DType::f32 || x.size() == 0 || x.rank() < 2 || x.rank() > DNNL_MAX_NDIMS)
    return std::nullopt;
  const IntList& perm = params.ints("permutation");
  auto st = row_major_strides(x.shape());
  dnnl::memory::dims dims, strides;
  for (int64_t a : perm) {
    dims.push_back(x.shape()[a]);
    strides.push_back(st[a]);
  }
  auto plan = cached_plan("transpose" + key_of(dims) + key_of(strides),
                          [&]() -> std::shared_ptr<Plan> {
                            auto p = std::make_shared<TransposePlan>();
                            try {
                              p->reorder = Reorder(f32_desc(dims, strides),
                                                   f32_desc(dims, row_major_strides(out.shape)));
                            } catch (const dnnl::error&) {
                              return nullptr;
                            }
                            return p;
                          });
  if (!plan) return std::nullopt;
  const Reorder& r = static_cast<const TransposePlan&>(*plan).reorder;
  Array result = Array::empty(DType::f32, out.shape);
  if (!r.needed) {  // an identity permutation (or one that moves only size-1 axes)
    std::copy(x.data<float>(), x.data<float>() + x.size(), result.mutable_data<float>());
  } else {
    execute(r.prim, {{DNNL_ARG_FROM, dnnl::memory(r.from, onednn_engine(), const_cast<void*>(x.raw()))},
                     {DNNL_ARG_TO, dnnl::memory(r.to, onednn_engine(), result.mutable_raw())}});
  }
  ++cpu_backend().counters().transpose;
  return result;
}

}  // namespace engine::cpu
