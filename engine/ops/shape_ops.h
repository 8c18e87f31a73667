// Shape manipulation over Tensors: reshape, broadcast, transpose, squeeze (ops/shape.cpp).
#pragma once
#include "engine/core/tensor.h"
#include "engine/ir/params.h"

namespace engine {

// reshape; one extent may be -1 (inferred).
Tensor reshape(const Tensor& x, Shape shape);
// lax.broadcast_in_dim: operand axis i goes to output axis dims[i]; other axes are new.
Tensor broadcast_in_dim(const Tensor& x, Shape shape, IntList dims);
// NumPy broadcast_to.
Tensor broadcast_to(const Tensor& x, const Shape& shape);
// Permutes axes; empty perm reverses them (NumPy's x.T).
Tensor transpose(const Tensor& x, IntList perm = {});
Tensor squeeze(const Tensor& x, IntList axes);
Tensor expand_dims(const Tensor& x, int64_t axis);
Tensor ravel(const Tensor& x);
// A tensor of zeros / a full tensor with x's dtype unless given (lowered to broadcast_in_dim of a
// scalar, so traced code carries no big constants).
Tensor zeros(const Shape& shape, DType dtype = DType::f32);
Tensor full_like(const Tensor& x, double value);
Tensor zeros_like(const Tensor& x);
Tensor ones_like(const Tensor& x);

}  // namespace engine
