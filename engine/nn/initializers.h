// Parameter initializers of flax.linen.initializers (= jax.nn.initializers), on concrete keys.
#pragma once
#include "engine/core/array.h"

namespace engine::nn {

// variance_scaling(1.0, "fan_in", "truncated_normal"): truncated_normal(key, -2, 2, shape) times
// sqrt(1 / fan_in) / 0.87962566103423978 (the std of a standard normal truncated to (-2, 2)),
// all in dtype. fan_in = shape[-2] times the receptive field (the product of all axes but the
// last two), so a Dense kernel (in, out) has fan_in = in and a Conv kernel (kh, kw, in, out)
// kh*kw*in. Shapes of rank < 2 use fan_in = 1 for rank 0 and shape[0] for rank 1, as JAX's
// _compute_fans does.
Array lecun_normal(const Array& key, const Shape& shape, DType dtype = DType::f32);
int64_t fan_in(const Shape& shape);

Array zeros_init(const Shape& shape, DType dtype = DType::f32);
Array ones_init(const Shape& shape, DType dtype = DType::f32);

}  // namespace engine::nn
