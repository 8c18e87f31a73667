// Adam and AdamW (optax.scale_by_adam, optax.adam, optax.adamw).
#pragma once
#include "engine/optim/base.h"
#include "engine/optim/schedule.h"

namespace engine::optim {

struct AdamOptions {
  double b1 = 0.9;
  double b2 = 0.999;
  double eps = 1e-8;
  double eps_root = 0.0;
};

// mu = b1 mu + (1 - b1) g, nu = b2 nu + (1 - b2) g², count += 1, and the update
// (mu / (1 - b1^count)) / (sqrt(nu / (1 - b2^count) + eps_root) + eps): the moments are
// bias-corrected for their zero start. State: {"count": int32[], "mu", "nu": like params}.
GradientTransformation scale_by_adam(AdamOptions options = {});

// chain(scale_by_adam, scale_by_learning_rate(lr)).
GradientTransformation adam(const ScalarOrSchedule& learning_rate, AdamOptions options = {});

// chain(scale_by_adam, add_decayed_weights(weight_decay), scale_by_learning_rate(lr)): the decay
// is added after the adaptive scaling, so it is not divided by sqrt(nu) (decoupled weight decay).
GradientTransformation adamw(const ScalarOrSchedule& learning_rate, AdamOptions options = {},
                             double weight_decay = 1e-4);

}  // namespace engine::optim
