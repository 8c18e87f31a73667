#include "widgets/dataset_browser/class_bar_chart.h"

#include <cmath>

#include "widgets/common/chart_export.h"
#include "widgets/common/plot_style.h"

namespace gs {

ClassBarChart::ClassBarChart(const QString& yLabel, const QString& seriesName, QWidget* parent)
    : QCustomPlot(parent) {
  stylePlot(this, tr("Class"), yLabel);
  bars_ = new QCPBars(xAxis, yAxis);
  bars_->setName(seriesName);
  bars_->setWidth(0.7);
  bars_->setPen(Qt::NoPen);
  bars_->setBrush(seriesColor(0));
  // One series: the axis label says what it is; a legend would only cover bars.
  legend->setVisible(false);
  xAxis->grid()->setVisible(false);
  xAxis->setTickLabelRotation(40);
  setInteractions({});
  setMinimumSize(240, 180);
  addExportMenu(this, seriesName);
}

void ClassBarChart::setValues(const QStringList& classNames, const QVector<double>& values, double yMax) {
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
  xAxis->setTicker(ticker);
  bars_->setData(keys, shown, true);
  xAxis->setRange(-0.6, classNames.size() - 0.4);
  yAxis->setRange(0, yMax > 0 ? yMax : std::max(1.0, top * 1.08));
  replot();
}

void ClassBarChart::clearValues() {
  bars_->data()->clear();
  replot();
}

}  // namespace gs
