// Adagrad (optax.scale_by_rss, optax.adagrad).
#pragma once
#include "engine/optim/base.h"
#include "engine/optim/schedule.h"

namespace engine::optim {

// sum_of_squares += g², update g / sqrt(sum_of_squares + eps) (0 where the sum is 0).
// State: {"sum_of_squares": initial_accumulator_value like params}.
GradientTransformation scale_by_rss(double initial_accumulator_value = 0.1, double eps = 1e-7);

// chain(scale_by_rss, scale_by_learning_rate(lr)).
GradientTransformation adagrad(const ScalarOrSchedule& learning_rate, double initial_accumulator_value = 0.1,
                               double eps = 1e-7);

}  // namespace engine::optim
