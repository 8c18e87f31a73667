// Stochastic gradient descent with optional (Nesterov) momentum: optax.trace and optax.sgd.
#pragma once
#include "engine/optim/base.h"
#include "engine/optim/schedule.h"

namespace engine::optim {

// Momentum: trace = g + decay * trace; the update is the new trace, or with nesterov
// g + decay * new_trace. State: {"trace": zeros like params}.
GradientTransformation trace(double decay, bool nesterov = false);

// chain(trace(momentum, nesterov), scale_by_learning_rate(lr)). momentum 0 (and no nesterov)
// leaves the trace out, like optax's momentum=None, so the state is then ((), ()) or
// ((), {"count"}) for a schedule.
GradientTransformation sgd(const ScalarOrSchedule& learning_rate, double momentum = 0.0, bool nesterov = false);

}  // namespace engine::optim
