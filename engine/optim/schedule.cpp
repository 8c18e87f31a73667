#include "engine/optim/schedule.h"

#include <algorithm>
#include <memory>
#include <numbers>
#include <string>

#include "engine/numpy.h"

namespace engine::optim {

Tensor count_as_float(const Tensor& count) {
  return count.dtype() == DType::f32 ? count : astype(count, DType::f32);
}

Schedule constant_schedule(double value) {
  return [value](const Tensor& count) { return scalar_like(value, count_as_float(count)); };
}

Schedule exponential_decay(double init_value, int64_t transition_steps, double decay_rate, int64_t transition_begin,
                           bool staircase, std::optional<double> end_value) {
  if (transition_steps <= 0 || decay_rate == 0.0) return constant_schedule(init_value);
  transition_begin = std::max<int64_t>(transition_begin, 0);
  return [=](const Tensor& count) {
    Tensor decreased = count_as_float(count) - static_cast<double>(transition_begin);
    Tensor p = decreased / static_cast<double>(transition_steps);
    if (staircase) p = floor(p);
    Tensor decayed = init_value * pow(scalar_like(decay_rate, p), p);
    Tensor value = where(decreased <= 0.0, scalar_like(init_value, p), decayed);
    if (end_value) {
      Tensor end = scalar_like(*end_value, value);
      value = decay_rate < 1.0 ? maximum(value, end) : minimum(value, end);
    }
    return value;
  };
}

Schedule polynomial_schedule(double init_value, double end_value, double power, int64_t transition_steps,
                             int64_t transition_begin) {
  if (transition_steps <= 0) return constant_schedule(init_value);
  transition_begin = std::max<int64_t>(transition_begin, 0);
  return [=](const Tensor& count) {
    Tensor t = count_as_float(count) - static_cast<double>(transition_begin);
    t = minimum(maximum(t, scalar_like(0.0, t)), scalar_like(static_cast<double>(transition_steps), t));
    Tensor frac = 1.0 - t / static_cast<double>(transition_steps);
    // power 1 is the common case (linear_schedule): skip pow, which is only a rounding away.
    Tensor shaped = power == 1.0 ? frac : pow(frac, scalar_like(power, frac));
    return (init_value - end_value) * shaped + end_value;
  };
}

Schedule linear_schedule(double init_value, double end_value, int64_t transition_steps, int64_t transition_begin) {
  return polynomial_schedule(init_value, end_value, 1.0, transition_steps, transition_begin);
}

Schedule cosine_decay_schedule(double init_value, int64_t decay_steps, double alpha, double exponent) {
  GS_CHECK(decay_steps > 0, "cosine_decay_schedule: decay_steps must be positive, got " + std::to_string(decay_steps));
  return [=](const Tensor& count) {
    const double steps = static_cast<double>(decay_steps);
    Tensor c = minimum(count_as_float(count), scalar_like(steps, count_as_float(count)));
    Tensor cosine = 0.5 * (1.0 + cos(c * (std::numbers::pi / steps)));
    Tensor shaped = exponent == 1.0 ? cosine : pow(cosine, scalar_like(exponent, cosine));
    return init_value * ((1.0 - alpha) * shaped + alpha);
  };
}

Schedule warmup_cosine_decay_schedule(double init_value, double peak_value, int64_t warmup_steps, int64_t decay_steps,
                                      double end_value, double exponent) {
  const double alpha = peak_value == 0.0 ? 0.0 : end_value / peak_value;
  return join_schedules({linear_schedule(init_value, peak_value, warmup_steps),
                         cosine_decay_schedule(peak_value, decay_steps - warmup_steps, alpha, exponent)},
                        {warmup_steps});
}

Schedule join_schedules(std::vector<Schedule> schedules, std::vector<int64_t> boundaries) {
  GS_CHECK(!schedules.empty() && boundaries.size() + 1 == schedules.size(),
           "join_schedules: need one boundary fewer than schedules, got " + std::to_string(schedules.size()) +
               " schedules and " + std::to_string(boundaries.size()) + " boundaries");
  return [schedules = std::move(schedules), boundaries = std::move(boundaries)](const Tensor& count) {
    Tensor step = count_as_float(count);
    Tensor out = schedules[0](step);
    for (size_t i = 0; i < boundaries.size(); ++i) {
      const double b = static_cast<double>(boundaries[i]);
      out = where(step < b, out, schedules[i + 1](step - b));
    }
    return out;
  };
}

Schedule piecewise_constant_schedule(double init_value, std::vector<std::pair<int64_t, double>> boundaries_and_scales) {
  for (const auto& [boundary, scale] : boundaries_and_scales)
    GS_CHECK(scale >= 0.0, "piecewise_constant_schedule: the scale at boundary " + std::to_string(boundary) +
                               " is negative (" + std::to_string(scale) + "); scales must be >= 0");
  std::sort(boundaries_and_scales.begin(), boundaries_and_scales.end());
  return [=](const Tensor& count) {
    Tensor step = count_as_float(count);
    Tensor v = scalar_like(init_value, step);
    // As optax: the indicator is 1 strictly before the boundary, so the scale applies from it on.
    for (const auto& [boundary, scale] : boundaries_and_scales) {
      Tensor indicator = maximum(scalar_like(0.0, step), sign(static_cast<double>(boundary) - step));
      v = v * indicator + (1.0 - indicator) * scale * v;
    }
    return v;
  };
}

}  // namespace engine::optim
