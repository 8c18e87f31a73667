// Learning-rate schedules as in optax/_src/schedule.py: functions from the step count (an int32
// scalar tensor, as kept in optimizer states) to a float32 scalar tensor. They are written with
// engine ops, so the value is computed inside a jitted step from the traced count.
//
// Optax warns and falls back to a constant schedule for transition_steps <= 0 (and for
// decay_rate == 0 in exponential_decay); these do the same without the warning. A negative
// transition_begin is taken as 0, as there.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/core/tensor.h"

namespace engine::optim {

using Schedule = std::function<Tensor(const Tensor& count)>;

// A learning rate: a fixed number or a schedule (optax's ScalarOrSchedule).
class ScalarOrSchedule {
 public:
  ScalarOrSchedule(double value) : value_(value) {}  // NOLINT: a number is a constant rate
  ScalarOrSchedule(Schedule schedule) : schedule_(std::move(schedule)) {}  // NOLINT
  template <class F>
    requires(std::is_invocable_r_v<Tensor, F, const Tensor&> && !std::is_arithmetic_v<F> &&
             !std::is_same_v<std::remove_cvref_t<F>, Schedule>)
  ScalarOrSchedule(F f) : schedule_(Schedule(std::move(f))) {}  // NOLINT

  bool is_schedule() const { return static_cast<bool>(schedule_); }
  double value() const { return value_; }  // the constant (meaningless for a schedule)
  const Schedule& schedule() const { return schedule_; }

 private:
  double value_ = 0;
  Schedule schedule_;
};

// The count as float32 (what optax's true division of an int32 count gives).
Tensor count_as_float(const Tensor& count);

Schedule constant_schedule(double value);

// init * decay_rate^((count - transition_begin) / transition_steps), with the exponent floored
// when staircase; init before transition_begin; clipped at end_value (from below when
// decay_rate < 1, from above otherwise).
Schedule exponential_decay(double init_value, int64_t transition_steps, double decay_rate,
                           int64_t transition_begin = 0, bool staircase = false,
                           std::optional<double> end_value = std::nullopt);

// (init - end) * (1 - t / transition_steps)^power + end, t = clip(count - begin, 0, steps).
Schedule polynomial_schedule(double init_value, double end_value, double power, int64_t transition_steps,
                             int64_t transition_begin = 0);
Schedule linear_schedule(double init_value, double end_value, int64_t transition_steps,
                         int64_t transition_begin = 0);

// init * ((1 - alpha) * (0.5 * (1 + cos(pi * min(count, decay_steps) / decay_steps)))^exponent
// + alpha). decay_steps must be positive.
Schedule cosine_decay_schedule(double init_value, int64_t decay_steps, double alpha = 0.0, double exponent = 1.0);

// Linear warmup from init_value to peak_value over warmup_steps, then cosine decay to end_value
// at decay_steps (counted from 0, warmup included).
Schedule warmup_cosine_decay_schedule(double init_value, double peak_value, int64_t warmup_steps,
                                      int64_t decay_steps, double end_value = 0.0, double exponent = 1.0);

// schedules[0] before boundaries[0], then schedules[i + 1] evaluated at count - boundaries[i].
Schedule join_schedules(std::vector<Schedule> schedules, std::vector<int64_t> boundaries);

// init_value, multiplied by each scale once count reaches its boundary. Scales must be >= 0.
Schedule piecewise_constant_schedule(double init_value, std::vector<std::pair<int64_t, double>> boundaries_and_scales);

}  // namespace engine::optim
