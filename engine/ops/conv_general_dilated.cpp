// conv_general_dilated with channels-last dimension numbers: input (N, spatial..., C), kernel
// (spatial..., I, O), output (N', spatial..., O); ("NHWC", "HWIO", "NHWC") for 2-D, as Flax lays
// out images and kernels. dimension_numbers is kept as a param (JAX's ConvDimensionNumbers specs:
// lhs_spec, rhs_spec, out_spec) and checked; other layouts are transposed by the caller.
//
// Groups follow XLA: feature_group_count G splits C into G blocks of I = C/G channels, each
// feeding O/G outputs; batch_group_count B splits N into B blocks, each feeding O/B outputs, and
// the output has N/B examples. B only arises from transposing a grouped convolution (JAX's rule).
//
// Bilinear. The transposes are JAX's: for the input, a convolution of the cotangent with the
// spatially reversed, in/out-swapped kernel, lhs_dilation = strides and the padding of
// conv_vjp_lhs_padding; for the kernel, a convolution of the input (batch and feature axes
// swapped) with the cotangent as kernel, rhs_dilation = strides. Batching folds the vmapped axis
// into N (input only), into O (kernel only) or into the groups (both), as JAX's batch rule does.
#include <numeric>

#include "engine/ops/conv_rules.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/linalg_ops.h"
#include "engine/ops/rule_helpers.h"
#include "engine/ops/shape_ops.h"

namespace engine {

namespace {

using P = PrimId;

struct Conv {
  IntList strides;
  IntLists padding;
  IntList lhs_dilation, rhs_dilation;
  int64_t groups = 1, batch_groups = 1;
};

Conv conv_of(const Params& p) {
  return {p.ints("window_strides"), p.get<IntLists>("padding"), p.ints("lhs_dilation"),
          p.ints("rhs_dilation"),   p.i("feature_group_count"), p.i("batch_group_count")};
}

// ConvDimensionNumbers of the channels-last layout for a rank-r operand.
IntLists channels_last_specs(int64_t r) {
  IntList lhs{0, r - 1}, rhs{r - 1, r - 2}, out{0, r - 1};
  for (int64_t i = 1; i < r - 1; ++i) lhs.push_back(i);
  for (int64_t i = 0; i < r - 2; ++i) rhs.push_back(i);
  return {lhs, rhs, lhs};
}

// Params in the order JAX prints them (alphabetical).
Params conv_params(const Conv& c, int64_t rank) {
  return Params{{"batch_group_count", c.batch_groups},
                {"dimension_numbers", channels_last_specs(rank)},
                {"feature_group_count", c.groups},
                {"lhs_dilation", c.lhs_dilation},
                {"padding", c.padding},
                {"precision", std::string("None")},
                {"preferred_element_type", std::string("None")},
                {"rhs_dilation", c.rhs_dilation},
                {"window_strides", c.strides}};
}

Tensor bind_conv(const Tensor& lhs, const Tensor& rhs, const Conv& c) {
  return bind1(P::conv_general_dilated, {lhs, rhs}, conv_params(c, lhs.rank()));
}

Shape spatial(const Shape& s, int64_t from) {
  return Shape(s.begin() + from, s.begin() + from + s.size() - 2);
}

Avals conv_shape(std::span<const Aval> in, const Params& params) {
  const Aval &l = in[0], &r = in[1];
  Conv c = conv_of(params);
  const std::string what =
      "conv_general_dilated of input " + l.str() + " with kernel " + r.str() +
      " (window_strides=" + ints_str(c.strides) + " padding=" + pads_str(c.padding) +
      " lhs_dilation=" + ints_str(c.lhs_dilation) + " rhs_dilation=" + ints_str(c.rhs_dilation) +
      " feature_group_count=" + std::to_string(c.groups) +
      " batch_group_count=" + std::to_string(c.batch_groups) + ")";
  GS_CHECK(l.rank() == r.rank() && l.rank() >= 3,
           what +
               ": input (N, spatial..., C) and kernel (spatial..., I, O) need one equal rank of at "
               "least 3");
  GS_CHECK(l.dtype == r.dtype && is_floating(l.dtype),
           what + ": operands must be floats of one dtype");
  const int64_t rank = l.rank(), S = rank - 2;
  GS_CHECK(params.get<IntLists>("dimension_numbers") == channels_last_specs(rank),
           what + ": only channels-last dimension numbers (NHWC, HWIO, NHWC) are supported");
  GS_CHECK(static_cast<int64_t>(c.strides.size()) == S &&
               static_cast<int64_t>(c.padding.size()) == S &&
               static_cast<int64_t>(c.lhs_dilation.size()) == S &&
               static_cast<int64_t>(c.rhs_dilation.size()) == S,
           what + ": strides, padding and dilations need one entry per spatial axis (" +
               std::to_string(S) + ")");
  for (int64_t i = 0; i < S; ++i) {
    GS_CHECK(c.strides[i] >= 1 && c.lhs_dilation[i] >= 1 && c.rhs_dilation[i] >= 1,
             what + ": strides and dilations must be positive");
    GS_CHECK(c.padding[i].size() == 2, what + ": padding must be (lo, hi) pairs");
  }
  const int64_t N = l.shape[0], C = l.shape[rank - 1], I = r.shape[rank - 2], O = r.shape[rank - 1];
  const int64_t G = c.groups, B = c.batch_groups;
  GS_CHECK(G >= 1 && B >= 1 && (G == 1 || B == 1),
           what + ": group counts must be positive and at most one of them above 1");
  GS_CHECK(C % G == 0 && C / G == I, what + ": the input's " + std::to_string(C) +
                                         " channels with feature_group_count=" + std::to_string(G) +
                                         " need kernel input features " + std::to_string(C / G) +
                                         ", got " + std::to_string(I));
  GS_CHECK(O % G == 0, what + ": kernel output features " + std::to_string(O) +
                           " are not divisible by feature_group_count=" + std::to_string(G));
  GS_CHECK(N % B == 0 && O % B == 0,
           what + ": batch and output features must be divisible by batch_group_count=" +
               std::to_string(B));
  Shape out{N / B};
  for (int64_t i = 0; i < S; ++i) {
    int64_t padded =
        dilate_dim(l.shape[i + 1], c.lhs_dilation[i]) + c.padding[i][0] + c.padding[i][1];
    GS_CHECK(padded >= 0,
             what + ": negative padding larger than spatial axis " + std::to_string(i));
    out.push_back(strided_out_dim(padded, dilate_dim(r.shape[i], c.rhs_dilation[i]), c.strides[i]));
  }
  out.push_back(O);
  return {{out, l.dtype}};
}

// Direct loops in double. For each output pixel, every valid kernel tap adds a (group of) input
// channel rows times kernel rows into a vector of O accumulators (kernel rows are contiguous in O).
std::vector<Array> conv_kernel(std::span<const Array> in, const Params& params,
                               std::span<const Aval> out_avals) {
  Conv c = conv_of(params);
  Array lhs = in[0].astype(DType::f64), rhs = in[1].astype(DType::f64);
  const Shape& ls = lhs.shape();
  const Shape& out_shape = out_avals[0].shape;
  const int64_t rank = lhs.rank(), S = rank - 2;
  const int64_t N = ls[0], C = ls[rank - 1], I = rhs.shape()[rank - 2], O = rhs.shape()[rank - 1];
  const int64_t B = c.batch_groups, G = c.groups, NB = N / B;
  const int64_t blocks = std::max(G, B), O_block = O / blocks;
  Shape in_sp = spatial(ls, 1), k_sp = spatial(rhs.shape(), 0);
  WindowGeometry geo(in_sp, k_sp, c.strides, c.padding, c.lhs_dilation, c.rhs_dilation);
  const Shape& out_sp = geo.out_shape();
  auto in_strides = row_major_strides(in_sp);
  const int64_t in_pixels = shape_size(in_sp), out_pixels = shape_size(out_sp);
  const double* x = lhs.data<double>();
  const double* w = rhs.data<double>();
  std::vector<double> acc(static_cast<size_t>(O));
  Array result = Array::empty(out_avals[0].dtype, out_shape);
  std::vector<double> res(static_cast<size_t>(shape_size(out_shape)));
  const std::vector<int64_t> taps = all_indices(k_sp), pixels = all_indices(out_sp);
  const int64_t n_taps = shape_size(k_sp);
  for (int64_t nb = 0; nb < NB; ++nb) {
    for (int64_t y_flat = 0; y_flat < out_pixels; ++y_flat) {
      const int64_t* y = pixels.data() + y_flat * S;
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t k_flat = 0; k_flat < n_taps; ++k_flat) {
        const int64_t* k = taps.data() + k_flat * S;
        int64_t x_flat = 0;
        bool inside = true;
        for (int64_t a = 0; a < S && inside; ++a) {
          int64_t src = geo.src(a, y[a], k[a]);
          inside = src >= 0;
          x_flat += src * in_strides[a];
        }
        if (!inside) continue;
        for (int64_t g = 0; g < blocks; ++g) {
          const int64_t n = (B > 1 ? g : 0) * NB + nb, c0 = (G > 1 ? g : 0) * I;
          const double* xrow = x + (n * in_pixels + x_flat) * C + c0;
          for (int64_t i = 0; i < I; ++i) {
            const double xv = xrow[i];
            const double* wrow = w + (k_flat * I + i) * O + g * O_block;
            double* a = acc.data() + g * O_block;
            for (int64_t o = 0; o < O_block; ++o) a[o] += xv * wrow[o];
          }
        }
      }
      std::copy(acc.begin(), acc.end(), res.begin() + (nb * out_pixels + y_flat) * O);
    }
  }
  dispatch_dtype(out_avals[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    T* dst = result.mutable_data<T>();
    for (size_t i = 0; i < res.size(); ++i) dst[i] = static_cast<T>(res[i]);
  });
  return {result};
}

std::pair<Tensors, Tensors> conv_jvp(std::span<const Tensor> x, std::span<const Tensor> t,
                                     const Params& params) {
  Tensor out = bind1(P::conv_general_dilated, {x[0], x[1]}, params);
  Tensor ta = t[0].defined() ? bind1(P::conv_general_dilated, {t[0], x[1]}, params) : Tensor();
  Tensor tb = t[1].defined() ? bind1(P::conv_general_dilated, {x[0], t[1]}, params) : Tensor();
  return {{out}, {ta.defined() && tb.defined() ? ta + tb : ta.defined() ? ta : tb}};
}

// jax _reshape_axis_into: merges axis src into axis dst (numbered with src removed), src major.
Tensor reshape_axis_into(int64_t src, int64_t dst, const Tensor& x) {
  IntList perm;
  for (int64_t i = 0; i < x.rank(); ++i)
    if (i != src) perm.push_back(i);
  perm.insert(perm.begin() + dst, src);
  Shape s;
  for (int64_t i = 0; i < x.rank(); ++i)
    if (i != src) s.push_back(x.shape()[i]);
  s[dst] *= x.shape()[src];
  return reshape(transpose(x, perm), s);
}

// jax _reshape_axis_out_of: splits axis src into (size1, rest).
Tensor reshape_axis_out_of(int64_t src, int64_t size1, const Tensor& x) {
  Shape s = x.shape();
  int64_t size2 = s[src] / size1;
  s[src] = size1;
  s.insert(s.begin() + src + 1, size2);
  return reshape(x, s);
}

IntList iota_list(int64_t from, int64_t to) {
  IntList v(static_cast<size_t>(std::max<int64_t>(to - from, 0)));
  std::iota(v.begin(), v.end(), from);
  return v;
}

Tensor transpose_lhs(const Tensor& g, const Tensor& rhs_in, const Aval& lhs_aval, const Conv& c) {
  const int64_t r = rhs_in.rank(), S = r - 2;
  Tensor rhs = rhs_in;
  const int64_t blocks = std::max(c.groups, c.batch_groups);
  // Move the group blocks of O into I, so that the swapped kernel groups its output features.
  if (blocks > 1) rhs = reshape_axis_into(r - 1, r - 2, reshape_axis_out_of(r - 1, blocks, rhs));
  IntList swap_io = iota_list(0, S);
  swap_io.push_back(r - 1);
  swap_io.push_back(r - 2);
  rhs = transpose(rhs, swap_io);
  rhs = bind1(P::rev, {rhs}, Params{{"dimensions", iota_list(0, S)}});
  Conv t{c.lhs_dilation,
         conv_vjp_lhs_padding(spatial(lhs_aval.shape, 1), spatial(rhs_in.shape(), 0), c.strides,
                              spatial(g.shape(), 1), c.padding, c.lhs_dilation, c.rhs_dilation),
         c.strides,
         c.rhs_dilation,
         blocks,
         1};
  Tensor out = bind_conv(g, rhs, t);
  if (c.batch_groups > 1)
    out = reshape_axis_into(r - 1, 0, reshape_axis_out_of(r - 1, c.batch_groups, out));
  return out;
}

Tensor transpose_rhs(const Tensor& g, const Tensor& lhs, const Aval& rhs_aval, const Conv& c) {
  const int64_t r = lhs.rank();
  if (g.size() == 0) return zeros(rhs_aval.shape, rhs_aval.dtype);
  // The input's channels act as the batch and its examples as features; the cotangent is the
  // kernel (I = examples, O = output features). Feature groups become batch groups and back.
  IntList c_first{r - 1}, sp_n_c = iota_list(1, r - 1);
  for (int64_t i = 1; i < r - 1; ++i) c_first.push_back(i);
  c_first.push_back(0);
  sp_n_c.push_back(0);
  sp_n_c.push_back(r - 1);
  Conv t{c.rhs_dilation,
         conv_vjp_rhs_padding(spatial(lhs.shape(), 1), spatial(rhs_aval.shape, 0), c.strides,
                              spatial(g.shape(), 1), c.padding, c.lhs_dilation, c.rhs_dilation),
         c.lhs_dilation,
         c.strides,
         c.batch_groups,
         c.groups};
  Tensor out = bind_conv(transpose(lhs, c_first), transpose(g, sp_n_c), t);  // (I, spatial..., O)
  return transpose(out, sp_n_c);
}

Tensors conv_transpose(std::span<const Tensor> cts, std::span<const Tensor> args,
                       std::span<const Aval> avals, const std::vector<bool>& linear,
                       const Params& params) {
  GS_CHECK(!(linear[0] && linear[1]), "internal: conv_general_dilated transposed in both operands");
  if (!cts[0].defined()) return {Tensor(), Tensor()};
  Conv c = conv_of(params);
  if (linear[0]) return {transpose_lhs(cts[0], args[1], avals[0], c), Tensor()};
  return {Tensor(), transpose_rhs(cts[0], args[0], avals[1], c)};
}

// JAX's _conv_general_dilated_batch_rule specialized to channels-last: with r the unbatched rank,
// N is axis 0 and C axis r-1 of the input, O axis r-1 and I axis r-2 of the kernel.
std::pair<Tensors, std::vector<int>> conv_batch(std::span<const Tensor> args,
                                                std::span<const int> dims, const Params& params) {
  Conv c = conv_of(params);
  const Tensor &lhs = args[0], &rhs = args[1];
  const int64_t ld = dims[0], rd = dims[1];
  const int64_t bs = ld != kNotMapped ? lhs.shape()[ld] : rhs.shape()[rd];
  const int64_t r = ld != kNotMapped ? lhs.rank() - 1 : lhs.rank();
  if (bs == 0) {
    Aval la = lhs.aval(), ra = rhs.aval();
    if (ld != kNotMapped) la.shape.erase(la.shape.begin() + ld);
    if (rd != kNotMapped) ra.shape.erase(ra.shape.begin() + rd);
    Aval o = conv_shape(std::array{la, ra}, params)[0];
    o.shape.insert(o.shape.begin(), 0);
    return {{zeros(o.shape, o.dtype)}, {0}};
  }
  if (ld != kNotMapped && rd != kNotMapped) {
    Conv nc = c;
    Tensor new_lhs;
    if (c.batch_groups > 1) {
      new_lhs = reshape_axis_into(ld, 0, lhs);
      nc.batch_groups *= bs;
    } else {
      new_lhs = reshape_axis_into(ld, r - 1, lhs);
      nc.groups *= bs;
    }
    Tensor out = bind_conv(new_lhs, reshape_axis_into(rd, r - 1, rhs), nc);
    return {{reshape_axis_out_of(r - 1, bs, out)}, {static_cast<int>(r - 1)}};
  }
  if (ld != kNotMapped) {
    Tensor new_lhs;
    if (c.batch_groups == 1) {
      new_lhs = reshape_axis_into(ld, 0, lhs);
    } else {
      new_lhs = reshape_axis_out_of(ld <= 0 ? 1 : 0, c.batch_groups, lhs);
      new_lhs = reshape_axis_into(ld + (ld > 0 ? 1 : 0), 1, new_lhs);
      new_lhs = reshape_axis_into(0, 0, new_lhs);
    }
    return {{reshape_axis_out_of(0, bs, bind_conv(new_lhs, rhs, c))}, {0}};
  }
  if (c.groups == 1 && c.batch_groups == 1) {
    Tensor out = bind_conv(lhs, reshape_axis_into(rd, r - 1, rhs), c);
    return {{reshape_axis_out_of(r - 1, bs, out)}, {static_cast<int>(r - 1)}};
  }
  // Groups must stay outermost in O: split them out, fold the vmapped axis in under them, and
  // undo the same on the output.
  const int64_t gc = std::max(c.groups, c.batch_groups);
  Tensor new_rhs = reshape_axis_out_of(r - 1 + (rd <= r - 1 ? 1 : 0), gc, rhs);
  new_rhs = reshape_axis_into(rd + (r - 1 < rd ? 1 : 0), r, new_rhs);
  new_rhs = reshape_axis_into(r - 1, r - 1, new_rhs);
  Tensor out = bind_conv(lhs, new_rhs, c);
  out = reshape_axis_out_of(r - 1, gc, out);
  out = reshape_axis_out_of(r, bs, out);
  out = reshape_axis_into(r - 1, r, out);
  return {{out}, {static_cast<int>(r - 1)}};
}

}  // namespace

PrimitiveRules conv_general_dilated_rules() {
  return {.id = P::conv_general_dilated,
          .name = "conv_general_dilated",
          .shape = conv_shape,
          .impl = conv_kernel,
          .jvp = conv_jvp,
          .transpose = conv_transpose,
          .batch = conv_batch};
}

Tensor conv_general_dilated(const Tensor& lhs, const Tensor& rhs, IntList window_strides,
                            const Padding& padding, IntList lhs_dilation, IntList rhs_dilation,
                            int64_t feature_group_count, int64_t batch_group_count) {
  GS_CHECK(lhs.rank() >= 3 && rhs.rank() == lhs.rank(),
           "conv_general_dilated: input " + lhs.aval().str() + " and kernel " + rhs.aval().str() +
               " must be (N, spatial..., C) and (spatial..., I, O)");
  const size_t S = static_cast<size_t>(lhs.rank() - 2);
  if (window_strides.empty()) window_strides.assign(S, 1);
  if (lhs_dilation.empty()) lhs_dilation.assign(S, 1);
  if (rhs_dilation.empty()) rhs_dilation.assign(S, 1);
  GS_CHECK(window_strides.size() == S && rhs_dilation.size() == S,
           "conv_general_dilated: window_strides " + ints_str(window_strides) +
               " and rhs_dilation " + ints_str(rhs_dilation) +
               " need one entry per spatial axis of " + lhs.aval().str());
  Shape kernel_sp = spatial(rhs.shape(), 0);
  for (size_t i = 0; i < S; ++i) kernel_sp[i] = dilate_dim(kernel_sp[i], rhs_dilation[i]);
  IntLists pads = padding.resolve(spatial(lhs.shape(), 1), kernel_sp, window_strides);
  return bind_conv(
      lhs, rhs,
      {window_strides, pads, lhs_dilation, rhs_dilation, feature_group_count, batch_group_count});
}

Tensor conv(const Tensor& x, const Tensor& w, IntList strides, const Padding& padding,
            IntList rhs_dilation, int64_t groups) {
  return conv_general_dilated(x, w, std::move(strides), padding, {}, std::move(rhs_dilation),
                              groups, 1);
}

}  // namespace engine
