// reduce_window_sum / reduce_window_max → oneDNN pooling, for f32 windows over the spatial axes of
// (N, spatial..., C) only (window 1, stride 1 and no padding on N and C; no dilations), as flax's
// avg_pool / max_pool and their batched forms produce.
//  - max: pooling_max; oneDNN never selects padding, as XLA pads with -inf. Windows made only of
//    padding cannot occur because padding smaller than the window is required here.
//  - sum: pooling_avg_include_padding (pads count as zeros, the XLA identity for add) times the
//    window size; one rounding more than a direct sum, well inside float32 tolerance.
//  - the transpose of a sum (reverse mode of avg_pool): a reduce_window_sum of the cotangent
//    with base_dilation = the pool's strides, stride 1 and JAX's transpose padding. That is
//    oneDNN's pooling backward (avg_include_padding) of the original pool, times the window size;
//    the original padding is recovered from the transposed one (lo = k - 1 - lo_t, hi the least
//    that yields the cotangent's extent).
#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cpu/kernels.h"
#include "engine/backend/cpu/onednn_cache.h"

namespace engine::cpu {

namespace {

using dnnl::memory;

struct PoolPlan : Plan {
  memory::desc src, dst;  // for a backward plan: diff_src (the result) and diff_dst
  dnnl::primitive prim;
  bool backward = false;
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
  const IntList base = params.has("base_dilation") ? params.ints("base_dilation") : IntList(r, 1);
  if (params.has("window_dilation"))
    for (int64_t v : params.ints("window_dilation"))
      if (v != 1) return std::nullopt;
  for (int64_t a : {int64_t{0}, r - 1})
    if (dims[a] != 1 || strides[a] != 1 || base[a] != 1 || padding[a][0] != 0 ||
        padding[a][1] != 0)
      return std::nullopt;
  const bool is_max = prim == PrimId::reduce_window_max;
  bool backward = false;
  for (int64_t i = 1; i <= S; ++i) backward = backward || base[i] != 1;
  if (backward && is_max) return std::nullopt;
  // In pooling terms: the forward pool's source is x (or, backward, the result), dst the other.
  const Shape& src_shape = backward ? out.shape : x.shape();
  const Shape& dst_shape = backward ? x.shape() : out.shape;
  memory::dims kernel, st, pl, pr;
  for (int64_t i = 1; i <= S; ++i) {
    const int64_t k = dims[i];
    if (backward && strides[i] != 1) return std::nullopt;
    const int64_t s = backward ? base[i] : strides[i];
    const int64_t lo = backward ? k - 1 - padding[i][0] : padding[i][0];
    const int64_t hi = backward ? (dst_shape[i] - 1) * s + k - src_shape[i] - lo : padding[i][1];
    if (lo < 0 || hi < 0 || lo >= k || hi >= k) return std::nullopt;
    kernel.push_back(k);
    st.push_back(s);
    pl.push_back(lo);
    pr.push_back(hi);
  }
  std::string key = std::string(is_max ? "pool_max" : backward ? "pool_sum_t" : "pool_sum") +
                    key_of(x.shape()) + key_of(kernel) + key_of(st) + key_of(pl) + key_of(pr);
  auto plan = cached_plan(key, [&]() -> std::shared_ptr<Plan> {
    auto p = std::make_shared<PoolPlan>();
    p->backward = backward;
    p->src = nhwc_view(src_shape);
    p->dst = nhwc_view(dst_shape);
    const auto alg =
        is_max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_include_padding;
    using pf = dnnl::pooling_forward;
    using pb = dnnl::pooling_backward;
    const auto kind = backward ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
    try {
      pf::primitive_desc fwd(pf::desc(kind, alg, p->src, p->dst, st, kernel, pl, pr), user_scratchpad(),
                             onednn_engine());
      if (backward)
        p->prim = pb(pb::primitive_desc(pb::desc(alg, p->src, p->dst, st, kernel, pl, pr), user_scratchpad(),
                                        onednn_engine(), fwd));
      else
        p->prim = pf(fwd);
    } catch (const dnnl::error&) {
      return nullptr;
    }
    return p;
  });
  if (!plan) return std::nullopt;
  const auto& pp = static_cast<const PoolPlan&>(*plan);
  Array result = Array::empty(DType::f32, out.shape);
  memory in(backward ? pp.dst : pp.src, onednn_engine(), const_cast<void*>(x.raw()));
  memory res(backward ? pp.src : pp.dst, onednn_engine(), result.mutable_raw());
  if (backward)
    execute(pp.prim, {{DNNL_ARG_DIFF_DST, in}, {DNNL_ARG_DIFF_SRC, res}});
  else
    execute(pp.prim, {{DNNL_ARG_SRC, in}, {DNNL_ARG_DST, res}});
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
