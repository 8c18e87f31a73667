// TensorBoard's loss smoothing: an exponential moving average whose start is bias-corrected, so
// the first points are not pulled towards zero. weight 0 returns the input; 0.99 is very smooth.
#pragma once
#include <vector>

namespace gs {

class Ema {
 public:
  explicit Ema(double weight = 0.6) : weight_(weight) {}
  // The smoothed value after v; non-finite values pass through without entering the average.
  double add(double v);
  void reset() { last_ = 0, debias_ = 1, count_ = 0; }

 private:
  double weight_;
  double last_ = 0, debias_ = 1;
  long count_ = 0;
};

std::vector<double> smooth(const std::vector<double>& values, double weight);

}  // namespace gs
