// The stateless and schedule-driven building blocks of optax/_src/transform.py. Each returns a
// GradientTransformation; named optimizers (sgd.h, adam.h, ...) chain them.
#pragma once
#include "engine/optim/base.h"
#include "engine/optim/schedule.h"

namespace engine::optim {

// updates * step_size. State: empty.
GradientTransformation scale(double step_size);

// updates * schedule(count), count starting at 0 and incremented after each update.
// State: {"count": int32[]}.
GradientTransformation scale_by_schedule(Schedule step_size_fn);

// updates * -learning_rate (or +learning_rate without flip_sign): turns a descent direction into
// a step. A constant rate is scale(); a schedule is scale_by_schedule().
GradientTransformation scale_by_learning_rate(const ScalarOrSchedule& learning_rate, bool flip_sign = true);

// updates + weight_decay * params (decoupled weight decay, as in adamw). State: empty.
GradientTransformation add_decayed_weights(double weight_decay = 0.0);

}  // namespace engine::optim
