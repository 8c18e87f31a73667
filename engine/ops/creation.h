// Creation over Tensors. These lower to iota (and elementwise ops) rather than to constants, so a
// traced function carries a one-line equation instead of a captured buffer. The concrete
// Array-level full/ones/arange/linspace live in core/array.h; zeros/full_like in shape_ops.h.
#pragma once
#include "engine/core/tensor.h"

namespace engine {

// lax.iota: 0, 1, ..., size-1 in dtype (numeric dtypes only).
Tensor iota(DType dtype, int64_t size);
// lax.broadcasted_iota: the index along `dimension` at every position of shape.
Tensor broadcasted_iota(DType dtype, Shape shape, int64_t dimension);
// jnp.arange(stop): 0, 1, ..., stop-1, int32 by default as in JAX. (arange(start, stop, step)
// with doubles is the concrete Array version in core/array.h.)
Tensor arange(int64_t stop, DType dtype = DType::i32);
// jnp.linspace over rank-0 tensors, so the result is traced and differentiable in start and
// stop. Integer endpoints give float32. With endpoint the last value is exactly stop (NumPy).
Tensor linspace(const Tensor& start, const Tensor& stop, int64_t num, bool endpoint = true);
// jnp.eye: ones on the k-th diagonal of an n x m matrix (m = n when negative).
Tensor eye(int64_t n, int64_t m = -1, int64_t k = 0, DType dtype = DType::f32);

}  // namespace engine
