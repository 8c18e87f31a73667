// reduce_window_sum / reduce_window_max → oneDNN pooling, for f32 windows over the spatial axes of
// (N, spatial..., C) only (window 1, stride 1 and no padding on N and C; no dilations), as flax's
// avg_pool / max_pool and their batched forms produce.
//  - max: pooling_max; oneDNN never selects padding, as XLA pads with -inf. Windows made only of
//    padding cannot occur because padding smaller than the window is required here.
//  - sum: pooling_avg_include_padding (pads count as zeros, the XLA identity for add) times the
//    window size; one rounding more than a direct sum, well inside float32 tolerance.
// The transposed sum (base_dilation > 1, from reverse mode) stays on the reference kernel.
#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cpu/kernels.h"
#include "engine/backend/cpu/onednn_cache.h"

namespace engine::cpu {

namespace {

using dnnl::memory;

struct PoolPlan : Plan {
  memory::desc src, dst;
  dnnl::pooling_forward prim;
};

memory::desc nhwc_view(const Shape& s) {
  const int64_t S = static_cast<int64_t>(s.size()) - 2;
  auto st = row_major_strides(s);
  memory::dims dims{s[0], s[S + 1]}, strides{st[0], st[S + 1]};
  for (int64_t i = 1; i <= S; ++i) {
    dims.push_back(s[i]);
    strides.push_back(st[i]);
  }
  return f32_desc(dims, strides);
}

}  // namespace

std::optional<Array> pooling(PrimId prim, const Array& x, const Params& params, const Aval& out) {
  const int64_t r = x.rank(), S = r - 2;
  if (x.dtype() != DType::f32 || S < 1 || S > 3) return std::nullopt;
  if (x.size() == 0 || shape_size(out.shape) == 0) return std::nullopt;
  const IntList& dims = params.ints("window_dimensions");
  const IntList& strides = params.ints("window_strides");
  const IntLists& padding = params.get<IntLists>("padding");
  for (const char* name : {"base_dilation", "window_dilation"})
    if (params.has(name))
      for (int64_t v : params.ints(name))
        if (v != 1) return std::nullopt;
  for (int64_t a : {int64_t{0}, r - 1})
    if (dims[a] != 1 || strides[a] != 1 || padding[a][0] != 0 || padding[a][1] != 0)
      return std::nullopt;
  memory::dims kernel, st, pl, pr;
  for (int64_t i = 1; i <= S; ++i) {
    if (padding[i][0] < 0 || padding[i][1] < 0 || padding[i][0] >= dims[i] ||
        padding[i][1] >= dims[i])
      return std::nullopt;
    kernel.push_back(dims[i]);
    st.push_back(strides[i]);
    pl.push_back(padding[i][0]);
    pr.push_back(padding[i][1]);
  }
  const bool is_max = prim == PrimId::reduce_window_max;
  std::string key = std::string(is_max ? "pool_max" : "pool_sum") + key_of(x.shape()) +
                    key_of(kernel) + key_of(st) + key_of(pl) + key_of(pr);
  auto plan = cached_plan(key, [&]() -> std::shared_ptr<Plan> {
    auto p = std::make_shared<PoolPlan>();
    p->src = nhwc_view(x.shape());
    p->dst = nhwc_view(out.shape);
    const auto alg =
        is_max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_include_padding;
    try {
      p->prim = dnnl::pooling_forward(dnnl::pooling_forward::primitive_desc(
          dnnl::pooling_forward::desc(dnnl::prop_kind::forward_inference, alg, p->src, p->dst, st,
                                      kernel, pl, pr),
          onednn_engine()));
    } catch (const dnnl::error&) {
      return nullptr;
    }
    return p;
  });
  if (!plan) return std::nullopt;
  const auto& pp = static_cast<const PoolPlan&>(*plan);
  Array result = Array::empty(DType::f32, out.shape);
  memory src(pp.src, onednn_engine(), const_cast<void*>(x.raw()));
  memory dst(pp.dst, onednn_engine(), result.mutable_raw());
  dnnl::stream& s = onednn_stream();
  pp.prim.execute(s, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  s.wait();
  if (!is_max) {
    float scale = 1;
    for (int64_t k : kernel) scale *= static_cast<float>(k);
    float* y = result.mutable_data<float>();
    for (int64_t i = 0, n = result.size(); i < n; ++i) y[i] *= scale;
  }
  ++cpu_backend().counters().pooling;
  return result;
}

}  // namespace engine::cpu
