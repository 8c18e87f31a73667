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
  // valueLabel names the values ("Examples", "Accuracy"); seriesName is the legend's entry.
  // Qt::Horizontal bars put the class names down the y axis, readable in a narrow side panel.
  ClassBarChart(const QString& valueLabel, const QString& seriesName, Qt::Orientation bars = Qt::Vertical,
                QWidget* parent = nullptr);
  // NaN values are drawn as no bar. valueMax > 0 fixes the value range (e.g. 1 for accuracy).
  void setValues(const QStringList& classNames, const QVector<double>& values, double valueMax = 0);
  void clearValues();
  QCPBars* bars() const { return bars_; }

 private:
  QCPAxis* classAxis() const;
  QCPAxis* valueAxis() const;
  QCPBars* bars_;
};

}  // namespace gs
