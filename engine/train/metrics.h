// Metrics: accuracy as a traced op (so it can sit inside a jitted eval step), and running means
// over concrete values for per-epoch numbers.
#pragma once
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/core/tensor.h"

namespace engine::train {

// mean(argmax(logits, -1) == labels) as a float32 scalar: logits [..., C], integer labels [...].
Tensor accuracy(const Tensor& logits, const Tensor& labels);

// A weighted running mean of concrete numbers (e.g. the loss of each batch, weighted by its size
// so that a short last batch counts less).
class RunningMean {
 public:
  void add(double value, double weight = 1.0);
  void add(const Tensor& value, double weight = 1.0);  // reads the value: concrete scalars only
  double mean() const;  // NaN before the first add
  double total_weight() const { return weight_; }
  double total() const { return sum_; }  // the weighted sum
  void reset() { sum_ = weight_ = 0; }
  // Back to a saved total() and total_weight() (a checkpoint taken mid-epoch carries them).
  void restore(double sum, double weight) { sum_ = sum, weight_ = weight; }

 private:
  double sum_ = 0, weight_ = 0;
};

// Running means by name: add("loss", l, n); add("accuracy", a, n); then means() per epoch.
class MetricsAccumulator {
 public:
  void add(const std::string& name, double value, double weight = 1.0) { metrics_[name].add(value, weight); }
  void add(const std::string& name, const Tensor& value, double weight = 1.0) { metrics_[name].add(value, weight); }
  double mean(const std::string& name) const;  // throws naming the metrics present
  std::map<std::string, double> means() const;
  void reset() { metrics_.clear(); }
  // Every running mean's weighted sum and weight, exactly, to carry them across a checkpoint:
  // {"loss": [sum, weight], ...}; restore() takes that back (throws naming what is malformed).
  nlohmann::json totals() const;
  void restore(const nlohmann::json& totals);

 private:
  std::map<std::string, RunningMean> metrics_;
};

}  // namespace engine::train
