#include "engine/train/metrics.h"

#include <limits>

#include "engine/numpy.h"

namespace engine::train {

Tensor accuracy(const Tensor& logits, const Tensor& labels) {
  GS_CHECK(logits.rank() == labels.rank() + 1,
           "accuracy: logits must be labels' shape plus a class axis, got logits " + logits.aval().str() +
               " and labels " + labels.aval().str());
  GS_CHECK(!is_floating(labels.dtype()), "accuracy: labels must be integer classes, got " + labels.aval().str());
  Tensor predicted = argmax(logits, -1);
  Tensor hits = equal(predicted, astype(labels, predicted.dtype()));
  return mean(astype(hits, DType::f32));
}

void RunningMean::add(double value, double weight) {
  GS_CHECK(weight >= 0, "RunningMean: weight must be non-negative, got " + std::to_string(weight));
  sum_ += value * weight;
  weight_ += weight;
}

void RunningMean::add(const Tensor& value, double weight) {
  GS_CHECK(value.size() == 1, "RunningMean: expected a scalar, got " + value.aval().str());
  add(value.item(), weight);
}

double RunningMean::mean() const {
  return weight_ > 0 ? sum_ / weight_ : std::numeric_limits<double>::quiet_NaN();
}

double MetricsAccumulator::mean(const std::string& name) const {
  auto it = metrics_.find(name);
  if (it == metrics_.end()) {
    std::string have;
    for (const auto& [k, v] : metrics_) have += (have.empty() ? "" : ", ") + k;
    throw Error("MetricsAccumulator: no metric '" + name + "' (have: " + (have.empty() ? "none" : have) + ")");
  }
  return it->second.mean();
}

std::map<std::string, double> MetricsAccumulator::means() const {
  std::map<std::string, double> out;
  for (const auto& [k, v] : metrics_) out[k] = v.mean();
  return out;
}

nlohmann::json MetricsAccumulator::totals() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : metrics_) out[k] = {v.total(), v.total_weight()};
  return out;
}

void MetricsAccumulator::restore(const nlohmann::json& totals) {
  GS_CHECK(totals.is_object(), "MetricsAccumulator: totals must be an object, got " + totals.dump());
  std::map<std::string, RunningMean> restored;
  for (const auto& [k, v] : totals.items()) {
    GS_CHECK(v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number() && v[1].get<double>() >= 0,
             "MetricsAccumulator: '" + k + "' must be [sum, weight], got " + v.dump());
    restored[k].restore(v[0].get<double>(), v[1].get<double>());
  }
  metrics_ = std::move(restored);
}

}  // namespace engine::train
