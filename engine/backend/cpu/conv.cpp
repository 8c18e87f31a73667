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

namespace engine::cpu {

namespace {

using dnnl::memory;
using md = memory::desc;

enum class Form { forward, backward_weights, backward_data };

struct ConvPlan : Plan {
  Form form = Form::forward;
  Reorder in0, in1, out;  // x, w (as the primitive's src/weights or src/diff_dst), result
  dnnl::primitive prim;
};

md any_like(const md& d) { return md(d.dims(), memory::data_type::f32, memory::format_tag::any); }

// Logical dims/strides of the three operands for one formulation; `axes` lists, for each
// logical dim, which row-major axis of the array it is (strides come from there).
md strided(const Shape& shape, const std::vector<int64_t>& axes) {
  auto st = row_major_strides(shape);
  memory::dims dims, strides;
  for (int64_t a : axes) {
    dims.push_back(shape[a]);
    strides.push_back(st[a]);
  }
  return f32_desc(dims, strides);
}

std::shared_ptr<Plan> forward_plan(const Shape& xs, const Shape& ws, const Shape& os,
                                   const memory::dims& strides, const memory::dims& dil,
                                   const memory::dims& pl, const memory::dims& pr, int64_t G) {
  const int64_t S = static_cast<int64_t>(xs.size()) - 2;
  std::vector<int64_t> x_axes{0, S + 1}, o_axes{0, S + 1}, w_axes{S + 1, S};
  for (int64_t i = 0; i < S; ++i) {
    x_axes.push_back(1 + i);
    o_axes.push_back(1 + i);
    w_axes.push_back(i);
  }
  md src = strided(xs, x_axes), dst = strided(os, o_axes), wei = strided(ws, w_axes);
  if (G > 1) {
    // (G, O/G, I, spatial...): the groups are the outer blocks of O, as in XLA.
    memory::dims dims = wei.dims(), st = row_major_strides(ws);
    const int64_t O = dims[0];
    memory::dims gd{G, O / G}, gs{O / G, 1};
    for (size_t i = 1; i < dims.size(); ++i) gd.push_back(dims[i]);
    gs.push_back(st[S]);
    for (int64_t i = 0; i < S; ++i) gs.push_back(st[i]);
    wei = f32_desc(gd, gs);
  }
  using cf = dnnl::convolution_forward;
  auto make_pd = [&](const md& s, const md& d) {
    return cf::primitive_desc(cf::desc(dnnl::prop_kind::forward_inference,
                                       dnnl::algorithm::convolution_direct, s, any_like(wei), d,
                                       strides, dil, pl, pr),
                              onednn_engine());
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
  return p;
}

std::shared_ptr<Plan> backward_weights_plan(const Shape& xs, const Shape& ws, const Shape& os,
                                            const memory::dims& strides, const memory::dims& dil,
                                            const memory::dims& pl) {
  const int64_t S = static_cast<int64_t>(xs.size()) - 2;
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
    const int64_t H = xs[1 + i], K = ws[i], P = os[1 + i];
    pr2.push_back((K - 1) * st2[i] + (P - 1) * strides[i] + 1 - H - pl[i]);
  }
  using cf = dnnl::convolution_forward;
  using bw = dnnl::convolution_backward_weights;
  const auto alg = dnnl::algorithm::convolution_direct;
  cf::primitive_desc hint(cf::desc(dnnl::prop_kind::forward_training, alg, any_like(src),
                                   any_like(diff_w), any_like(diff_dst), st2, dil2, pl2, pr2),
                          onednn_engine());
  bw::primitive_desc pd(
      bw::desc(alg, any_like(src), any_like(diff_w), any_like(diff_dst), st2, dil2, pl2, pr2),
      onednn_engine(), hint);
  auto p = std::make_shared<ConvPlan>();
  p->form = Form::backward_weights;
  p->in0 = Reorder(src, pd.src_desc());
  p->in1 = Reorder(diff_dst, pd.diff_dst_desc());
  p->out = Reorder(pd.diff_weights_desc(), diff_w);
  p->prim = bw(pd);
  return p;
}

std::shared_ptr<Plan> backward_data_plan(const Shape& gs, const Shape& ws, const Shape& os,
                                         const memory::dims& s, const memory::dims& dil,
                                         const memory::dims& pl_t) {
  const int64_t S = static_cast<int64_t>(gs.size()) - 2;
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
    const int64_t span = (ws[i] - 1) * (dil[i] + 1) + 1;
    pl.push_back(span - 1 - pl_t[i]);
    pr.push_back((gs[1 + i] - 1) * s[i] + span - os[1 + i] - pl[i]);
    if (pl[i] < 0 || pr[i] < 0) return nullptr;
  }
  using cf = dnnl::convolution_forward;
  using bd = dnnl::convolution_backward_data;
  const auto alg = dnnl::algorithm::convolution_direct;
  cf::primitive_desc hint(cf::desc(dnnl::prop_kind::forward_training, alg, diff_src,
                                   any_like(wei), diff_dst, s, dil, pl, pr),
                          onednn_engine());
  bd::primitive_desc pd(bd::desc(alg, diff_src, any_like(wei), diff_dst, s, dil, pl, pr),
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

}  // namespace

std::optional<Array> conv(std::span<const Array> in, const Params& params, const Aval& out) {
  const Array &x = in[0], &w = in[1];
  const int64_t S = x.rank() - 2;
  if (x.dtype() != DType::f32 || S < 1 || S > 3) return std::nullopt;
  if (x.size() == 0 || w.size() == 0 || shape_size(out.shape) == 0) return std::nullopt;
  const IntList& lhs_dil = params.ints("lhs_dilation");
  const int64_t G = params.i("feature_group_count");
  if (params.i("batch_group_count") != 1) return std::nullopt;
  bool dilated_input = false;
  for (int64_t v : lhs_dil) dilated_input = dilated_input || v != 1;
  if (dilated_input) {
    if (G != 1) return std::nullopt;
    for (int64_t v : params.ints("window_strides"))
      if (v != 1) return std::nullopt;
  }
  memory::dims strides = params.ints("window_strides"), dil, pl, pr;
  for (int64_t v : params.ints("rhs_dilation")) dil.push_back(v - 1);  // oneDNN counts holes
  for (const IntList& p : params.get<IntLists>("padding")) {
    pl.push_back(p[0]);
    pr.push_back(p[1]);
  }
  for (int64_t i = 0; i < S; ++i)
    if (pl[i] < 0 || pr[i] < 0) return std::nullopt;  // cropping: reference
  // A window larger than the output it slides over is a weight gradient in disguise.
  const int64_t taps = shape_size(Shape(w.shape().begin(), w.shape().begin() + S));
  const int64_t pixels = shape_size(Shape(out.shape.begin() + 1, out.shape.end() - 1));
  const bool as_bwd_weights = !dilated_input && G == 1 && taps > pixels;
  if (dilated_input) strides = lhs_dil;  // the original conv's strides
  std::string key = std::string(dilated_input    ? "conv_bd"
                                : as_bwd_weights ? "conv_bw"
                                                 : "conv_fwd") +
                    key_of(x.shape()) +
                    key_of(w.shape()) + key_of(strides) + key_of(dil) + key_of(pl) + key_of(pr) +
                    "g" + std::to_string(G);
  auto plan = cached_plan(key, [&]() -> std::shared_ptr<Plan> {
    if (dilated_input) {
      try {
        return backward_data_plan(x.shape(), w.shape(), out.shape, strides, dil, pl);
      } catch (const dnnl::error&) {
        return nullptr;
      }
    }
    if (as_bwd_weights) {
      try {
        return backward_weights_plan(x.shape(), w.shape(), out.shape, strides, dil, pl);
      } catch (const dnnl::error&) {
        // e.g. a negative right padding in the swapped roles: the forward form still works
      }
    }
    try {
      return forward_plan(x.shape(), w.shape(), out.shape, strides, dil, pl, pr, G);
    } catch (const dnnl::error&) {
      return nullptr;
    }
  });
  if (!plan) return std::nullopt;
  const auto& cp = static_cast<const ConvPlan&>(*plan);
  Array result = Array::empty(DType::f32, out.shape);
  std::unique_ptr<Scratch> s0, s1;
  memory m0 = primitive_side(cp.in0, const_cast<void*>(x.raw()), s0, true);
  const Array kernel = cp.form == Form::backward_data ? reversed_kernel(w) : w;
  memory m1 = primitive_side(cp.in1, const_cast<void*>(kernel.raw()), s1, true);
  std::unique_ptr<Scratch> s2;
  memory m2 = cp.out.needed ? memory(cp.out.from, onednn_engine(),
                                     (s2 = std::make_unique<Scratch>(cp.out.from.get_size()))->data)
                            : memory(cp.out.from, onednn_engine(), result.mutable_raw());
  dnnl::stream& st = onednn_stream();
  if (cp.form == Form::backward_weights) {
    cp.prim.execute(st, {{DNNL_ARG_SRC, m0}, {DNNL_ARG_DIFF_DST, m1}, {DNNL_ARG_DIFF_WEIGHTS, m2}});
    ++cpu_backend().counters().conv_backward_weights;
  } else if (cp.form == Form::backward_data) {
    cp.prim.execute(st, {{DNNL_ARG_DIFF_DST, m0}, {DNNL_ARG_WEIGHTS, m1}, {DNNL_ARG_DIFF_SRC, m2}});
    ++cpu_backend().counters().conv_backward_data;
  } else {
    cp.prim.execute(st, {{DNNL_ARG_SRC, m0}, {DNNL_ARG_WEIGHTS, m1}, {DNNL_ARG_DST, m2}});
    ++cpu_backend().counters().conv_forward;
  }
  write_back(cp.out, m2, result.mutable_raw());
  st.wait();
  return result;
}

}  // namespace engine::cpu
