#include "widgets/dataset_browser/class_bar_chart.h"

#include <cmath>

#include "widgets/common/chart_export.h"
#include "widgets/common/plot_style.h"

namespace gs {

ClassBarChart::ClassBarChart(const QString& valueLabel, const QString& seriesName, Qt::Orientation bars,
                             QWidget* parent)
    : QCustomPlot(parent) {
  const bool horizontal = bars == Qt::Horizontal;
  stylePlot(this, horizontal ? valueLabel : tr("Class"), horizontal ? tr("Class") : valueLabel);
  bars_ = horizontal ? new QCPBars(yAxis, xAxis) : new QCPBars(xAxis, yAxis);
  bars_->setName(seriesName);
  bars_->setWidth(0.7);
  bars_->setPen(Qt::NoPen);
  bars_->setBrush(seriesColor(0));
  // One series: the axis label says what it is; a legend would only cover bars.
  legend->setVisible(false);
  classAxis()->grid()->setVisible(false);
  valueAxis()->ticker()->setTickCount(4);  // a narrow axis reads 0, 2000, 4000, 6000, not every 1000
  if (horizontal)
    yAxis->setRangeReversed(true);  // class 0 at the top
  else
    xAxis->setTickLabelRotation(40);
  setInteractions({});
  setMinimumSize(240, 180);
  addExportMenu(this, seriesName);
}

QCPAxis* ClassBarChart::classAxis() const { return bars_->keyAxis(); }
QCPAxis* ClassBarChart::valueAxis() const { return bars_->valueAxis(); }

void ClassBarChart::setValues(const QStringList& classNames, const QVector<double>& values, double valueMax) {
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  QVector<double> keys, shown;
  double top = 0;
  for (int i = 0; i < classNames.size(); ++i) {
    ticker->addTick(i, classNames[i]);
    const double v = i < values.size() ? values[i] : std::nan("");
    if (std::isnan(v)) continue;
    keys.push_back(i);
    shown.push_back(v);
    top = std::max(top, v);
  }
  classAxis()->setTicker(ticker);
  bars_->setData(keys, shown, true);
  classAxis()->setRange(-0.6, classNames.size() - 0.4);
  valueAxis()->setRange(0, valueMax > 0 ? valueMax : std::max(1.0, top * 1.08));
  replot();
}

void ClassBarChart::clearValues() {
  bars_->data()->clear();
  replot();
}

}  // namespace gs
