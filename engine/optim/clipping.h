// Gradient clipping (optax/_src/clipping.py).
#pragma once
#include "engine/optim/base.h"

namespace engine::optim {

// Each element clipped to [-max_delta, max_delta]. State: empty.
GradientTransformation clip(double max_delta);

// When the global norm g of all updates reaches max_norm, every update is scaled by max_norm / g
// (so the clipped global norm is max_norm); below it they pass unchanged. State: empty.
GradientTransformation clip_by_global_norm(double max_norm);

}  // namespace engine::optim
