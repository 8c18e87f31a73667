// Shape primitives: reshape, broadcast_in_dim, transpose, squeeze. All are linear, with
// transposes that undo them; their kernels are strided copies (reshape shares the buffer).
#include <array>
#include <numeric>

#include "engine/ops/families.h"
#include "engine/ops/reduction_ops.h"
#include "engine/ops/rule_helpers.h"
#include "engine/ops/shape_ops.h"

namespace engine {

namespace {

using P = PrimId;

Avals reshape_shape(std::span<const Aval> in, const Params& params) {
  const IntList& sizes = params.ints("new_sizes");
  GS_CHECK(shape_size(sizes) == in[0].size(),
           "cannot reshape " + in[0].str() + " into shape (" + shape_str(sizes) + ")");
  return {{sizes, in[0].dtype}};
}

Avals broadcast_shape_rule(std::span<const Aval> in, const Params& params) {
  const IntList& shape = params.ints("shape");
  const IntList& dims = params.ints("broadcast_dimensions");
  const Aval& x = in[0];
  GS_CHECK(static_cast<int>(dims.size()) == x.rank(),
           "broadcast_in_dim: operand " + x.str() + " needs one broadcast dimension per axis");
  for (int i = 0; i < x.rank(); ++i) {
    int64_t d = dims[i];
    GS_CHECK(d >= 0 && d < static_cast<int64_t>(shape.size()) && (i == 0 || d > dims[i - 1]),
             "broadcast_in_dim: broadcast_dimensions " + param_value_str(dims) + " invalid for " + x.str());
    GS_CHECK(x.shape[i] == 1 || x.shape[i] == shape[d],
             "cannot broadcast " + x.str() + " to shape (" + shape_str(shape) + ")");
  }
  return {{shape, x.dtype}};
}

Avals transpose_shape(std::span<const Aval> in, const Params& params) {
  const IntList& perm = params.ints("permutation");
  GS_CHECK(static_cast<int>(perm.size()) == in[0].rank(),
           "transpose: permutation " + param_value_str(perm) + " does not match " + in[0].str());
  std::vector<bool> seen(perm.size(), false);
  Shape out;
  for (int64_t p : perm) {
    GS_CHECK(p >= 0 && p < in[0].rank() && !seen[p],
             "transpose: " + param_value_str(perm) + " is not a permutation of the axes of " + in[0].str());
    seen[p] = true;
    out.push_back(in[0].shape[p]);
  }
  return {{out, in[0].dtype}};
}

Avals squeeze_shape(std::span<const Aval> in, const Params& params) {
  const IntList& dims = params.ints("dimensions");
  Shape out;
  for (int i = 0; i < in[0].rank(); ++i) {
    bool drop = std::find(dims.begin(), dims.end(), i) != dims.end();
    GS_CHECK(!drop || in[0].shape[i] == 1,
             "cannot squeeze axis " + std::to_string(i) + " of " + in[0].str() + ": its size is not 1");
    if (!drop) out.push_back(in[0].shape[i]);
  }
  return {{out, in[0].dtype}};
}

std::vector<Array> reshape_kernel(std::span<const Array> in, const Params&, std::span<const Aval> out) {
  return {in[0].reshape(out[0].shape)};
}

std::vector<Array> broadcast_kernel(std::span<const Array> in, const Params& params, std::span<const Aval> out) {
  const IntList& dims = params.ints("broadcast_dimensions");
  auto in_strides = row_major_strides(in[0].shape());
  std::vector<int64_t> strides(out[0].shape.size(), 0);
  for (size_t i = 0; i < dims.size(); ++i)
    if (in[0].shape()[i] != 1) strides[dims[i]] = in_strides[i];
  return {gather_strided(in[0], out[0].shape, strides)};
}

std::vector<Array> transpose_kernel(std::span<const Array> in, const Params& params, std::span<const Aval> out) {
  const IntList& perm = params.ints("permutation");
  auto in_strides = row_major_strides(in[0].shape());
  std::vector<int64_t> strides;
  for (int64_t p : perm) strides.push_back(in_strides[p]);
  return {gather_strided(in[0], out[0].shape, strides)};
}

// ---- transposes

Tensors reshape_transpose(std::span<const Tensor> cts, std::span<const Tensor>, std::span<const Aval> avals,
                          const std::vector<bool>&, const Params&) {
  return {cts[0].defined() ? reshape(cts[0], avals[0].shape) : Tensor()};
}

Tensors broadcast_transpose(std::span<const Tensor> cts, std::span<const Tensor>, std::span<const Aval> avals,
                            const std::vector<bool>&, const Params& params) {
  if (!cts[0].defined()) return {Tensor()};
  const IntList& dims = params.ints("broadcast_dimensions");
  const Shape& in_shape = avals[0].shape;
  // Sum over the new axes, and over operand axes of size 1 that were stretched.
  IntList summed;
  for (int i = 0; i < cts[0].rank(); ++i) {
    auto it = std::find(dims.begin(), dims.end(), i);
    if (it == dims.end() || (in_shape[it - dims.begin()] == 1 && cts[0].shape()[i] != 1)) summed.push_back(i);
  }
  Tensor s = summed.empty() ? cts[0] : sum(cts[0], summed);
  return {reshape(s, in_shape)};
}

Tensors transpose_transpose(std::span<const Tensor> cts, std::span<const Tensor>, std::span<const Aval>,
                            const std::vector<bool>&, const Params& params) {
  if (!cts[0].defined()) return {Tensor()};
  const IntList& perm = params.ints("permutation");
  IntList inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = static_cast<int64_t>(i);
  return {transpose(cts[0], inverse)};
}

// ---- batching: the batch axis goes in front, every other axis shifts by one.

IntList shifted(const IntList& l) {
  IntList out;
  for (int64_t v : l) out.push_back(v + 1);
  return out;
}

std::pair<Tensors, std::vector<int>> reshape_batch(std::span<const Tensor> a, std::span<const int> d,
                                                   const Params& p) {
  Tensor x = move_batch_axis_to_front(a[0], d[0]);
  Shape s{x.shape()[0]};
  for (int64_t v : p.ints("new_sizes")) s.push_back(v);
  return {{reshape(x, s)}, {0}};
}

std::pair<Tensors, std::vector<int>> broadcast_batch(std::span<const Tensor> a, std::span<const int> d,
                                                     const Params& p) {
  Tensor x = move_batch_axis_to_front(a[0], d[0]);
  Shape s{x.shape()[0]};
  for (int64_t v : p.ints("shape")) s.push_back(v);
  IntList dims{0};
  for (int64_t v : p.ints("broadcast_dimensions")) dims.push_back(v + 1);
  return {{broadcast_in_dim(x, s, dims)}, {0}};
}

std::pair<Tensors, std::vector<int>> transpose_batch(std::span<const Tensor> a, std::span<const int> d,
                                                     const Params& p) {
  Tensor x = move_batch_axis_to_front(a[0], d[0]);
  IntList perm{0};
  for (int64_t v : p.ints("permutation")) perm.push_back(v + 1);
  return {{transpose(x, perm)}, {0}};
}

std::pair<Tensors, std::vector<int>> squeeze_batch(std::span<const Tensor> a, std::span<const int> d,
                                                   const Params& p) {
  Tensor x = move_batch_axis_to_front(a[0], d[0]);
  return {{squeeze(x, shifted(p.ints("dimensions")))}, {0}};
}

const std::array kShapeRules = {
    PrimitiveRules{.id = P::reshape, .name = "reshape", .shape = reshape_shape, .impl = reshape_kernel,
                   .jvp = linear_jvp_rule<P::reshape>, .transpose = reshape_transpose,
                   .batch = reshape_batch},
    PrimitiveRules{.id = P::broadcast_in_dim, .name = "broadcast_in_dim", .shape = broadcast_shape_rule,
                   .impl = broadcast_kernel, .jvp = linear_jvp_rule<P::broadcast_in_dim>,
                   .transpose = broadcast_transpose, .batch = broadcast_batch},
    PrimitiveRules{.id = P::transpose, .name = "transpose", .shape = transpose_shape,
                   .impl = transpose_kernel, .jvp = linear_jvp_rule<P::transpose>,
                   .transpose = transpose_transpose, .batch = transpose_batch},
    PrimitiveRules{.id = P::squeeze, .name = "squeeze", .shape = squeeze_shape, .impl = reshape_kernel,
                   .jvp = linear_jvp_rule<P::squeeze>, .transpose = reshape_transpose,
                   .batch = squeeze_batch},
};

}  // namespace

std::span<const PrimitiveRules> shape_rules() { return kShapeRules; }

Tensor reshape(const Tensor& x, Shape shape) {
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
    if (shape[i] == -1) {
      GS_CHECK(infer < 0, "reshape: only one dimension can be -1, got (" + shape_str(shape) + ")");
      infer = i;
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    GS_CHECK(known > 0 && x.size() % known == 0,
             "cannot reshape " + x.aval().str() + " into shape (" + shape_str(shape) + ")");
    shape[infer] = x.size() / known;
  }
  if (shape == x.shape()) return x;
  return bind1(P::reshape, {x}, Params{{"new_sizes", shape}, {"dimensions", std::string("None")}});
}

Tensor broadcast_in_dim(const Tensor& x, Shape shape, IntList dims) {
  if (shape == x.shape()) return x;
  return bind1(P::broadcast_in_dim, {x},
               Params{{"shape", std::move(shape)}, {"broadcast_dimensions", std::move(dims)}});
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  GS_CHECK(shape.size() >= x.shape().size(),
           "cannot broadcast " + x.aval().str() + " to the lower-rank shape (" + shape_str(shape) + ")");
  Shape common = broadcast_shapes(x.shape(), shape);
  GS_CHECK(common == shape, "cannot broadcast " + x.aval().str() + " to shape (" + shape_str(shape) + ")");
  IntList dims;
  size_t lead = shape.size() - x.shape().size();
  for (size_t i = 0; i < x.shape().size(); ++i) dims.push_back(static_cast<int64_t>(lead + i));
  return broadcast_in_dim(x, shape, dims);
}

Tensor transpose(const Tensor& x, IntList perm) {
  if (perm.empty())
    for (int i = x.rank() - 1; i >= 0; --i) perm.push_back(i);
  for (auto& p : perm) p = normalize_axis(p, x.rank(), "transpose axis");
  IntList identity(perm.size());
  std::iota(identity.begin(), identity.end(), 0);
  if (perm == identity) return x;
  return bind1(P::transpose, {x}, Params{{"permutation", std::move(perm)}});
}

Tensor squeeze(const Tensor& x, IntList axes) {
  axes = normalize_axes(axes, x.rank(), "squeeze axis");
  if (axes.empty()) return x;
  return bind1(P::squeeze, {x}, Params{{"dimensions", std::move(axes)}});
}

Tensor expand_dims(const Tensor& x, int64_t axis) {
  int a = normalize_axis(axis, x.rank() + 1, "expand_dims axis");
  Shape s = x.shape();
  s.insert(s.begin() + a, 1);
  IntList dims;
  for (int i = 0; i < x.rank() + 1; ++i)
    if (i != a) dims.push_back(i);
  return bind1(P::broadcast_in_dim, {x}, Params{{"shape", s}, {"broadcast_dimensions", dims}});
}

Tensor ravel(const Tensor& x) { return reshape(x, {x.size()}); }

Tensor zeros(const Shape& shape, DType dtype) {
  Tensor zero = Array::scalar(0, dtype);
  return shape.empty() ? zero : broadcast_in_dim(zero, shape, {});
}

Tensor full_like(const Tensor& x, double value) {
  Tensor v = Array::scalar(value, x.dtype());
  return x.rank() == 0 ? v : broadcast_in_dim(v, x.shape(), {});
}
Tensor zeros_like(const Tensor& x) { return full_like(x, 0); }
Tensor ones_like(const Tensor& x) { return full_like(x, 1); }

}  // namespace engine
