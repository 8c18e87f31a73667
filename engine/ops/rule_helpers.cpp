#include "engine/ops/rule_helpers.h"

#include "engine/ops/elementwise.h"
#include "engine/ops/shape_ops.h"

namespace engine {

Tensor jnp_float(const Tensor& x) { return is_floating(x.dtype()) ? x : astype(x, DType::f32); }

Tensors jnp_operands(std::initializer_list<Tensor> in, bool promote) {
  Tensors ts(in);
  if (promote) {
    DType d = ts[0].dtype();
    for (const Tensor& t : ts) d = promote_types(d, t.dtype());
    for (Tensor& t : ts)
      if (t.dtype() != d) t = astype(t, d);
  }
  Shape shape;
  for (const Tensor& t : ts) shape = broadcast_shapes(shape, t.shape());
  for (Tensor& t : ts)
    if (t.rank() != 0 && t.shape() != shape) t = broadcast_to(t, shape);
  return ts;
}

Shape common_elementwise_shape(std::span<const Aval> in, std::string_view prim) {
  const Shape* shape = nullptr;
  for (const Aval& a : in) {
    if (a.rank() == 0) continue;
    if (!shape) {
      shape = &a.shape;
    } else if (*shape != a.shape) {
      std::string all;
      for (const Aval& b : in) all += (all.empty() ? "" : ", ") + b.str();
      throw Error(std::string(prim) + ": operands must have equal shapes (or be scalars), got " + all);
    }
  }
  return shape ? *shape : Shape{};
}

static DType common_dtype(std::span<const Aval> in, std::string_view prim) {
  for (const Aval& a : in)
    if (a.dtype != in[0].dtype) {
      std::string all;
      for (const Aval& b : in) all += (all.empty() ? "" : ", ") + b.str();
      throw Error(std::string(prim) + ": operands must have one dtype, got " + all);
    }
  return in[0].dtype;
}

Avals elementwise_shape(std::span<const Aval> in, const Params&) {
  return {{common_elementwise_shape(in, "elementwise op"), common_dtype(in, "elementwise op")}};
}

Avals comparison_shape(std::span<const Aval> in, const Params&) {
  common_dtype(in, "comparison");
  return {{common_elementwise_shape(in, "comparison"), DType::boolean}};
}

Tensor move_batch_axis_to_front(const Tensor& x, int dim) {
  if (dim == 0) return x;
  IntList perm{dim};
  for (int i = 0; i < x.rank(); ++i)
    if (i != dim) perm.push_back(i);
  return transpose(x, perm);
}

std::pair<Tensors, std::vector<int>> elementwise_batch(PrimId prim, std::span<const Tensor> args,
                                                       std::span<const int> dims,
                                                       const Params& params) {
  int64_t batch = -1;
  Shape batched_shape;
  Tensors moved(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    if (dims[i] == kNotMapped) continue;
    moved[i] = move_batch_axis_to_front(args[i], dims[i]);
    batch = moved[i].shape()[0];
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (dims[i] != kNotMapped) continue;
    // An unbatched operand gains the batch axis, except rank-0 scalars which broadcast anyway.
    if (args[i].rank() == 0) {
      moved[i] = args[i];
    } else {
      Shape s{batch};
      s.insert(s.end(), args[i].shape().begin(), args[i].shape().end());
      IntList d;
      for (int k = 0; k < args[i].rank(); ++k) d.push_back(k + 1);
      moved[i] = broadcast_in_dim(args[i], s, d);
    }
  }
  // A batched rank-1 operand (a batch of scalars) must match the others' full shape.
  for (const Tensor& m : moved)
    if (m.rank() > 1) batched_shape = m.shape();
  for (size_t i = 0; i < args.size(); ++i)
    if (moved[i].rank() == 1 && batched_shape.size() > 1)
      moved[i] = broadcast_in_dim(moved[i], batched_shape, {0});
  Tensors out = bind(prim, moved, params);
  return {out, std::vector<int>(out.size(), 0)};
}

std::pair<Tensors, Tensors> linear_jvp(PrimId prim, std::span<const Tensor> primals,
                                       std::span<const Tensor> tangents, const Params& params) {
  Tensors out = bind(prim, primals, params);
  bool any = false;
  for (const Tensor& t : tangents) any = any || t.defined();
  if (!any) return {out, Tensors(out.size())};
  Tensors ts(tangents.begin(), tangents.end());
  for (size_t i = 0; i < ts.size(); ++i)
    if (!ts[i].defined()) ts[i] = zeros_of(primals[i].aval());
  return {out, bind(prim, ts, params)};
}

Tensor zeros_of(const Aval& aval) { return zeros(aval.shape, aval.dtype); }

}  // namespace engine

namespace engine {

Array gather_strided(const Array& in, const Shape& out_shape, const std::vector<int64_t>& strides,
                     int64_t offset) {
  Array out = Array::empty(in.dtype(), out_shape);
  const size_t width = dtype_size(in.dtype());
  const auto* src = static_cast<const char*>(in.raw());
  auto* dst = static_cast<char*>(out.mutable_raw());
  int rank = static_cast<int>(out_shape.size());
  if (out.size() == 0) return out;
  // Odometer over all but the last axis; the innermost axis is a tight loop.
  int64_t inner = rank ? out_shape[rank - 1] : 1;
  int64_t inner_stride = rank ? strides[rank - 1] : 0;
  std::vector<int64_t> idx(std::max(rank - 1, 0), 0);
  int64_t base = offset;
  for (int64_t row = 0, rows = out.size() / inner; row < rows; ++row) {
    char* d = dst + row * inner * width;
    if (inner_stride == 1) {
      std::memcpy(d, src + base * width, inner * width);
    } else {
      for (int64_t i = 0; i < inner; ++i)
        std::memcpy(d + i * width, src + (base + i * inner_stride) * width, width);
    }
    for (int k = rank - 2; k >= 0; --k) {
      base += strides[k];
      if (++idx[k] < out_shape[k]) break;
      base -= strides[k] * out_shape[k];
      idx[k] = 0;
    }
  }
  return out;
}

}  // namespace engine
