// Rule builders shared by the primitive families: the common shapes of shape rules, kernels,
// JVPs and batching rules, so that most primitives are one table row (STYLE.md, "a primitive").
#pragma once
#include <algorithm>
#include <cmath>
#include <span>

#include "engine/ops/primitive.h"

namespace engine {

// Whether an axis list (a reduction's, a contraction's) holds axis v.
inline bool contains(const IntList& axes, int64_t v) { return std::find(axes.begin(), axes.end(), v) != axes.end(); }

// ---- the jnp side: what the public functions do before they bind a primitive

// jnp functions of floats accept integers and booleans by converting them to float32 first.
Tensor jnp_float(const Tensor& x);
// Promotes to one dtype (unless `promote` is false), then broadcasts non-scalar operands to their
// common shape. Scalars stay rank 0: the primitives broadcast them, which keeps jaxprs free of
// needless broadcasts.
Tensors jnp_operands(std::initializer_list<Tensor> in, bool promote = true);
inline Tensor jnp_unary(PrimId prim, const Tensor& x) { return bind1(prim, {x}); }
inline Tensor jnp_float_unary(PrimId prim, const Tensor& x) { return bind1(prim, {jnp_float(x)}); }
inline Tensor jnp_binary(PrimId prim, const Tensor& a, const Tensor& b) {
  Tensors ts = jnp_operands({a, b});
  return bind1(prim, {ts[0], ts[1]});
}
inline Tensor jnp_float_binary(PrimId prim, const Tensor& a, const Tensor& b) {
  Tensors ts = jnp_operands({a, b});
  return bind1(prim, {jnp_float(ts[0]), jnp_float(ts[1])});
}

// ---- shape rules

// Elementwise n-ary: operands of one shape, except rank-0 scalars, which broadcast implicitly.
// All operands share one dtype. The result has the common shape and that dtype.
Avals elementwise_shape(std::span<const Aval> in, const Params& params);
// The same, but the result is boolean (comparisons).
Avals comparison_shape(std::span<const Aval> in, const Params& params);
Shape common_elementwise_shape(std::span<const Aval> in, std::string_view prim);

// ---- kernels

// out[i] = f(x[i]) over every element, in x's dtype (f is a generic lambda).
template <class F>
Array map_unary(const Array& x, DType out_dtype, F f) {
  Array out = Array::empty(out_dtype, x.shape());
  dispatch_dtype(x.dtype(), [&](auto in_tag) {
    using T = decltype(in_tag);
    const T* src = x.data<T>();
    dispatch_dtype(out_dtype, [&](auto out_tag) {
      using O = decltype(out_tag);
      O* dst = out.mutable_data<O>();
      for (int64_t i = 0, n = x.size(); i < n; ++i) dst[i] = static_cast<O>(f(src[i]));
    });
  });
  return out;
}

// out[i] = f(a[i], b[i]); a rank-0 operand is read at index 0 for every i.
template <class F>
Array map_binary(const Array& a, const Array& b, const Shape& shape, DType out_dtype, F f) {
  Array out = Array::empty(out_dtype, shape);
  const int64_t sa = a.rank() == 0 ? 0 : 1, sb = b.rank() == 0 ? 0 : 1;
  dispatch_dtype(a.dtype(), [&](auto in_tag) {
    using T = decltype(in_tag);
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    dispatch_dtype(out_dtype, [&](auto out_tag) {
      using O = decltype(out_tag);
      O* dst = out.mutable_data<O>();
      for (int64_t i = 0, n = out.size(); i < n; ++i) dst[i] = static_cast<O>(f(pa[i * sa], pb[i * sb]));
    });
  });
  return out;
}

// ---- batching

// Moves the batch axis of x to the front (or adds a leading axis of `size` when unmapped and
// broadcast is set); the elementwise and most structural batch rules start with this.
Tensor move_batch_axis_to_front(const Tensor& x, int dim);
// Elementwise batch rule: batched operands get their batch axis in front; unbatched non-scalar
// operands are broadcast along it; scalars stay scalars.
std::pair<Tensors, std::vector<int>> elementwise_batch(PrimId prim, std::span<const Tensor> args,
                                                       std::span<const int> dims, const Params& params);
template <PrimId P>
std::pair<Tensors, std::vector<int>> elementwise_batch_rule(std::span<const Tensor> args,
                                                            std::span<const int> dims,
                                                            const Params& params) {
  return elementwise_batch(P, args, dims, params);
}

// ---- jvp

// JVP of a unary primitive y = f(x) whose derivative is given by D(x, y): t_out = t * D(x, y).
template <PrimId P, Tensor (*D)(const Tensor& x, const Tensor& y)>
std::pair<Tensors, Tensors> unary_jvp(std::span<const Tensor> primals, std::span<const Tensor> tangents,
                                      const Params& params) {
  Tensor y = bind(P, primals, params)[0];
  Tensor t;
  if (tangents[0].defined()) t = bind1(PrimId::mul, {tangents[0], D(primals[0], y)});
  return {{y}, {t}};
}

// JVP of a primitive that is linear in all its inputs: apply it to the tangents, with symbolic
// zeros materialized only when some but not all tangents are zero.
std::pair<Tensors, Tensors> linear_jvp(PrimId prim, std::span<const Tensor> primals,
                                       std::span<const Tensor> tangents, const Params& params);
template <PrimId P>
std::pair<Tensors, Tensors> linear_jvp_rule(std::span<const Tensor> primals,
                                            std::span<const Tensor> tangents, const Params& params) {
  return linear_jvp(P, primals, tangents, params);
}

// JVP of a primitive with zero derivative everywhere it is defined (floor, sign, comparisons...).
template <PrimId P>
std::pair<Tensors, Tensors> zero_jvp(std::span<const Tensor> primals, std::span<const Tensor>,
                                     const Params& params) {
  Tensors out = bind(P, primals, params);
  return {out, Tensors(out.size())};
}

// A zero tensor of the given aval (used to materialize symbolic zeros).
Tensor zeros_of(const Aval& aval);

}  // namespace engine

namespace engine {

// Copies `in` into a new array of out_shape, reading element (i0, i1, ...) of the output from
// in's flat offset + sum(ik * strides[k]). Stride 0 repeats (broadcast); permuted strides
// transpose; an offset and scaled strides slice. The workhorse of the structural kernels.
Array gather_strided(const Array& in, const Shape& out_shape, const std::vector<int64_t>& strides,
                     int64_t offset = 0);

// Visits every multi-index of shape in row-major order: fn(flat_index, index vector).
template <class F>
void for_each_index(const Shape& shape, F fn) {
  int64_t n = shape_size(shape);
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t flat = 0; flat < n; ++flat) {
    fn(flat, idx);
    for (int k = static_cast<int>(shape.size()) - 1; k >= 0; --k) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
}

}  // namespace engine
