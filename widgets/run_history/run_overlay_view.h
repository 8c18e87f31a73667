// RunOverlayView: one metric of several runs in one chart (QCustomPlot), each run in its own
// colour (gs::runColor), with a metric chooser (the union of the runs' metric names), x by step,
// epoch or wall time, and EMA smoothing (the raw curve faint behind). Curves come from the
// store's decimated query, so a run of a million rows draws maxPoints() points per curve.
#pragma once
#include <QList>
#include <QWidget>
#include <map>
#include <vector>

#include "engine/runs/run_store.h"

class QComboBox;
class QCustomPlot;
class QLabel;
class QSlider;

namespace gs {

class RunOverlayView : public QWidget {
  Q_OBJECT
 public:
  enum XAxis { ByStep, ByEpoch, ByWallTime };
  explicit RunOverlayView(QWidget* parent = nullptr);
  void setStore(engine::runs::RunStore* store) { store_ = store; }
  // Shows these runs (names for the legend); re-reads their metric names and curves.
  void setRuns(const QList<qint64>& ids, const QStringList& names);
  // Re-reads the curves of the runs shown (live runs grow).
  void reload();
  QList<qint64> runs() const { return ids_; }

  QString metric() const;
  void setMetric(const QString& name);
  QStringList metricNames() const;
  void setXAxis(XAxis x);
  void setSmoothing(double weight);  // 0 (raw) .. 0.99
  double smoothing() const;
  int maxPoints() const { return maxPoints_; }
  void setMaxPoints(int n) { maxPoints_ = n; }
  QCustomPlot* plot() const { return plot_; }

 signals:
  void errorOccurred(const QString& message);

 private:
  void loadCurves();
  void redraw();

  engine::runs::RunStore* store_ = nullptr;
  QList<qint64> ids_;
  QStringList names_;
  std::map<qint64, std::vector<engine::runs::MetricPoint>> curves_;
  int maxPoints_ = 2000;
  QComboBox* metric_;
  QComboBox* xAxis_;
  QSlider* smoothing_;
  QLabel* smoothingValue_;
  QCustomPlot* plot_;
};

}  // namespace gs
