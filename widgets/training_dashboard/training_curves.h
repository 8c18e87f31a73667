// TrainingCurves: the series a run's events make (the dashboard's data; no painting). Each
// ingest() appends what a batch of events adds and returns just those new points, so the view
// appends them to its charts (addData with sorted keys) instead of setting everything again.
#pragma once
#include <vector>

#include <QVector>

#include "engine/train/events.h"
#include "widgets/common/smoothing.h"

namespace gs {

struct CurvePoints {
  QVector<double> stepKeys, loss, smoothLoss;  // train/loss of step events, and its EMA
  QVector<double> lrKeys, lr;                  // learning rate per step
  QVector<double> epochKeys, trainLoss, trainAccuracy;
  QVector<double> testKeys, testLoss, testAccuracy;
  bool empty() const { return stepKeys.isEmpty() && lrKeys.isEmpty() && epochKeys.isEmpty() && testKeys.isEmpty(); }
};

class TrainingCurves {
 public:
  explicit TrainingCurves(double smoothing = 0.6) : smoothing_(smoothing), ema_(smoothing) {}

  // The new points of these events (non-finite values are left out: a log axis cannot show them).
  CurvePoints ingest(const std::vector<engine::train::Event>& events);
  void clear();

  // Changes the EMA weight (0..0.99) and returns the whole smoothed series again.
  const QVector<double>& setSmoothing(double weight);
  double smoothing() const { return smoothing_; }

  const QVector<double>& stepKeys() const { return all_.stepKeys; }
  const QVector<double>& loss() const { return all_.loss; }
  const QVector<double>& smoothLoss() const { return all_.smoothLoss; }
  const CurvePoints& all() const { return all_; }

 private:
  double smoothing_;
  Ema ema_;
  CurvePoints all_;
};

}  // namespace gs
