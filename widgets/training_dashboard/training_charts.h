// TrainingCharts: the dashboard's four QCustomPlot charts (view only; the series live in
// TrainingCurves): (a) training loss per step, raw values faint behind their bias-corrected EMA,
// with a smoothing slider and a log-y toggle; (b) train and test loss per epoch; (c) train and
// test accuracy per epoch; (d) the learning rate per step. append() adds a batch's new points
// (addData, sorted keys) and replots each chart that changed once. Each chart exports to PNG, PDF
// or SVG from its context menu or the Export button.
#pragma once
#include <vector>

#include <QWidget>

#include "engine/train/events.h"
#include "widgets/training_dashboard/training_curves.h"

class QCheckBox;
class QCustomPlot;
class QLabel;
class QSlider;

namespace gs {

class TrainingCharts : public QWidget {
  Q_OBJECT

 public:
  explicit TrainingCharts(QWidget* parent = nullptr);

  void clear();
  // Appends the batch's points and replots the charts that changed, once each.
  void append(const std::vector<engine::train::Event>& events);
  void setSmoothing(double weight);  // 0..0.99
  void setLogLoss(bool log);

  QCustomPlot* lossPlot() const { return plots_[0]; }
  QCustomPlot* epochLossPlot() const { return plots_[1]; }
  QCustomPlot* accuracyPlot() const { return plots_[2]; }
  QCustomPlot* learningRatePlot() const { return plots_[3]; }
  const TrainingCurves& curves() const { return curves_; }
  // Milliseconds the last append() took (appending and replotting).
  double lastAppendMs() const { return lastAppendMs_; }

 private:
  QCustomPlot* makePlot(const QString& title, const QString& name, const QString& x, const QString& y);
  void replot(QCustomPlot* plot);

  TrainingCurves curves_;
  QCustomPlot* plots_[4] = {};
  QSlider* smoothing_ = nullptr;
  QLabel* smoothingValue_ = nullptr;
  QCheckBox* logY_ = nullptr;
  double lastAppendMs_ = 0;
  int64_t epochs_ = 0;  // the run's epochs, from its events: the epoch charts' x range
};

}  // namespace gs
