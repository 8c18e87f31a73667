// Indexing primitives: slice, pad, concatenate, rev and iota. The first four are linear and
// transpose into each other (slice <-> pad, concatenate -> slices, rev -> rev); their kernels are
// strided copies. iota has no inputs: it is how traced code builds index ramps (one_hot, eye,
// arange) without capturing constants.
#include <algorithm>
#include <array>

#include "engine/ops/creation.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/families.h"
#include "engine/ops/indexing_ops.h"
#include "engine/ops/reduction_ops.h"
#include "engine/ops/rule_helpers.h"
#include "engine/ops/shape_ops.h"

namespace engine {

namespace {

using P = PrimId;
using BatchResult = std::pair<Tensors, std::vector<int>>;

std::string ints_str(const IntList& l) { return param_value_str(l); }

// JAX prints strides=None for unit strides; both spellings mean the same to the rules.
IntList slice_strides(const Params& p, size_t rank) {
  for (const auto& [name, value] : p.items())
    if (name == "strides")
      if (const auto* l = std::get_if<IntList>(&value)) return *l;
  return IntList(rank, 1);
}

// ---- shape rules

Avals slice_shape(std::span<const Aval> in, const Params& params) {
  const Aval& x = in[0];
  const IntList& start = params.ints("start_indices");
  const IntList& limit = params.ints("limit_indices");
  IntList strides = slice_strides(params, start.size());
  const size_t rank = x.shape.size();
  GS_CHECK(start.size() == rank && limit.size() == rank && strides.size() == rank,
           "slice: start_indices " + ints_str(start) + ", limit_indices " + ints_str(limit) +
               " and strides " + ints_str(strides) + " need one entry per axis of " + x.str());
  Shape out;
  for (size_t k = 0; k < rank; ++k) {
    GS_CHECK(0 <= start[k] && start[k] <= limit[k] && limit[k] <= x.shape[k],
             "slice: start_indices " + ints_str(start) + " and limit_indices " + ints_str(limit) +
                 " are out of bounds for " + x.str() + " at axis " + std::to_string(k));
    GS_CHECK(strides[k] >= 1, "slice: strides " + ints_str(strides) + " must be positive");
    out.push_back((limit[k] - start[k] + strides[k] - 1) / strides[k]);
  }
  return {{out, x.dtype}};
}

// Output extent of one padded axis: lo + hi + n + (n-1)*interior.
int64_t padded_extent(int64_t n, const IntList& c) {
  return c[0] + c[1] + n + std::max<int64_t>(n - 1, 0) * c[2];
}

Avals pad_shape(std::span<const Aval> in, const Params& params) {
  GS_CHECK(in.size() == 2, "pad takes an operand and a padding value");
  const Aval& x = in[0];
  const IntLists& config = params.get<IntLists>("padding_config");
  GS_CHECK(in[1].rank() == 0 && in[1].dtype == x.dtype,
           "pad: the padding value must be a scalar of the operand's dtype, got " + in[1].str() +
               " for " + x.str());
  GS_CHECK(config.size() == x.shape.size(), "pad: padding_config " + param_value_str(config) +
                                                " needs one (lo, hi, interior) per axis of " + x.str());
  Shape out;
  for (size_t k = 0; k < config.size(); ++k) {
    GS_CHECK(config[k].size() == 3 && config[k][2] >= 0,
             "pad: padding_config " + param_value_str(config) +
                 " needs (lo, hi, interior) triples with interior >= 0");
    int64_t n = padded_extent(x.shape[k], config[k]);
    GS_CHECK(n >= 0, "pad: padding_config " + param_value_str(config) + " crops axis " +
                         std::to_string(k) + " of " + x.str() + " below size 0");
    out.push_back(n);
  }
  return {{out, x.dtype}};
}

Avals concatenate_shape(std::span<const Aval> in, const Params& params) {
  GS_CHECK(!in.empty(), "concatenate needs at least one operand");
  const int64_t dim = params.i("dimension");
  auto all = [&] {
    std::string s;
    for (const Aval& a : in) s += (s.empty() ? "" : ", ") + a.str();
    return s;
  };
  GS_CHECK(dim >= 0 && dim < in[0].rank(),
           "concatenate: dimension " + std::to_string(dim) + " is out of range for " + all());
  Shape out = in[0].shape;
  out[dim] = 0;
  for (const Aval& a : in) {
    GS_CHECK(a.dtype == in[0].dtype, "concatenate: operands must have one dtype, got " + all());
    bool fits = a.rank() == in[0].rank();
    for (int k = 0; fits && k < a.rank(); ++k) fits = k == dim || a.shape[k] == in[0].shape[k];
    GS_CHECK(fits, "concatenate: operands must have equal shapes except along dimension " +
                       std::to_string(dim) + ", got " + all());
    out[dim] += a.shape[dim];
  }
  return {{out, in[0].dtype}};
}

Avals rev_shape(std::span<const Aval> in, const Params& params) {
  const IntList& dims = params.ints("dimensions");
  for (size_t i = 0; i < dims.size(); ++i) {
    GS_CHECK(dims[i] >= 0 && dims[i] < in[0].rank(),
             "rev: dimensions " + ints_str(dims) + " are out of range for " + in[0].str());
    for (size_t j = 0; j < i; ++j)
      GS_CHECK(dims[i] != dims[j], "rev: dimensions " + ints_str(dims) + " repeat an axis");
  }
  return {in[0]};
}

Avals iota_shape(std::span<const Aval> in, const Params& params) {
  GS_CHECK(in.empty(), "iota takes no operands");
  const Shape& shape = params.ints("shape");
  DType dtype = params.dtype("dtype");
  int64_t dim = params.i("dimension");
  GS_CHECK(dtype != DType::boolean, "iota: dtype must be numeric, got bool");
  GS_CHECK(dim >= 0 && dim < static_cast<int64_t>(shape.size()),
           "iota: dimension " + std::to_string(dim) + " is out of range for shape (" + shape_str(shape) + ")");
  shape_size(shape);  // refuses negative or overflowing shapes
  return {{shape, dtype}};
}

// ---- kernels

std::vector<Array> slice_kernel(std::span<const Array> in, const Params& params, std::span<const Aval> out) {
  const IntList& start = params.ints("start_indices");
  IntList steps = slice_strides(params, start.size());
  auto in_strides = row_major_strides(in[0].shape());
  int64_t offset = 0;
  std::vector<int64_t> strides(start.size());
  for (size_t k = 0; k < start.size(); ++k) {
    offset += start[k] * in_strides[k];
    strides[k] = in_strides[k] * steps[k];
  }
  return {gather_strided(in[0], out[0].shape, strides, offset)};
}

std::vector<Array> rev_kernel(std::span<const Array> in, const Params& params, std::span<const Aval> out) {
  auto strides = row_major_strides(in[0].shape());
  int64_t offset = 0;
  for (int64_t d : params.ints("dimensions")) {
    offset += (in[0].shape()[d] - 1) * strides[d];
    strides[d] = -strides[d];
  }
  return {gather_strided(in[0], out[0].shape, strides, offset)};
}

std::vector<Array> pad_kernel(std::span<const Array> in, const Params& params, std::span<const Aval> out) {
  const IntLists& config = params.get<IntLists>("padding_config");
  const Array& x = in[0];
  Array result = Array::empty(x.dtype(), out[0].shape);
  const size_t width = dtype_size(x.dtype());
  auto* dst = static_cast<char*>(result.mutable_raw());
  for (int64_t i = 0; i < result.size(); ++i) std::memcpy(dst + i * width, in[1].raw(), width);
  auto out_strides = row_major_strides(out[0].shape);
  const auto* src = static_cast<const char*>(x.raw());
  // Input element i of an axis lands at lo + i*(interior+1); negative padding drops what falls
  // outside the output.
  for_each_index(x.shape(), [&](int64_t flat, const std::vector<int64_t>& idx) {
    int64_t o = 0;
    for (size_t k = 0; k < idx.size(); ++k) {
      int64_t pos = config[k][0] + idx[k] * (config[k][2] + 1);
      if (pos < 0 || pos >= out[0].shape[k]) return;
      o += pos * out_strides[k];
    }
    std::memcpy(dst + o * width, src + flat * width, width);
  });
  return {result};
}

std::vector<Array> concatenate_kernel(std::span<const Array> in, const Params& params,
                                      std::span<const Aval> out) {
  const int64_t dim = params.i("dimension");
  Array result = Array::empty(out[0].dtype, out[0].shape);
  if (result.size() == 0) return {result};
  const size_t width = dtype_size(out[0].dtype);
  int64_t outer = 1;
  for (int64_t k = 0; k < dim; ++k) outer *= out[0].shape[k];
  const size_t row = static_cast<size_t>(result.size() / outer) * width;
  auto* dst = static_cast<char*>(result.mutable_raw());
  // Each operand contributes one contiguous chunk to every row of the axes before `dimension`.
  size_t at = 0;
  for (const Array& a : in) {
    const size_t chunk = static_cast<size_t>(a.size() / outer) * width;
    const auto* src = static_cast<const char*>(a.raw());
    for (int64_t o = 0; o < outer && chunk > 0; ++o) std::memcpy(dst + o * row + at, src + o * chunk, chunk);
    at += chunk;
  }
  return {result};
}

std::vector<Array> iota_kernel(std::span<const Array>, const Params& params, std::span<const Aval> out) {
  Array result = Array::empty(out[0].dtype, out[0].shape);
  const int64_t dim = params.i("dimension");
  const int64_t stride = row_major_strides(out[0].shape)[dim], extent = out[0].shape[dim];
  dispatch_dtype(out[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    T* dst = result.mutable_data<T>();
    for (int64_t i = 0; i < result.size(); ++i) dst[i] = static_cast<T>((i / stride) % extent);
  });
  return {result};
}

// ---- transposes

Tensor zero_scalar(DType dtype) { return Array::scalar(0, dtype); }

// The cotangent of a slice is zero except at the sliced positions: pad it back, with interior
// padding filling the gaps between strided elements.
Tensors slice_transpose(std::span<const Tensor> cts, std::span<const Tensor>, std::span<const Aval> avals,
                        const std::vector<bool>&, const Params& params) {
  if (!cts[0].defined()) return {Tensor()};
  const IntList& start = params.ints("start_indices");
  IntList strides = slice_strides(params, start.size());
  const Shape& in = avals[0].shape;
  IntLists config;
  for (size_t k = 0; k < start.size(); ++k) {
    int64_t n = cts[0].shape()[k];
    int64_t extent = n == 0 ? 0 : (n - 1) * strides[k] + 1;
    config.push_back({start[k], in[k] - start[k] - extent, strides[k] - 1});
  }
  return {pad_general(cts[0], zero_scalar(cts[0].dtype()), config)};
}

// Undo lo/hi with the opposite padding (negative lo re-adds the cropped zeros), then keep every
// (interior+1)-th element. The padding value received everything the operand did not.
Tensors pad_transpose(std::span<const Tensor> cts, std::span<const Tensor>, std::span<const Aval>,
                      const std::vector<bool>& linear, const Params& params) {
  Tensors out(2);
  if (!cts[0].defined()) return out;
  const Tensor& t = cts[0];
  IntLists unpad;
  IntList starts, steps;
  for (const IntList& c : params.get<IntLists>("padding_config")) {
    unpad.push_back({-c[0], -c[1], 0});
    starts.push_back(0);
    steps.push_back(c[2] + 1);
  }
  Tensor unpadded = pad_general(t, zero_scalar(t.dtype()), unpad);
  Tensor t_operand = slice(unpadded, starts, unpadded.shape(), steps);
  if (linear[0]) out[0] = t_operand;
  if (linear[1]) out[1] = sum(t) - sum(t_operand);
  return out;
}

Tensors concatenate_transpose(std::span<const Tensor> cts, std::span<const Tensor>,
                              std::span<const Aval> avals, const std::vector<bool>& linear,
                              const Params& params) {
  Tensors out(avals.size());
  if (!cts[0].defined()) return out;
  const int64_t dim = params.i("dimension");
  IntList start(cts[0].rank(), 0);
  IntList limit = cts[0].shape();
  int64_t pos = 0;
  for (size_t i = 0; i < avals.size(); ++i) {
    start[dim] = pos;
    limit[dim] = pos + avals[i].shape[dim];
    if (linear[i]) out[i] = slice(cts[0], start, limit);
    pos = limit[dim];
  }
  return out;
}

Tensors rev_transpose(std::span<const Tensor> cts, std::span<const Tensor>, std::span<const Aval>,
                      const std::vector<bool>&, const Params& params) {
  if (!cts[0].defined()) return {Tensor()};
  return {rev(cts[0], params.ints("dimensions"))};
}

// ---- batching: the batch axis goes in front and every axis parameter shifts by one.

Tensor with_batch_in_front(const Tensor& x, int dim, int64_t size) {
  if (dim != kNotMapped) return move_batch_axis_to_front(x, dim);
  Shape s{size};
  s.insert(s.end(), x.shape().begin(), x.shape().end());
  IntList dims;
  for (int k = 0; k < x.rank(); ++k) dims.push_back(k + 1);
  return broadcast_in_dim(x, s, dims);
}

int64_t batch_size(std::span<const Tensor> args, std::span<const int> dims) {
  for (size_t i = 0; i < args.size(); ++i)
    if (dims[i] != kNotMapped) return args[i].shape()[dims[i]];
  throw Error("internal: a batch rule was called with no batched operand");
}

BatchResult slice_batch(std::span<const Tensor> a, std::span<const int> d, const Params& p) {
  Tensor x = move_batch_axis_to_front(a[0], d[0]);
  IntList start{0}, limit{x.shape()[0]}, strides{1};
  for (int64_t v : p.ints("start_indices")) start.push_back(v);
  for (int64_t v : p.ints("limit_indices")) limit.push_back(v);
  for (int64_t v : slice_strides(p, start.size() - 1)) strides.push_back(v);
  return {{slice(x, start, limit, strides)}, {0}};
}

BatchResult rev_batch(std::span<const Tensor> a, std::span<const int> d, const Params& p) {
  Tensor x = move_batch_axis_to_front(a[0], d[0]);
  IntList dims;
  for (int64_t v : p.ints("dimensions")) dims.push_back(v + 1);
  return {{rev(x, dims)}, {0}};
}

// A batched padding value (one scalar per example) cannot be a primitive parameter: pad with zero,
// then select the per-example value wherever the padding went.
BatchResult pad_batch(std::span<const Tensor> a, std::span<const int> d, const Params& p) {
  int64_t batch = batch_size(a, d);
  Tensor x = with_batch_in_front(a[0], d[0], batch);
  IntLists config{{0, 0, 0}};
  for (const IntList& c : p.get<IntLists>("padding_config")) config.push_back(c);
  if (d[1] == kNotMapped) return {{pad_general(x, a[1], config)}, {0}};
  Tensor padded = pad_general(x, zero_scalar(x.dtype()), config);
  Tensor inside = broadcast_in_dim(Array::scalar(1, DType::boolean), x.shape(), {});
  Tensor mask = pad_general(inside, Array::scalar(0, DType::boolean), config);
  Tensor value = broadcast_in_dim(a[1], padded.shape(), {0});
  return {{where(mask, padded, value)}, {0}};
}

BatchResult concatenate_batch(std::span<const Tensor> a, std::span<const int> d, const Params& p) {
  int64_t batch = batch_size(a, d);
  Tensors moved;
  for (size_t i = 0; i < a.size(); ++i) moved.push_back(with_batch_in_front(a[i], d[i], batch));
  return {{bind(P::concatenate, moved, Params{{"dimension", p.i("dimension") + 1}})}, {0}};
}

// iota has no operands, so nothing of it is ever batched.
BatchResult iota_batch(std::span<const Tensor>, std::span<const int>, const Params& p) {
  return {bind(P::iota, {}, p), {kNotMapped}};
}

const std::array kIndexingRules = {
    PrimitiveRules{.id = P::iota, .name = "iota", .shape = iota_shape, .impl = iota_kernel,
                   .jvp = zero_jvp<P::iota>, .batch = iota_batch,
                   .missing_reason = "no operands; not linear"},
    PrimitiveRules{.id = P::slice, .name = "slice", .shape = slice_shape, .impl = slice_kernel,
                   .jvp = linear_jvp_rule<P::slice>, .transpose = slice_transpose, .batch = slice_batch},
    PrimitiveRules{.id = P::pad, .name = "pad", .shape = pad_shape, .impl = pad_kernel,
                   .jvp = linear_jvp_rule<P::pad>, .transpose = pad_transpose, .batch = pad_batch},
    PrimitiveRules{.id = P::concatenate, .name = "concatenate", .shape = concatenate_shape,
                   .impl = concatenate_kernel, .jvp = linear_jvp_rule<P::concatenate>,
                   .transpose = concatenate_transpose, .batch = concatenate_batch},
    PrimitiveRules{.id = P::rev, .name = "rev", .shape = rev_shape, .impl = rev_kernel,
                   .jvp = linear_jvp_rule<P::rev>, .transpose = rev_transpose, .batch = rev_batch},
};

}  // namespace

std::span<const PrimitiveRules> indexing_rules() { return kIndexingRules; }

Tensor slice(const Tensor& x, IntList start, IntList limit, IntList strides) {
  if (strides.empty()) strides.assign(start.size(), 1);
  bool unit = strides.size() == start.size();
  for (int64_t s : strides) unit = unit && s == 1;
  bool whole = unit && start.size() == limit.size() && static_cast<int>(start.size()) == x.rank();
  for (size_t k = 0; whole && k < start.size(); ++k) whole = start[k] == 0 && limit[k] == x.shape()[k];
  if (whole) return x;
  Params p{{"limit_indices", std::move(limit)}, {"start_indices", std::move(start)}};
  p.set("strides", unit ? ParamValue(std::string("None")) : ParamValue(std::move(strides)));
  return bind1(P::slice, {x}, p);
}

Tensor pad_general(const Tensor& x, const Tensor& padding_value, IntLists config) {
  bool identity = static_cast<int>(config.size()) == x.rank();
  for (const IntList& c : config) identity = identity && c == IntList{0, 0, 0};
  if (identity && padding_value.rank() == 0 && padding_value.dtype() == x.dtype()) return x;
  return bind1(P::pad, {x, padding_value}, Params{{"padding_config", std::move(config)}});
}

Tensor rev(const Tensor& x, IntList dimensions) {
  IntList dims;
  // Reversing an axis of size 0 or 1 changes nothing; leaving it out keeps jaxprs short.
  for (int64_t d : dimensions) {
    int a = normalize_axis(d, x.rank(), "rev dimension");
    if (x.shape()[a] > 1) dims.push_back(a);
  }
  if (dims.empty()) return x;
  std::sort(dims.begin(), dims.end());
  return bind1(P::rev, {x}, Params{{"dimensions", std::move(dims)}});
}

Tensor concatenate(const std::vector<Tensor>& xs, int64_t axis) {
  GS_CHECK(!xs.empty(), "concatenate needs at least one tensor");
  GS_CHECK(xs[0].rank() > 0, "concatenate: zero-dimensional tensors " + xs[0].aval().str() +
                                 " cannot be concatenated");
  int a = normalize_axis(axis, xs[0].rank(), "concatenate axis");
  if (xs.size() == 1) return xs[0];
  DType d = xs[0].dtype();
  for (const Tensor& x : xs) d = promote_types(d, x.dtype());
  Tensors ts;
  for (const Tensor& x : xs) ts.push_back(astype(x, d));
  return bind(P::concatenate, ts, Params{{"dimension", int64_t{a}}})[0];
}

Tensor broadcasted_iota(DType dtype, Shape shape, int64_t dimension) {
  int d = normalize_axis(dimension, static_cast<int>(shape.size()), "iota dimension");
  return bind(P::iota, {}, Params{{"dimension", int64_t{d}}, {"dtype", dtype}, {"shape", std::move(shape)}})[0];
}

Tensor iota(DType dtype, int64_t size) { return broadcasted_iota(dtype, {size}, 0); }

}  // namespace engine
