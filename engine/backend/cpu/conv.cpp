// conv_general_dilated (channels-last: input (N, spatial..., C), kernel (spatial..., I, O)) on
// oneDNN for f32 with batch_group_count 1; the weight gradient of a grouped conv (batch groups),
// negative padding and grouped or strided-window lhs-dilated convs go to the reference kernel.
//
// Three formulations of the same sum out[b, p, o] = sum_{n, k} x[b, p*s + k*d - lo, n] * w[k, n, o]:
//  - convolution forward: src x (NHWC), weights w (HWIO, reordered into oneDNN's blocked layout),
//    dst out (NHWC). Right when the window is small next to the output, as in a model's layers.
//  - convolution backward-weights (ungrouped only), reading the roles the other way round: src is
//    x with batch and channel axes swapped (mb=n, ic=b), diff_dst is w (mb=n, oc=o, spatial=k),
//    diff_weights is out (oc=o, ic=b, spatial=p), with stride d, dilation s and the right padding
//    that makes k's extent come out. JAX's transpose rule for the kernel emits exactly such a conv
//    (input with N and C swapped, the cotangent as a window as large as the image, output the
//    size of the kernel), which is what backward-weights kernels are built for.
//  - convolution backward-data, for lhs_dilation s > 1 (ungrouped, window stride 1): JAX's input
//    gradient of a stride-s conv, i.e. a conv of the s-dilated cotangent with the spatially
//    reversed, in/out-swapped kernel. The kernel is un-reversed by one copy (reversing every
//    spatial axis reverses the flat spatial index); the original padding is lo = (K-1)*d - lo_t
//    and the least hi that yields the input's extent.
// All take the operands through strided memory descriptors and reorder them into the layouts
// the primitive picked; the reorders are part of the cached plan.
#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cpu/kernels.h"
#include "engine/backend/cpu/onednn_cache.h"
#include "engine/backend/cpu/post_ops.h"
#include "engine/core/simd_dispatch.h"

namespace engine::cpu {

namespace {

using dnnl::memory;
using md = memory::desc;

enum class Form { forward, backward_weights, backward_data };

struct ConvPlan : Plan {
  Form form = Form::forward;
  Reorder in0, in1, out;  // x, w (as the primitive's src/weights or src/diff_dst), result
  dnnl::primitive prim;
  std::vector<PostOpBinding> bindings;  // a forward conv's epilogue operands
};

md any_like(const md& d) { return md(d.dims(), memory::data_type::f32, memory::format_tag::any); }

// An operand as the primitive sees it: the logical (row-major) shape of the jaxpr value and
// the strides of each of its axes in the storage it is read from or written to. A transpose
// folded into the conv (prepare_conv) is only other strides here, and oneDNN's reorder into its
// blocked layout, needed anyway, reads or writes them at no extra pass.
struct View {
  Shape shape;
  std::vector<int64_t> strides;
};

// transpose(a, perm) over a's row-major storage; an empty perm is a itself.
View input_view(const Shape& a, const IntList& perm) {
  auto st = row_major_strides(a);
  if (perm.empty()) return {a, st};
  View v;
  for (int64_t p : perm) {
    v.shape.push_back(a[p]);
    v.strides.push_back(st[p]);
  }
  return v;
}

// A result c stored as r = transpose(c, perm) in r's row-major storage: c's axis perm[j] is r's j.
View output_view(const Shape& r, const IntList& perm) {
  auto st = row_major_strides(r);
  if (perm.empty()) return {r, st};
  View v{Shape(r.size()), std::vector<int64_t>(r.size())};
  for (size_t j = 0; j < perm.size(); ++j) {
    v.shape[perm[j]] = r[j];
    v.strides[perm[j]] = st[j];
  }
  return v;
}

// Logical dims/strides of an operand for one formulation; `axes` lists, for each logical dim
// of the primitive, which axis of the view it is.
md strided(const View& v, const std::vector<int64_t>& axes) {
  memory::dims dims, strides;
  for (int64_t a : axes) {
    dims.push_back(v.shape[a]);
    strides.push_back(v.strides[a]);
  }
  return f32_desc(dims, strides);
}

// The spatial and channel axes of a channels-last result as oneDNN's (N, C, spatial...) dims.
std::vector<int64_t> nc_spatial_axes(int64_t S) {
  std::vector<int64_t> axes{0, S + 1};
  for (int64_t i = 0; i < S; ++i) axes.push_back(1 + i);
  return axes;
}

// `ops` run as post-ops on the result, reading the operands of `bindings`.
std::shared_ptr<Plan> forward_plan(const View& xs, const View& ws, const View& os,
                                   const memory::dims& strides, const memory::dims& dil,
                                   const memory::dims& pl, const memory::dims& pr, int64_t G,
                                   const dnnl::post_ops& ops, std::vector<PostOpBinding> bindings) {
  const int64_t S = static_cast<int64_t>(xs.shape.size()) - 2;
  std::vector<int64_t> w_axes{S + 1, S};
  for (int64_t i = 0; i < S; ++i) w_axes.push_back(i);
  md src = strided(xs, nc_spatial_axes(S)), dst = strided(os, nc_spatial_axes(S)), wei = strided(ws, w_axes);
  if (G > 1) {
    // (G, O/G, I, spatial...): the groups are the outer blocks of O, as in XLA.
    memory::dims dims = wei.dims(), st = ws.strides;
    const int64_t O = dims[0];
    memory::dims gd{G, O / G}, gs{O / G, 1};
    for (size_t i = 1; i < dims.size(); ++i) gd.push_back(dims[i]);
    gs.push_back(st[S]);
    for (int64_t i = 0; i < S; ++i) gs.push_back(st[i]);
    wei = f32_desc(gd, gs);
  }
  dnnl::primitive_attr attr = user_scratchpad();
  attr.set_post_ops(ops);
  using cf = dnnl::convolution_forward;
  auto make_pd = [&](const md& s, const md& d) {
    return cf::primitive_desc(cf::desc(dnnl::prop_kind::forward_inference,
                                       dnnl::algorithm::convolution_direct, s, any_like(wei), d,
                                       strides, dil, pl, pr),
                              attr, onednn_engine());
  };
  cf::primitive_desc pd;
  try {
    pd = make_pd(src, dst);  // the user's NHWC as is: no reorder of activations
  } catch (const dnnl::error&) {
    pd = make_pd(any_like(src), any_like(dst));
  }
  auto p = std::make_shared<ConvPlan>();
  p->in0 = Reorder(src, pd.src_desc());
  p->in1 = Reorder(wei, pd.weights_desc());
  p->out = Reorder(pd.dst_desc(), dst);
  p->prim = cf(pd);
  p->bindings = std::move(bindings);
  return p;
}

std::shared_ptr<Plan> backward_weights_plan(const View& xs, const View& ws, const View& os,
                                            const memory::dims& strides, const memory::dims& dil,
                                            const memory::dims& pl) {
  const int64_t S = static_cast<int64_t>(xs.shape.size()) - 2;
  std::vector<int64_t> x_axes{S + 1, 0}, w_axes{S, S + 1}, o_axes{S + 1, 0};
  for (int64_t i = 0; i < S; ++i) {
    x_axes.push_back(1 + i);
    w_axes.push_back(i);
    o_axes.push_back(1 + i);
  }
  md src = strided(xs, x_axes), diff_dst = strided(ws, w_axes), diff_w = strided(os, o_axes);
  // Roles swapped: the forward conv's window dilation is the stride here and vice versa.
  memory::dims st2, dil2, pl2 = pl, pr2;
  for (int64_t i = 0; i < S; ++i) {
    st2.push_back(dil[i] + 1);
    dil2.push_back(strides[i] - 1);
    const int64_t H = xs.shape[1 + i], K = ws.shape[i], P = os.shape[1 + i];
    pr2.push_back((K - 1) * st2[i] + (P - 1) * strides[i] + 1 - H - pl[i]);
  }
  using cf = dnnl::convolution_forward;
  using bw = dnnl::convolution_backward_weights;
  const auto alg = dnnl::algorithm::convolution_direct;
  auto make_pd = [&](const md& s, const md& dd) {
    cf::primitive_desc hint(cf::desc(dnnl::prop_kind::forward_training, alg, s, any_like(diff_w), dd,
                                     st2, dil2, pl2, pr2),
                            onednn_engine());
    return bw::primitive_desc(bw::desc(alg, s, any_like(diff_w), dd, st2, dil2, pl2, pr2), user_scratchpad(),
                              onednn_engine(), hint);
  };
  // Without AVX-512, first the blocked layouts oneDNN picks (nChw8c) where both operands get
  // channel blocks without padding: its AVX2 blocked backward-weights kernel beats the
  // channels-last one even with the two reorders it costs (bench_cnn, CNN's conv2, 2 threads:
  // 5.1 -> 4.1 ms a step). With AVX-512 the channels-last kernel is the faster (2.0 vs 2.3 ms).
  // Elsewhere the operands as they are (channels-last, no reorder): a 1-channel input padded to
  // a block of 8 made the first layer's weight gradient 8 times the work, and with an unblocked
  // input only the cotangent's reorder would remain, for nothing. Blocked after all where only
  // the reference implements channels-last.
  auto is_ref = [](const bw::primitive_desc& q) { return std::string(q.impl_info_str()).rfind("ref", 0) == 0; };
  auto blocked_unpadded = [](const md& picked, const md& user) {
    size_t dense = sizeof(float);
    for (auto d : user.dims()) dense *= static_cast<size_t>(d);
    return picked.data.format_kind == dnnl_blocked && picked.data.format_desc.blocking.inner_nblks > 0 &&
           picked.get_size() == dense;
  };
  bw::primitive_desc pd;
  bool have = false;
  if (simd_level() != SimdLevel::avx512) {
    try {
      pd = make_pd(any_like(src), any_like(diff_dst));
      have = !is_ref(pd) && blocked_unpadded(pd.src_desc(), src) && blocked_unpadded(pd.diff_dst_desc(), diff_dst);
    } catch (const dnnl::error&) {
    }
  }
  if (!have) {
    try {
      pd = make_pd(src, diff_dst);
      if (is_ref(pd)) pd = make_pd(any_like(src), any_like(diff_dst));
    } catch (const dnnl::error&) {
      pd = make_pd(any_like(src), any_like(diff_dst));
    }
  }
  auto p = std::make_shared<ConvPlan>();
  p->form = Form::backward_weights;
  p->in0 = Reorder(src, pd.src_desc());
  p->in1 = Reorder(diff_dst, pd.diff_dst_desc());
  p->out = Reorder(pd.diff_weights_desc(), diff_w);
  p->prim = bw(pd);
  return p;
}

std::shared_ptr<Plan> backward_data_plan(const View& gs, const View& ws, const View& os,
                                         const memory::dims& s, const memory::dims& dil,
                                         const memory::dims& pl_t) {
  const int64_t S = static_cast<int64_t>(gs.shape.size()) - 2;
  std::vector<int64_t> g_axes{0, S + 1}, w_axes{S, S + 1}, o_axes{0, S + 1};
  for (int64_t i = 0; i < S; ++i) {
    g_axes.push_back(1 + i);
    w_axes.push_back(i);
    o_axes.push_back(1 + i);
  }
  // (K..., O, C) un-reversed is the original kernel as (oc=O, ic=C, K...).
  md diff_dst = strided(gs, g_axes), wei = strided(ws, w_axes), diff_src = strided(os, o_axes);
  memory::dims pl, pr;
  for (int64_t i = 0; i < S; ++i) {
    const int64_t span = (ws.shape[i] - 1) * (dil[i] + 1) + 1;
    pl.push_back(span - 1 - pl_t[i]);
    pr.push_back((gs.shape[1 + i] - 1) * s[i] + span - os.shape[1 + i] - pl[i]);
    if (pl[i] < 0 || pr[i] < 0) return nullptr;
  }
  using cf = dnnl::convolution_forward;
  using bd = dnnl::convolution_backward_data;
  const auto alg = dnnl::algorithm::convolution_direct;
  cf::primitive_desc hint(cf::desc(dnnl::prop_kind::forward_training, alg, diff_src,
                                   any_like(wei), diff_dst, s, dil, pl, pr),
                          onednn_engine());
  bd::primitive_desc pd(bd::desc(alg, diff_src, any_like(wei), diff_dst, s, dil, pl, pr), user_scratchpad(),
                        onednn_engine(), hint);
  auto p = std::make_shared<ConvPlan>();
  p->form = Form::backward_data;
  p->in0 = Reorder(diff_dst, pd.diff_dst_desc());
  p->in1 = Reorder(wei, pd.weights_desc());
  p->out = Reorder(pd.diff_src_desc(), diff_src);
  p->prim = bd(pd);
  return p;
}

// The kernel with every spatial axis reversed: spatial blocks of I*O floats in reverse order.
Array reversed_kernel(const Array& w) {
  const int64_t block = w.shape()[w.rank() - 2] * w.shape()[w.rank() - 1];
  const int64_t taps = w.size() / block;
  Array out = Array::empty(DType::f32, w.shape());
  const float* src = w.data<float>();
  float* dst = out.mutable_data<float>();
  for (int64_t t = 0; t < taps; ++t)
    std::copy(src + (taps - 1 - t) * block, src + (taps - t) * block, dst + t * block);
  return out;
}


// The plan for one conv over operand views (nullptr: no oneDNN kernel for this case). The
// kernel view must be row-major for backward-data, whose kernel is reversed by block copies.
std::shared_ptr<const Plan> conv_plan(const View& x, const View& w, const View& out, const Params& params,
                                      bool w_row_major, std::span<const EpilogueOp> tail = {}) {
  const int64_t S = static_cast<int64_t>(x.shape.size()) - 2;
  if (S < 1 || S > 3) return nullptr;
  if (shape_size(x.shape) == 0 || shape_size(w.shape) == 0 || shape_size(out.shape) == 0) return nullptr;
  const IntList& lhs_dil = params.ints("lhs_dilation");
  const int64_t G = params.i("feature_group_count");
  if (params.i("batch_group_count") != 1) return nullptr;
  bool dilated_input = false;
  for (int64_t v : lhs_dil) dilated_input = dilated_input || v != 1;
  if (dilated_input) {
    if (G != 1 || !w_row_major) return nullptr;
    for (int64_t v : params.ints("window_strides"))
      if (v != 1) return nullptr;
  }
  memory::dims strides = params.ints("window_strides"), dil, pl, pr;
  for (int64_t v : params.ints("rhs_dilation")) dil.push_back(v - 1);  // oneDNN counts holes
  for (const IntList& p : params.get<IntLists>("padding")) {
    pl.push_back(p[0]);
    pr.push_back(p[1]);
  }
  for (int64_t i = 0; i < S; ++i)
    if (pl[i] < 0 || pr[i] < 0) return nullptr;  // cropping: reference
  // A window larger than the output it slides over is a weight gradient in disguise.
  const int64_t taps = shape_size(Shape(w.shape.begin(), w.shape.begin() + S));
  const int64_t pixels = shape_size(Shape(out.shape.begin() + 1, out.shape.end() - 1));
  const bool as_bwd_weights = !dilated_input && G == 1 && taps > pixels;
  if (!tail.empty() && (dilated_input || as_bwd_weights)) return nullptr;  // post-ops: forward only
  if (dilated_input) strides = lhs_dil;  // the original conv's strides
  std::string key = std::string(dilated_input    ? "conv_bd"
                                : as_bwd_weights ? "conv_bw"
                                                 : "conv_fwd") +
                    key_of(x.shape) + key_of(x.strides) + key_of(w.shape) + key_of(w.strides) +
                    key_of(out.strides) + key_of(strides) + key_of(dil) + key_of(pl) + key_of(pr) +
                    "g" + std::to_string(G);
  dnnl::post_ops ops;
  std::vector<PostOpBinding> bindings;
  if (!tail.empty()) {
    // Rows (a bias, BatchNorm's statistics) repeat along the stored last axis: the channels,
    // unless a folded transpose stores the result in another order.
    const bool channels_last = out.strides[S + 1] == 1;
    if (!append_post_ops(tail, {strided(out, nc_spatial_axes(S)), channels_last ? 1 : -1}, false, ops, bindings,
                         key))
      return nullptr;
  }
  return cached_plan(key, [&]() -> std::shared_ptr<Plan> {
    if (dilated_input) {
      try {
        return backward_data_plan(x, w, out, strides, dil, pl);
      } catch (const dnnl::error&) {
        return nullptr;
      }
    }
    if (as_bwd_weights) {
      try {
        return backward_weights_plan(x, w, out, strides, dil, pl);
      } catch (const dnnl::error&) {
        // e.g. a negative right padding in the swapped roles: the forward form still works
      }
    }
    try {
      return forward_plan(x, w, out, strides, dil, pl, pr, G, ops, bindings);
    } catch (const dnnl::error&) {
      return nullptr;
    }
  });
}

// Runs a plan on the operands' storage, writing a new array of the result's stored shape;
// operands[k] is the array of the post-op binding k.
Array run_conv(const ConvPlan& cp, const Array& x, const Array& w, const Shape& result_shape,
               std::span<const Array* const> operands = {}) {
  Array result = Array::empty(DType::f32, result_shape);
  std::unique_ptr<Scratch> s0, s1;
  memory m0 = primitive_side(cp.in0, const_cast<void*>(x.raw()), s0, true);
  const Array kernel = cp.form == Form::backward_data ? reversed_kernel(w) : w;
  memory m1 = primitive_side(cp.in1, const_cast<void*>(kernel.raw()), s1, true);
  std::unique_ptr<Scratch> s2;
  memory m2 = cp.out.needed ? memory(cp.out.from, onednn_engine(),
                                     (s2 = std::make_unique<Scratch>(cp.out.from.get_size()))->data)
                            : memory(cp.out.from, onednn_engine(), result.mutable_raw());
  if (cp.form == Form::backward_weights) {
    execute(cp.prim, {{DNNL_ARG_SRC, m0}, {DNNL_ARG_DIFF_DST, m1}, {DNNL_ARG_DIFF_WEIGHTS, m2}});
    ++cpu_backend().counters().conv_backward_weights;
  } else if (cp.form == Form::backward_data) {
    execute(cp.prim, {{DNNL_ARG_DIFF_DST, m0}, {DNNL_ARG_WEIGHTS, m1}, {DNNL_ARG_DIFF_SRC, m2}});
    ++cpu_backend().counters().conv_backward_data;
  } else {
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, m0}, {DNNL_ARG_WEIGHTS, m1}, {DNNL_ARG_DST, m2}};
    add_post_op_args(cp.bindings, operands, args);
    execute(cp.prim, std::move(args));
    ++cpu_backend().counters().conv_forward;
  }
  write_back(cp.out, m2, result.mutable_raw());
  return result;
}

class PreparedConv final : public PreparedKernel {
 public:
  PreparedConv(std::shared_ptr<const Plan> plan, Shape result, std::span<const EpilogueOp> tail = {})
      : plan_(std::move(plan)), result_(std::move(result)), operands_(tail) {}
  std::vector<Array> run(std::span<const Array> inputs) const override {
    const auto& plan = static_cast<const ConvPlan&>(*plan_);
    return {run_conv(plan, inputs[0], inputs[1], result_, operands_.of(plan.bindings, inputs))};
  }

 private:
  std::shared_ptr<const Plan> plan_;
  Shape result_;
  PostOpOperands operands_;
};

}  // namespace

std::optional<Array> conv(std::span<const Array> in, const Params& params, const Aval& out) {
  const Array &x = in[0], &w = in[1];
  if (x.dtype() != DType::f32) return std::nullopt;
  auto plan = conv_plan(input_view(x.shape(), {}), input_view(w.shape(), {}), output_view(out.shape, {}),
                        params, true);
  if (!plan) return std::nullopt;
  return run_conv(static_cast<const ConvPlan&>(*plan), x, w, out.shape);
}

std::unique_ptr<PreparedKernel> prepare_conv(std::span<const Aval> in, std::span<const IntList> in_perms,
                                             const Params& params, const Aval& out, const IntList& out_perm) {
  if (in[0].dtype != DType::f32 || in[1].dtype != DType::f32) return nullptr;
  const View x = input_view(in[0].shape, in_perms[0]), w = input_view(in[1].shape, in_perms[1]);
  Shape stored = out.shape;
  for (size_t j = 0; j < out_perm.size(); ++j) stored[j] = out.shape[out_perm[j]];
  auto plan = conv_plan(x, w, output_view(stored, out_perm), params, in_perms[1].empty());
  if (!plan) return nullptr;
  return std::make_unique<PreparedConv>(std::move(plan), stored);
}

std::unique_ptr<PreparedKernel> prepare_conv_with_epilogue(std::span<const Aval> in, const Params& params,
                                                           const Aval& out, std::span<const EpilogueOp> tail) {
  if (in[0].dtype != DType::f32 || in[1].dtype != DType::f32) return nullptr;
  auto plan = conv_plan(input_view(in[0].shape, {}), input_view(in[1].shape, {}), output_view(out.shape, {}),
                        params, true, tail);
  if (!plan) return nullptr;
  return std::make_unique<PreparedConv>(std::move(plan), out.shape, tail);
}


}  // namespace engine::cpu
