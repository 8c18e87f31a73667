// Windowed reductions and pooling over Tensors (ops/window.cpp).
//
// A window op slides a window of window_dimensions (one entry per operand axis) with
// window_strides over the operand, padded by (lo, hi) per axis; padding elements are the
// reduction's identity (0 for sum, -inf or the lowest integer for max). Empty strides and
// dilations mean all ones. The pooling functions take Flax's arguments: windows and strides for
// the spatial axes only of (batch..., spatial..., C) inputs.
#pragma once
#include "engine/core/tensor.h"
#include "engine/ir/params.h"
#include "engine/ops/conv_geometry.h"

namespace engine {

// lax.reduce_window with add / max. String padding is resolved over the dilated window.
Tensor reduce_window_sum(const Tensor& x, IntList window_dimensions, IntList window_strides = {},
                         const Padding& padding = "VALID", IntList base_dilation = {},
                         IntList window_dilation = {});
Tensor reduce_window_max(const Tensor& x, IntList window_dimensions, IntList window_strides = {},
                         const Padding& padding = "VALID", IntList base_dilation = {},
                         IntList window_dilation = {});

// The gradient of max pooling: each element of `source` (one per window of `operand`) is added
// at the position of its window's maximum; the first maximum wins ties; padding is never chosen.
// The result has operand's shape.
Tensor select_and_scatter_add(const Tensor& source, const Tensor& operand,
                              IntList window_dimensions, IntList window_strides, IntLists padding);
// Its transpose and the JVP of reduce_window_max: for each window of `operand`, the element of
// `tangents` (operand's shape) at the window's maximum, 0 for an all-padding window.
Tensor select_and_gather_add(const Tensor& tangents, const Tensor& operand,
                             IntList window_dimensions, IntList window_strides, IntLists padding,
                             IntList base_dilation = {}, IntList window_dilation = {});

// flax.linen.avg_pool (count_include_pad=True: the sum over the window divided by its size, pads
// counted) and flax.linen.max_pool. x is (batch..., spatial..., C) with one window entry per
// spatial axis; strides default to ones. Non-float inputs of avg_pool are converted to f32.
Tensor avg_pool(const Tensor& x, const IntList& window_shape, IntList strides = {},
                const Padding& padding = "VALID");
Tensor max_pool(const Tensor& x, const IntList& window_shape, IntList strides = {},
                const Padding& padding = "VALID");

}  // namespace engine
