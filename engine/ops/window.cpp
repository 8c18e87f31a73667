// Windowed reductions: reduce_window_sum, reduce_window_max, and the pair that differentiates max
// pooling, select_and_gather_add (JVP: the tangent at each window's argmax) and
// select_and_scatter_add (its transpose: the cotangent scattered back to the argmax), as in JAX's
// windowed_reductions.py. Padding and dilation holes take the reduction's identity; the argmax
// selection (select_prim=ge) keeps the current element while it is >= the next, so the first
// maximum in row-major window order wins, and it never selects padding.
//
// Params (JAX's names, alphabetical as JAX prints them): window_dimensions, window_strides,
// padding ((lo, hi) per axis), base_dilation, window_dilation; select_prim for the selection pair.
#include <array>
#include <cmath>
#include <limits>

#include "engine/ops/elementwise.h"
#include "engine/ops/families.h"
#include "engine/ops/rule_helpers.h"
#include "engine/ops/shape_ops.h"
#include "engine/ops/window_ops.h"

namespace engine {

namespace {

using P = PrimId;

struct Window {
  IntList dims, strides;
  IntLists padding;
  IntList base_dilation, window_dilation;
};

IntList unit_list(size_t n) {
  return IntList(n, 1);
}

Window window_of(const Params& p) {
  Window w{
      p.ints("window_dimensions"), p.ints("window_strides"), p.get<IntLists>("padding"), {}, {}};
  w.base_dilation = p.has("base_dilation") ? p.ints("base_dilation") : unit_list(w.dims.size());
  w.window_dilation =
      p.has("window_dilation") ? p.ints("window_dilation") : unit_list(w.dims.size());
  return w;
}

Params reduce_params(const Window& w) {
  return Params{{"base_dilation", w.base_dilation},
                {"padding", w.padding},
                {"window_dilation", w.window_dilation},
                {"window_dimensions", w.dims},
                {"window_strides", w.strides}};
}
Params scatter_params(const Window& w) {
  return Params{{"padding", w.padding},
                {"select_prim", std::string("ge")},
                {"window_dimensions", w.dims},
                {"window_strides", w.strides}};
}
Params gather_params(const Window& w) {
  return Params{{"base_dilation", w.base_dilation}, {"padding", w.padding},
                {"select_prim", std::string("ge")}, {"window_dilation", w.window_dilation},
                {"window_dimensions", w.dims},      {"window_strides", w.strides}};
}

Shape window_out_shape(const Aval& x, const Window& w, std::string_view prim) {
  const std::string what =
      std::string(prim) + " of " + x.str() + " with window_dimensions=" + ints_str(w.dims) +
      " window_strides=" + ints_str(w.strides) + " padding=" + pads_str(w.padding);
  const size_t r = static_cast<size_t>(x.rank());
  GS_CHECK(w.dims.size() == r && w.strides.size() == r && w.padding.size() == r &&
               w.base_dilation.size() == r && w.window_dilation.size() == r,
           what + ": windows, strides, padding and dilations need one entry per operand axis (" +
               std::to_string(r) + ")");
  GS_CHECK(x.dtype != DType::boolean, what + ": boolean operands are not supported");
  Shape out;
  for (size_t a = 0; a < r; ++a) {
    GS_CHECK(
        w.dims[a] >= 1 && w.strides[a] >= 1 && w.base_dilation[a] >= 1 && w.window_dilation[a] >= 1,
        what + ": window sizes, strides and dilations must be positive");
    GS_CHECK(w.padding[a].size() == 2, what + ": padding must be (lo, hi) pairs");
    int64_t padded = dilate_dim(x.shape[a], w.base_dilation[a]) + w.padding[a][0] + w.padding[a][1];
    GS_CHECK(padded >= 0, what + ": negative padding larger than axis " + std::to_string(a));
    out.push_back(
        strided_out_dim(padded, dilate_dim(w.dims[a], w.window_dilation[a]), w.strides[a]));
  }
  return out;
}

Avals reduce_window_shape(std::span<const Aval> in, const Params& params) {
  return {{window_out_shape(in[0], window_of(params), "reduce_window"), in[0].dtype}};
}

Avals scatter_shape(std::span<const Aval> in, const Params& params) {
  const Aval &source = in[0], &operand = in[1];
  Shape windows = window_out_shape(operand, window_of(params), "select_and_scatter_add");
  GS_CHECK(source.shape == windows && source.dtype == operand.dtype,
           "select_and_scatter_add: source " + source.str() + " must be " +
               std::string(dtype_name(operand.dtype)) + "[" + shape_str(windows) +
               "], one value per window of operand " + operand.str());
  return {{operand.shape, operand.dtype}};
}

Avals gather_shape(std::span<const Aval> in, const Params& params) {
  const Aval &tangents = in[0], &operand = in[1];
  GS_CHECK(tangents.shape == operand.shape && tangents.dtype == operand.dtype,
           "select_and_gather_add: tangents " + tangents.str() + " and operand " + operand.str() +
               " must match");
  return {{window_out_shape(operand, window_of(params), "select_and_gather_add"), operand.dtype}};
}

// Calls fn(flat operand offset) for each real (non-pad, non-hole) tap of output window y, in
// row-major window order. taps is all_indices(window).
template <class F>
void visit_window(const WindowGeometry& geo, const std::vector<int64_t>& taps,
                  const std::vector<int64_t>& y, const std::vector<int64_t>& strides, F fn) {
  const size_t r = y.size();
  for (size_t t = 0; t < taps.size(); t += r) {
    int64_t flat = 0;
    bool inside = true;
    for (size_t a = 0; a < r && inside; ++a) {
      int64_t src = geo.src(a, y[a], taps[t + a]);
      inside = src >= 0;
      flat += src * strides[a];
    }
    if (inside) fn(flat);
  }
}

template <bool IsMax>
std::vector<Array> reduce_window_kernel(std::span<const Array> in, const Params& params,
                                        std::span<const Aval> out) {
  Window w = window_of(params);
  const Array& x = in[0];
  WindowGeometry geo(x.shape(), w.dims, w.strides, w.padding, w.base_dilation, w.window_dilation);
  auto strides = row_major_strides(x.shape());
  const std::vector<int64_t> taps = all_indices(w.dims);
  Array result = Array::empty(out[0].dtype, out[0].shape);
  dispatch_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    // Float sums accumulate in double; integer sums in int64 (wrapping on the cast back).
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double,
                                   std::conditional_t<IsMax, T, int64_t>>;
    Acc init = 0;
    if constexpr (IsMax)
      init = std::numeric_limits<T>::has_infinity
                 ? -std::numeric_limits<Acc>::infinity()
                 : static_cast<Acc>(std::numeric_limits<T>::lowest());
    const T* src = x.data<T>();
    T* dst = result.mutable_data<T>();
    for_each_index(out[0].shape, [&](int64_t o, const std::vector<int64_t>& y) {
      Acc acc = init;
      visit_window(geo, taps, y, strides, [&](int64_t i) {
        Acc v = static_cast<Acc>(src[i]);
        if constexpr (IsMax)
          acc = (v > acc || v != v) ? v : acc;  // NaN propagates, as XLA's max
        else
          acc = static_cast<Acc>(acc + v);
      });
      dst[o] = static_cast<T>(acc);
    });
  });
  return {result};
}

// Calls fn(window flat index, selected operand flat index) for every window that has a real
// element; selection is select_prim=ge: keep the current element while current >= candidate.
template <class F>
void for_each_selection(const Array& operand, const Window& w, const Shape& out_shape, F fn) {
  WindowGeometry geo(operand.shape(), w.dims, w.strides, w.padding, w.base_dilation,
                     w.window_dilation);
  auto strides = row_major_strides(operand.shape());
  const std::vector<int64_t> taps = all_indices(w.dims);
  Array x = operand.astype(DType::f64);
  const double* v = x.data<double>();
  for_each_index(out_shape, [&](int64_t o, const std::vector<int64_t>& y) {
    int64_t sel = -1;
    visit_window(geo, taps, y, strides, [&](int64_t i) {
      if (sel < 0 || !(v[sel] >= v[i])) sel = i;
    });
    if (sel >= 0) fn(o, sel);
  });
}

std::vector<Array> scatter_kernel(std::span<const Array> in, const Params& params,
                                  std::span<const Aval> out) {
  Array source = in[0].astype(DType::f64);
  const double* s = source.data<double>();
  std::vector<double> acc(static_cast<size_t>(shape_size(out[0].shape)), 0.0);
  for_each_selection(in[1], window_of(params), in[0].shape(),
                     [&](int64_t o, int64_t sel) { acc[sel] += s[o]; });
  return {Array::from_vector(acc, out[0].shape).astype(out[0].dtype)};
}

std::vector<Array> gather_kernel(std::span<const Array> in, const Params& params,
                                 std::span<const Aval> out) {
  Array tangents = in[0].astype(DType::f64);
  const double* t = tangents.data<double>();
  std::vector<double> res(static_cast<size_t>(shape_size(out[0].shape)), 0.0);
  for_each_selection(in[1], window_of(params), out[0].shape,
                     [&](int64_t o, int64_t sel) { res[o] = t[sel]; });
  return {Array::from_vector(res, out[0].shape).astype(out[0].dtype)};
}

// ---- JVPs and transposes

std::pair<Tensors, Tensors> reduce_window_max_jvp(std::span<const Tensor> x,
                                                  std::span<const Tensor> t, const Params& params) {
  Tensor out = bind1(P::reduce_window_max, {x[0]}, params);
  if (!t[0].defined()) return {{out}, {Tensor()}};
  return {{out}, {bind1(P::select_and_gather_add, {t[0], x[0]}, gather_params(window_of(params)))}};
}

// Linear in the first operand (source / tangents); the selection by the operand is piecewise
// constant, so the operand's tangent contributes nothing.
template <P Id>
std::pair<Tensors, Tensors> select_jvp(std::span<const Tensor> x, std::span<const Tensor> t,
                                       const Params& params) {
  Tensor out = bind1(Id, {x[0], x[1]}, params);
  if (!t[0].defined()) return {{out}, {Tensor()}};
  return {{out}, {bind1(Id, {t[0], x[1]}, params)}};
}

// JAX's _reduce_window_sum_transpose_rule, with the cotangent's interior padding (stride - 1)
// expressed as base dilation of the transposed reduce_window_sum instead of a pad op.
Tensors reduce_window_sum_transpose(std::span<const Tensor> cts, std::span<const Tensor>,
                                    std::span<const Aval> avals, const std::vector<bool>&,
                                    const Params& params) {
  if (!cts[0].defined()) return {Tensor()};
  Window w = window_of(params);
  IntLists pads = conv_vjp_lhs_padding(avals[0].shape, w.dims, w.strides, cts[0].shape(), w.padding,
                                       w.base_dilation, w.window_dilation);
  Window t{w.dims, w.base_dilation, pads, w.strides, w.window_dilation};
  Tensor result = bind1(P::reduce_window_sum, {cts[0]}, reduce_params(t));
  GS_CHECK(result.shape() == avals[0].shape, "internal: reduce_window_sum transpose gave " +
                                                 result.aval().str() + " for " + avals[0].str());
  return {result};
}

Tensors scatter_transpose(std::span<const Tensor> cts, std::span<const Tensor> args,
                          std::span<const Aval>, const std::vector<bool>& linear,
                          const Params& params) {
  GS_CHECK(!linear[1], "internal: select_and_scatter_add transposed in its operand");
  if (!cts[0].defined()) return {Tensor(), Tensor()};
  return {bind1(P::select_and_gather_add, {cts[0], args[1]}, gather_params(window_of(params))),
          Tensor()};
}

Tensors gather_transpose(std::span<const Tensor> cts, std::span<const Tensor> args,
                         std::span<const Aval>, const std::vector<bool>& linear,
                         const Params& params) {
  GS_CHECK(!linear[1], "internal: select_and_gather_add transposed in its operand");
  if (!cts[0].defined()) return {Tensor(), Tensor()};
  Window w = window_of(params);
  for (size_t a = 0; a < w.dims.size(); ++a)
    GS_CHECK(w.base_dilation[a] == 1 && w.window_dilation[a] == 1,
             "the gradient of max pooling with dilation is not implemented (base_dilation=" +
                 ints_str(w.base_dilation) + " window_dilation=" + ints_str(w.window_dilation) +
                 ")");
  return {bind1(P::select_and_scatter_add, {cts[0], args[1]}, scatter_params(w)), Tensor()};
}

// ---- batching: the vmapped axis gets a window of 1 (JAX's _reduce_window_batch_rule).

Window with_unit_axis(Window w, size_t at) {
  w.dims.insert(w.dims.begin() + at, 1);
  w.strides.insert(w.strides.begin() + at, 1);
  w.padding.insert(w.padding.begin() + at, IntList{0, 0});
  w.base_dilation.insert(w.base_dilation.begin() + at, 1);
  w.window_dilation.insert(w.window_dilation.begin() + at, 1);
  return w;
}

template <P Id>
std::pair<Tensors, std::vector<int>> reduce_window_batch(std::span<const Tensor> a,
                                                         std::span<const int> d,
                                                         const Params& params) {
  Window w = with_unit_axis(window_of(params), static_cast<size_t>(d[0]));
  return {{bind1(Id, {a[0]}, reduce_params(w))}, {d[0]}};
}

Tensor batch_at_front(const Tensor& x, int dim, int64_t size) {
  if (dim != kNotMapped) return move_batch_axis_to_front(x, dim);
  Shape s{size};
  s.insert(s.end(), x.shape().begin(), x.shape().end());
  IntList dims;
  for (int i = 0; i < x.rank(); ++i) dims.push_back(i + 1);
  return broadcast_in_dim(x, s, dims);
}

template <P Id>
std::pair<Tensors, std::vector<int>> select_batch(std::span<const Tensor> a, std::span<const int> d,
                                                  const Params& params) {
  int64_t size = d[0] != kNotMapped ? a[0].shape()[d[0]] : a[1].shape()[d[1]];
  Window w = with_unit_axis(window_of(params), 0);
  Params p = Id == P::select_and_scatter_add ? scatter_params(w) : gather_params(w);
  return {{bind1(Id, {batch_at_front(a[0], d[0], size), batch_at_front(a[1], d[1], size)}, p)},
          {0}};
}

const std::array kWindowRules = {
    PrimitiveRules{.id = P::reduce_window_sum,
                   .name = "reduce_window_sum",
                   .shape = reduce_window_shape,
                   .impl = reduce_window_kernel<false>,
                   .jvp = linear_jvp_rule<P::reduce_window_sum>,
                   .transpose = reduce_window_sum_transpose,
                   .batch = reduce_window_batch<P::reduce_window_sum>},
    PrimitiveRules{.id = P::reduce_window_max,
                   .name = "reduce_window_max",
                   .shape = reduce_window_shape,
                   .impl = reduce_window_kernel<true>,
                   .jvp = reduce_window_max_jvp,
                   .batch = reduce_window_batch<P::reduce_window_max>,
                   .missing_reason = "not linear"},
    PrimitiveRules{.id = P::select_and_scatter_add,
                   .name = "select_and_scatter_add",
                   .shape = scatter_shape,
                   .impl = scatter_kernel,
                   .jvp = select_jvp<P::select_and_scatter_add>,
                   .transpose = scatter_transpose,
                   .batch = select_batch<P::select_and_scatter_add>},
    PrimitiveRules{.id = P::select_and_gather_add,
                   .name = "select_and_gather_add",
                   .shape = gather_shape,
                   .impl = gather_kernel,
                   .jvp = select_jvp<P::select_and_gather_add>,
                   .transpose = gather_transpose,
                   .batch = select_batch<P::select_and_gather_add>},
};

Window make_window(const Tensor& x, IntList dims, IntList strides, const Padding& padding,
                   IntList base_dilation, IntList window_dilation) {
  const size_t r = static_cast<size_t>(x.rank());
  if (strides.empty()) strides = unit_list(r);
  if (base_dilation.empty()) base_dilation = unit_list(r);
  if (window_dilation.empty()) window_dilation = unit_list(r);
  GS_CHECK(dims.size() == r && strides.size() == r && window_dilation.size() == r,
           "reduce_window: window_dimensions " + ints_str(dims) + " and window_strides " +
               ints_str(strides) + " need one entry per axis of " + x.aval().str());
  Shape dilated(r);
  for (size_t a = 0; a < r; ++a) dilated[a] = dilate_dim(dims[a], window_dilation[a]);
  IntLists pads = padding.resolve(x.shape(), dilated, strides);
  return {std::move(dims), std::move(strides), std::move(pads), std::move(base_dilation),
          std::move(window_dilation)};
}

// Flax's pool(): (batch..., spatial..., C) with the batch axes flattened into one, windows of 1
// on the batch and feature axes.
Tensor pool(P prim, const Tensor& x, const IntList& window_shape, IntList strides,
            const Padding& padding) {
  const int64_t S = static_cast<int64_t>(window_shape.size());
  GS_CHECK(x.rank() >= S + 1, (prim == P::reduce_window_max ? "max_pool" : "avg_pool") +
                                  std::string(": input ") + x.aval().str() +
                                  " needs (batch..., spatial..., features) for window " +
                                  ints_str(window_shape));
  if (strides.empty()) strides = unit_list(S);
  GS_CHECK(
      static_cast<int64_t>(strides.size()) == S,
      "pooling: strides " + ints_str(strides) + " do not match window " + ints_str(window_shape));
  Shape inner(x.shape().end() - (S + 1), x.shape().end());
  int64_t batch = shape_size(Shape(x.shape().begin(), x.shape().end() - (S + 1)));
  Shape flat{batch};
  flat.insert(flat.end(), inner.begin(), inner.end());
  IntList dims{1}, st{1};
  dims.insert(dims.end(), window_shape.begin(), window_shape.end());
  st.insert(st.end(), strides.begin(), strides.end());
  dims.push_back(1);
  st.push_back(1);
  Padding full = padding;
  if (padding.mode.empty()) {
    full.pairs = {{0, 0}};
    full.pairs.insert(full.pairs.end(), padding.pairs.begin(), padding.pairs.end());
    full.pairs.push_back({0, 0});
  }
  Tensor xf = reshape(x, flat);
  Window w = make_window(xf, dims, st, full, {}, {});
  Tensor y = bind1(prim, {xf}, reduce_params(w));
  Shape out(x.shape().begin(), x.shape().end() - (S + 1));
  out.insert(out.end(), y.shape().begin() + 1, y.shape().end());
  return reshape(y, out);
}

}  // namespace

std::span<const PrimitiveRules> window_rules() {
  return kWindowRules;
}

Tensor reduce_window_sum(const Tensor& x, IntList window_dimensions, IntList window_strides,
                         const Padding& padding, IntList base_dilation, IntList window_dilation) {
  Window w =
      make_window(x, window_dimensions, window_strides, padding, base_dilation, window_dilation);
  return bind1(P::reduce_window_sum, {x}, reduce_params(w));
}

Tensor reduce_window_max(const Tensor& x, IntList window_dimensions, IntList window_strides,
                         const Padding& padding, IntList base_dilation, IntList window_dilation) {
  Window w =
      make_window(x, window_dimensions, window_strides, padding, base_dilation, window_dilation);
  return bind1(P::reduce_window_max, {x}, reduce_params(w));
}

Tensor select_and_scatter_add(const Tensor& source, const Tensor& operand,
                              IntList window_dimensions, IntList window_strides, IntLists padding) {
  Window w{std::move(window_dimensions), std::move(window_strides), std::move(padding), {}, {}};
  if (w.strides.empty()) w.strides = unit_list(w.dims.size());
  w.base_dilation = w.window_dilation = unit_list(w.dims.size());
  return bind1(P::select_and_scatter_add, {source, operand}, scatter_params(w));
}

Tensor select_and_gather_add(const Tensor& tangents, const Tensor& operand,
                             IntList window_dimensions, IntList window_strides, IntLists padding,
                             IntList base_dilation, IntList window_dilation) {
  Window w{std::move(window_dimensions), std::move(window_strides), std::move(padding),
           std::move(base_dilation), std::move(window_dilation)};
  if (w.strides.empty()) w.strides = unit_list(w.dims.size());
  if (w.base_dilation.empty()) w.base_dilation = unit_list(w.dims.size());
  if (w.window_dilation.empty()) w.window_dilation = unit_list(w.dims.size());
  return bind1(P::select_and_gather_add, {tangents, operand}, gather_params(w));
}

Tensor avg_pool(const Tensor& x, const IntList& window_shape, IntList strides,
                const Padding& padding) {
  Tensor xf = is_floating(x.dtype()) ? x : astype(x, DType::f32);
  int64_t size = 1;
  for (int64_t k : window_shape) size *= k;
  return pool(P::reduce_window_sum, xf, window_shape, std::move(strides), padding) /
         static_cast<double>(size);
}

Tensor max_pool(const Tensor& x, const IntList& window_shape, IntList strides,
                const Padding& padding) {
  return pool(P::reduce_window_max, x, window_shape, std::move(strides), padding);
}

}  // namespace engine
