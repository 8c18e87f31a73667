// Reductions: reduce_sum/max/min/prod over a set of axes, and argmax/argmin along one axis, plus
// the composites built on them (mean, var, logsumexp, softmax).
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "engine/ops/elementwise.h"
#include "engine/ops/indexing_ops.h"
#include "engine/ops/families.h"
#include "engine/ops/reduction_ops.h"
#include "engine/ops/rule_helpers.h"
#include "engine/ops/scalar_math.h"
#include "engine/ops/shape_ops.h"

namespace engine {

IntList normalize_axes(const IntList& axes, int rank, const char* what) {
  IntList out;
  for (int64_t a : axes) out.push_back(normalize_axis(a, rank, what));
  std::sort(out.begin(), out.end());
  GS_CHECK(std::adjacent_find(out.begin(), out.end()) == out.end(),
           std::string(what) + ": repeated axis");
  return out;
}

namespace {

using P = PrimId;

Shape reduced_shape(const Shape& s, const IntList& axes) {
  Shape out;
  for (int i = 0; i < static_cast<int>(s.size()); ++i)
    if (!contains(axes, i)) out.push_back(s[i]);
  return out;
}

Avals reduce_shape(std::span<const Aval> in, const Params& params) {
  const IntList& axes = params.ints("axes");
  for (int64_t a : axes)
    GS_CHECK(a >= 0 && a < in[0].rank(), "reduction axis " + std::to_string(a) +
                                             " out of range for " + in[0].str());
  return {{reduced_shape(in[0].shape, axes), in[0].dtype}};
}

Avals arg_reduce_shape(std::span<const Aval> in, const Params& params) {
  const IntList& axes = params.ints("axes");
  GS_CHECK(axes.size() == 1 && axes[0] >= 0 && axes[0] < in[0].rank(),
           "argmax/argmin need one axis within the rank of " + in[0].str());
  GS_CHECK(in[0].shape[axes[0]] > 0, "argmax/argmin of an empty axis of " + in[0].str());
  return {{reduced_shape(in[0].shape, axes), params.dtype("index_dtype")}};
}

// Output flat offset of every input element: strides of the output with 0 on reduced axes.
std::vector<int64_t> reduction_strides(const Shape& in, const IntList& axes) {
  Shape out = reduced_shape(in, axes);
  auto out_strides = row_major_strides(out);
  std::vector<int64_t> strides(in.size(), 0);
  for (int i = 0, k = 0; i < static_cast<int>(in.size()); ++i)
    if (!contains(axes, i)) strides[i] = out_strides[k++];
  return strides;
}

enum class Reducer { sum, max, min, prod };

template <Reducer R>
std::vector<Array> reduce_kernel(std::span<const Array> in, const Params& params, std::span<const Aval> out) {
  const Array& x = in[0];
  auto strides = reduction_strides(x.shape(), params.ints("axes"));
  Array result = Array::empty(out[0].dtype, out[0].shape);
  dispatch_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    // Floats accumulate in double: the reference is the accurate side of every comparison.
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double,
                                   std::conditional_t<std::is_same_v<T, bool>, int, T>>;
    Acc init;
    if constexpr (R == Reducer::sum) init = 0;
    else if constexpr (R == Reducer::prod) init = 1;
    else if constexpr (R == Reducer::max) init = std::numeric_limits<T>::has_infinity ? -std::numeric_limits<Acc>::infinity() : static_cast<Acc>(std::numeric_limits<T>::lowest());
    else init = std::numeric_limits<T>::has_infinity ? std::numeric_limits<Acc>::infinity() : static_cast<Acc>(std::numeric_limits<T>::max());
    std::vector<Acc> acc(result.size(), init);
    const T* src = x.data<T>();
    for_each_index(x.shape(), [&](int64_t flat, const std::vector<int64_t>& idx) {
      int64_t o = 0;
      for (size_t k = 0; k < idx.size(); ++k) o += idx[k] * strides[k];
      Acc v = static_cast<Acc>(src[flat]);
      Acc& a = acc[o];
      if constexpr (R == Reducer::sum) a = add_of(a, v);  // integers wrap, as in XLA
      else if constexpr (R == Reducer::prod) a = mul_of(a, v);
      else if constexpr (R == Reducer::max) a = (v > a || v != v) ? v : a;
      else a = (v < a || v != v) ? v : a;
    });
    T* dst = result.mutable_data<T>();
    for (int64_t i = 0; i < result.size(); ++i) dst[i] = static_cast<T>(acc[i]);
  });
  return {result};
}

template <bool IsMax>
std::vector<Array> arg_kernel(std::span<const Array> in, const Params& params, std::span<const Aval> out) {
  const Array& x = in[0];
  int axis = static_cast<int>(params.ints("axes")[0]);
  auto strides = reduction_strides(x.shape(), {axis});
  std::vector<double> best(shape_size(out[0].shape), 0);
  std::vector<int64_t> where(best.size(), -1);
  for_each_index(x.shape(), [&](int64_t flat, const std::vector<int64_t>& idx) {
    int64_t o = 0;
    for (size_t k = 0; k < idx.size(); ++k) o += idx[k] * strides[k];
    double v = x.at_flat(flat);
    // First occurrence wins; a NaN is the extreme value, as in NumPy and JAX.
    bool take = where[o] < 0 || (!std::isnan(best[o]) && (std::isnan(v) || (IsMax ? v > best[o] : v < best[o])));
    if (take) {
      best[o] = v;
      where[o] = idx[axis];
    }
  });
  Array result = Array::empty(out[0].dtype, out[0].shape);
  dispatch_dtype(out[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    T* dst = result.mutable_data<T>();
    for (size_t i = 0; i < where.size(); ++i) dst[i] = static_cast<T>(where[i]);
  });
  return {result};
}

// The reduced shape with the reduced axes kept as 1s, and the broadcast dims back to the input.
Tensor expand_reduced(const Tensor& y, const Shape& in_shape, const IntList& axes) {
  IntList dims;
  for (int i = 0; i < static_cast<int>(in_shape.size()); ++i)
    if (!contains(axes, i)) dims.push_back(i);
  return broadcast_in_dim(y, in_shape, dims);
}

Tensors reduce_sum_transpose(std::span<const Tensor> cts, std::span<const Tensor>,
                             std::span<const Aval> avals, const std::vector<bool>&, const Params& params) {
  if (!cts[0].defined()) return {Tensor()};
  return {expand_reduced(cts[0], avals[0].shape, params.ints("axes"))};
}

// d max: the tangent averaged over the positions that attain the maximum (JAX's chooser rule).
template <P Id>
std::pair<Tensors, Tensors> chooser_jvp(std::span<const Tensor> x, std::span<const Tensor> t,
                                        const Params& params) {
  Tensor out = bind1(Id, {x[0]}, params);
  if (!t[0].defined()) return {{out}, {Tensor()}};
  const IntList& axes = params.ints("axes");
  Tensor hit = astype(equal(x[0], expand_reduced(out, x[0].shape(), axes)), x[0].dtype());
  Tensor counts = bind1(P::reduce_sum, {hit}, params);
  Tensor t_out = bind1(P::reduce_sum, {t[0] * hit}, params) / counts;
  return {{out}, {t_out}};
}

// x[begin:end] along axis 0.
Tensor slice_axis0(const Tensor& x, int64_t begin, int64_t end) {
  IntList start(static_cast<size_t>(x.rank()), 0), limit(x.shape().begin(), x.shape().end());
  start[0] = begin;
  limit[0] = end;
  return slice(x, start, limit);
}

// d prod, exact also where x has zeros (where prod / x would give NaN): as JAX does, the product
// is taken as a balanced tree of pairwise multiplies, and the tangent follows each multiply's
// product rule, t = ta * b + a * tb. The primal stays the primitive's own result.
std::pair<Tensors, Tensors> prod_jvp(std::span<const Tensor> x, std::span<const Tensor> t, const Params& params) {
  Tensor out = bind1(P::reduce_prod, {x[0]}, params);
  if (!t[0].defined()) return {{out}, {Tensor()}};
  const IntList& axes = params.ints("axes");
  // The reduced axes first, flattened into one axis of length n: (n, kept...).
  IntList perm(axes.begin(), axes.end());
  Shape flat{1};
  for (int64_t a : axes) flat[0] *= x[0].shape()[a];
  for (int64_t a = 0; a < x[0].rank(); ++a) {
    if (std::find(axes.begin(), axes.end(), a) != axes.end()) continue;
    perm.push_back(a);
    flat.push_back(x[0].shape()[a]);
  }
  Tensor p = reshape(transpose(x[0], perm), flat), tp = reshape(transpose(t[0], perm), flat);
  for (int64_t n = flat[0]; n > 1; n = (n + 1) / 2) {
    if (n % 2) {  // an odd length pairs its last element with a 1 (tangent 0)
      Shape one = p.shape();
      one[0] = 1;
      // Constants, not functions of tp: the tangent stays linear for transposition.
      p = concatenate({p, full_like(slice_axis0(p, 0, 1), 1.0)}, 0);
      tp = concatenate({tp, zeros(one, tp.dtype())}, 0);
    }
    const int64_t h = (n + 1) / 2;
    Tensor a = slice_axis0(p, 0, h), b = slice_axis0(p, h, 2 * h);
    Tensor ta = slice_axis0(tp, 0, h), tb = slice_axis0(tp, h, 2 * h);
    tp = ta * b + a * tb;
    p = a * b;
  }
  return {{out}, {reshape(tp, out.shape())}};
}

// Batching: the batch axis moves to the front and the reduced axes shift past it.
std::pair<Tensors, std::vector<int>> reduce_batch(PrimId prim, std::span<const Tensor> args,
                                                  std::span<const int> dims, const Params& params) {
  Tensor x = move_batch_axis_to_front(args[0], dims[0]);
  IntList axes;
  for (int64_t a : params.ints("axes")) axes.push_back(a + 1);
  Params p = params;
  p.set("axes", axes);
  return {{bind1(prim, {x}, p)}, {0}};
}
template <P Id>
std::pair<Tensors, std::vector<int>> reduce_batch_rule(std::span<const Tensor> a, std::span<const int> d,
                                                       const Params& p) {
  return reduce_batch(Id, a, d, p);
}

const std::array kReductionRules = {
    PrimitiveRules{.id = P::reduce_sum, .name = "reduce_sum", .shape = reduce_shape,
                   .impl = reduce_kernel<Reducer::sum>, .jvp = linear_jvp_rule<P::reduce_sum>,
                   .transpose = reduce_sum_transpose, .batch = reduce_batch_rule<P::reduce_sum>},
    PrimitiveRules{.id = P::reduce_max, .name = "reduce_max", .shape = reduce_shape,
                   .impl = reduce_kernel<Reducer::max>, .jvp = chooser_jvp<P::reduce_max>,
                   .batch = reduce_batch_rule<P::reduce_max>, .missing_reason = "not linear"},
    PrimitiveRules{.id = P::reduce_min, .name = "reduce_min", .shape = reduce_shape,
                   .impl = reduce_kernel<Reducer::min>, .jvp = chooser_jvp<P::reduce_min>,
                   .batch = reduce_batch_rule<P::reduce_min>, .missing_reason = "not linear"},
    PrimitiveRules{.id = P::reduce_prod, .name = "reduce_prod", .shape = reduce_shape,
                   .impl = reduce_kernel<Reducer::prod>, .jvp = prod_jvp,
                   .batch = reduce_batch_rule<P::reduce_prod>, .missing_reason = "not linear"},
    PrimitiveRules{.id = P::argmax, .name = "argmax", .shape = arg_reduce_shape,
                   .impl = arg_kernel<true>, .jvp = zero_jvp<P::argmax>,
                   .batch = reduce_batch_rule<P::argmax>, .missing_reason = "integer valued"},
    PrimitiveRules{.id = P::argmin, .name = "argmin", .shape = arg_reduce_shape,
                   .impl = arg_kernel<false>, .jvp = zero_jvp<P::argmin>,
                   .batch = reduce_batch_rule<P::argmin>, .missing_reason = "integer valued"},
};

IntList all_axes(const Tensor& x) {
  IntList axes;
  for (int i = 0; i < x.rank(); ++i) axes.push_back(i);
  return axes;
}

Tensor reduce(PrimId prim, const Tensor& x, const IntList& axes_in, bool keepdims, const char* what) {
  IntList axes = normalize_axes(axes_in, x.rank(), what);
  Tensor y = bind1(prim, {x}, Params{{"axes", axes}});
  if (!keepdims) return y;
  Shape kept = x.shape();
  for (int64_t a : axes) kept[a] = 1;
  return reshape(y, kept);
}

Tensor arg_reduce(PrimId prim, const Tensor& x, int64_t axis, bool keepdims) {
  int a = normalize_axis(axis, x.rank(), prim == P::argmax ? "argmax axis" : "argmin axis");
  Tensor y = bind1(prim, {x}, Params{{"axes", IntList{a}}, {"index_dtype", DType::i32}});
  if (!keepdims) return y;
  Shape kept = x.shape();
  kept[a] = 1;
  return reshape(y, kept);
}

Tensor as_float(const Tensor& x) { return is_floating(x.dtype()) ? x : astype(x, DType::f32); }

}  // namespace

std::span<const PrimitiveRules> reduction_rules() { return kReductionRules; }

Tensor sum(const Tensor& x) { return sum(x, all_axes(x)); }
// jnp.sum and jnp.prod of booleans count: they convert to int32 first (as JAX's jaxpr shows).
Tensor sum(const Tensor& x, IntList axes, bool keepdims) {
  return reduce(P::reduce_sum, x.dtype() == DType::boolean ? astype(x, DType::i32) : x, axes, keepdims, "sum axis");
}
Tensor sum(const Tensor& x, int64_t axis, bool keepdims) { return sum(x, IntList{axis}, keepdims); }
Tensor max(const Tensor& x) { return max(x, all_axes(x)); }
Tensor max(const Tensor& x, IntList axes, bool keepdims) { return reduce(P::reduce_max, x, axes, keepdims, "max axis"); }
Tensor max(const Tensor& x, int64_t axis, bool keepdims) { return max(x, IntList{axis}, keepdims); }
Tensor min(const Tensor& x) { return min(x, all_axes(x)); }
Tensor min(const Tensor& x, IntList axes, bool keepdims) { return reduce(P::reduce_min, x, axes, keepdims, "min axis"); }
Tensor min(const Tensor& x, int64_t axis, bool keepdims) { return min(x, IntList{axis}, keepdims); }
Tensor prod(const Tensor& x, IntList axes, bool keepdims) {
  return reduce(P::reduce_prod, x.dtype() == DType::boolean ? astype(x, DType::i32) : x, axes, keepdims, "prod axis");
}

Tensor mean(const Tensor& x) { return mean(x, all_axes(x)); }
Tensor mean(const Tensor& x, int64_t axis, bool keepdims) { return mean(x, IntList{axis}, keepdims); }
Tensor mean(const Tensor& x, IntList axes, bool keepdims) {
  IntList norm = normalize_axes(axes, x.rank(), "mean axis");
  int64_t count = 1;
  for (int64_t a : norm) count *= x.shape()[a];
  return sum(as_float(x), norm, keepdims) / static_cast<double>(count);
}

Tensor var(const Tensor& x, IntList axes, bool keepdims) {
  Tensor xf = as_float(x);
  Tensor centered = xf - mean(xf, axes, true);
  return mean(square(centered), axes, keepdims);
}

Tensor argmax(const Tensor& x, int64_t axis, bool keepdims) { return arg_reduce(P::argmax, x, axis, keepdims); }
Tensor argmin(const Tensor& x, int64_t axis, bool keepdims) { return arg_reduce(P::argmin, x, axis, keepdims); }

Tensor logsumexp(const Tensor& x) { return logsumexp(reshape(x, {-1}), 0); }
Tensor logsumexp(const Tensor& x, int64_t axis, bool keepdims) {
  // Shifted by the (gradient-stopped) max so that exp never overflows, as jax.nn.logsumexp does.
  Tensor m = stop_gradient(max(x, axis, true));
  Tensor finite_m = where(isfinite(m), m, zeros_like(m));
  Tensor out = log(sum(exp(x - finite_m), axis, true)) + finite_m;
  return keepdims ? out : squeeze(out, {normalize_axis(axis, x.rank())});
}

Tensor log_softmax(const Tensor& x, int64_t axis) {
  Tensor shifted = x - stop_gradient(max(x, axis, true));
  return shifted - log(sum(exp(shifted), axis, true));
}

Tensor softmax(const Tensor& x, int64_t axis) {
  Tensor unnormalized = exp(x - stop_gradient(max(x, axis, true)));
  return unnormalized / sum(unnormalized, axis, true);
}

}  // namespace engine
