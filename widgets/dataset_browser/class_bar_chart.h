// ClassBarChart: one bar per class, class names on the x axis (the Dataset panel's class counts,
// the Evaluation panel's per-class accuracy), in the studio's chart style, exportable.
#pragma once
#include <QStringList>
#include <QVector>
#include <qcustomplot.h>

namespace gs {

class ClassBarChart : public QCustomPlot {
  Q_OBJECT
 public:
  // yLabel names the values ("Examples", "Accuracy"); seriesName is the legend's entry.
  ClassBarChart(const QString& yLabel, const QString& seriesName, QWidget* parent = nullptr);
  // NaN values are drawn as no bar. yMax > 0 fixes the y range (e.g. 1 for accuracy).
  void setValues(const QStringList& classNames, const QVector<double>& values, double yMax = 0);
  void clearValues();
  QCPBars* bars() const { return bars_; }

 private:
  QCPBars* bars_;
};

}  // namespace gs
