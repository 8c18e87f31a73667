#include "widgets/training_dashboard/training_curves.h"

#include <cmath>

namespace gs {

namespace train = engine::train;

namespace {

void push(QVector<double>& keys, QVector<double>& values, double k, double v) {
  keys.push_back(k);
  values.push_back(v);
}

void append(QVector<double>& to, const QVector<double>& from) { to.append(from); }

double metric(const train::Event& e, const char* name) {
  auto it = e.metrics.find(name);
  return it == e.metrics.end() ? NAN : it->second;
}

}  // namespace

CurvePoints TrainingCurves::ingest(const std::vector<train::Event>& events) {
  CurvePoints fresh;
  for (const train::Event& e : events) {
    if (e.type == train::EventType::step) {
      const double x = double(e.step), loss = metric(e, "train/loss");
      if (std::isfinite(loss)) {
        fresh.stepKeys.push_back(x);
        fresh.loss.push_back(loss);
        fresh.smoothLoss.push_back(ema_.add(loss));
      }
      if (e.learning_rate > 0 && std::isfinite(e.learning_rate)) push(fresh.lrKeys, fresh.lr, x, e.learning_rate);
    } else if (e.type == train::EventType::epoch) {
      const double x = double(e.epoch);
      const double tl = metric(e, "train/loss"), ta = metric(e, "train/accuracy");
      if (std::isfinite(tl)) {
        fresh.epochKeys.push_back(x);
        fresh.trainLoss.push_back(tl);
        fresh.trainAccuracy.push_back(ta);  // NaN for regression: QCustomPlot leaves a gap
      }
      const double vl = metric(e, "test/loss"), va = metric(e, "test/accuracy");
      if (std::isfinite(vl)) {
        fresh.testKeys.push_back(x);
        fresh.testLoss.push_back(vl);
        fresh.testAccuracy.push_back(va);
      }
    }
  }
  append(all_.stepKeys, fresh.stepKeys);
  append(all_.loss, fresh.loss);
  append(all_.smoothLoss, fresh.smoothLoss);
  append(all_.lrKeys, fresh.lrKeys);
  append(all_.lr, fresh.lr);
  append(all_.epochKeys, fresh.epochKeys);
  append(all_.trainLoss, fresh.trainLoss);
  append(all_.trainAccuracy, fresh.trainAccuracy);
  append(all_.testKeys, fresh.testKeys);
  append(all_.testLoss, fresh.testLoss);
  append(all_.testAccuracy, fresh.testAccuracy);
  return fresh;
}

void TrainingCurves::clear() {
  all_ = CurvePoints{};
  ema_ = Ema(smoothing_);
}

const QVector<double>& TrainingCurves::setSmoothing(double weight) {
  smoothing_ = weight;
  ema_ = Ema(weight);
  for (int i = 0; i < all_.loss.size(); ++i) all_.smoothLoss[i] = ema_.add(all_.loss[i]);
  return all_.smoothLoss;
}

}  // namespace gs
