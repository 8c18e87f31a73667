// Linear algebra and convolution over Tensors (ops/linalg.cpp, ops/linalg_api.cpp,
// ops/conv_general_dilated.cpp).
#pragma once
#include <optional>

#include "engine/core/tensor.h"
#include "engine/ir/params.h"
#include "engine/ops/conv_geometry.h"

namespace engine {

// lax.dot_general's ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch)). The result has the
// batch axes, then lhs's free axes, then rhs's free axes, each in operand order.
struct DotDimensionNumbers {
  IntList lhs_contract, rhs_contract;
  IntList lhs_batch = {}, rhs_batch = {};
};

// lax.dot_general. Operands share one (non-boolean) dtype; the result has preferred_element_type
// when given (e.g. f64 accumulation of f32 inputs), else the operands' dtype.
Tensor dot_general(const Tensor& lhs, const Tensor& rhs, const DotDimensionNumbers& dims,
                   std::optional<DType> preferred_element_type = std::nullopt);

// jnp.dot: scalars multiply; otherwise contracts a's last axis with b's second-to-last (or only)
// axis, so 1-D·1-D is the inner product and 2-D·2-D the matrix product. Promotes dtypes.
Tensor dot(const Tensor& a, const Tensor& b);
// jnp.matmul (the @ operator): matrix products over the last two axes with the leading (batch)
// axes broadcast; a 1-D operand is a row (a) or column (b) vector whose axis is dropped after.
Tensor matmul(const Tensor& a, const Tensor& b);
// jnp.tensordot: contracts a's last `axes` axes with b's first `axes` axes ...
Tensor tensordot(const Tensor& a, const Tensor& b, int64_t axes = 2);
// ... or the listed axes pairwise.
Tensor tensordot(const Tensor& a, const Tensor& b, const IntList& a_axes, const IntList& b_axes);
// jnp.vdot: the inner product of the flattened operands (real dtypes: no conjugation).
Tensor vdot(const Tensor& a, const Tensor& b);
// jnp.outer: ravel(a)[:, None] * ravel(b)[None, :].
Tensor outer(const Tensor& a, const Tensor& b);

// lax.conv_general_dilated with dimension_numbers fixed to channels-last: input (N, spatial..., C)
// ("NHWC" for 2-D), kernel (spatial..., C / feature_group_count, O) ("HWIO"), output
// (N / batch_group_count, spatial..., O). Empty stride/dilation lists mean all ones. Padding is
// "SAME"/"VALID" (resolved with the rhs-dilated kernel, as lax does) or (lo, hi) per spatial axis.
Tensor conv_general_dilated(const Tensor& lhs, const Tensor& rhs, IntList window_strides,
                            const Padding& padding, IntList lhs_dilation = {},
                            IntList rhs_dilation = {}, int64_t feature_group_count = 1,
                            int64_t batch_group_count = 1);
// The convolution of flax.linen.Conv (without bias): x (N, spatial..., C), w (spatial..., C/groups,
// O).
Tensor conv(const Tensor& x, const Tensor& w, IntList strides = {}, const Padding& padding = "SAME",
            IntList rhs_dilation = {}, int64_t groups = 1);

}  // namespace engine
