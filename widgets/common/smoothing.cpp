#include "widgets/common/smoothing.h"

#include <cmath>

namespace gs {

double Ema::add(double v) {
  if (!std::isfinite(v)) return v;
  last_ = last_ * weight_ + (1 - weight_) * v;
  debias_ *= weight_;
  ++count_;
  // debias_ is weight^count: 1 - weight^count is the total weight the average has seen.
  return weight_ == 0 ? v : last_ / (1 - debias_);
}

std::vector<double> smooth(const std::vector<double>& values, double weight) {
  Ema ema(weight);
  std::vector<double> out;
  out.reserve(values.size());
  for (double v : values) out.push_back(ema.add(v));
  return out;
}

}  // namespace gs
