// RMSProp (optax.scale_by_rms, optax.rmsprop).
#pragma once
#include "engine/optim/base.h"
#include "engine/optim/schedule.h"

namespace engine::optim {

// nu = decay nu + (1 - decay) g², update g / sqrt(nu + eps). State: {"nu": initial_scale like
// params}.
GradientTransformation scale_by_rms(double decay = 0.9, double eps = 1e-8, double initial_scale = 0.0);

// chain(scale_by_rms, scale_by_learning_rate(lr), trace(momentum, nesterov) when momentum != 0):
// as in optax the momentum acts on the already scaled step.
GradientTransformation rmsprop(const ScalarOrSchedule& learning_rate, double decay = 0.9, double eps = 1e-8,
                               double initial_scale = 0.0, double momentum = 0.0, bool nesterov = false);

}  // namespace engine::optim
