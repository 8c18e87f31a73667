#include "widgets/pytree_inspector/leaf_charts.h"

#include <algorithm>
#include <cmath>

#include "widgets/common/chart_export.h"
#include "widgets/common/plot_style.h"

namespace gs {

QColor divergingColor(double t) {
  t = std::clamp(std::isfinite(t) ? t : 0.0, -1.0, 1.0);
  // Okabe-Ito-like blue and vermilion at the ends, white at zero.
  const QColor neg(0, 90, 181), pos(213, 60, 0);
  const QColor& end = t < 0 ? neg : pos;
  const double a = std::abs(t);
  auto mix = [a](int c) { return static_cast<int>(std::lround(255 + (c - 255) * a)); };
  return QColor(mix(end.red()), mix(end.green()), mix(end.blue()));
}

LeafHistogramPlot::LeafHistogramPlot(QWidget* parent) : QCustomPlot(parent) {
  stylePlot(this, tr("value"), tr("count"));
  bars_ = new QCPBars(xAxis, yAxis);
  bars_->setPen(QPen(seriesColor(0).darker(120)));
  bars_->setBrush(seriesColor(0));
  bars_->setName(tr("no leaf selected"));
  bars_->setWidthType(QCPBars::wtPlotCoords);
  addExportMenu(this, QStringLiteral("histogram"));
}

void LeafHistogramPlot::showHistogram(const engine::Histogram& h, const QString& name) {
  QVector<double> keys, values;
  keys.reserve(static_cast<int>(h.counts.size()));
  values.reserve(static_cast<int>(h.counts.size()));
  double top = 0;
  for (size_t i = 0; i < h.counts.size(); ++i) {
    keys << h.bin_center(i);
    values << static_cast<double>(h.counts[i]);
    top = std::max(top, values.back());
  }
  bars_->setWidth(h.bin_width());
  bars_->setData(keys, values, /*alreadySorted=*/true);
  bars_->setName(name);
  xAxis->setRange(h.lo - h.bin_width(), h.hi + h.bin_width());
  yAxis->setRange(0, std::max(1.0, top * 1.2));  // headroom for the legend
  replot();
}

void LeafHistogramPlot::clearHistogram() {
  bars_->data()->clear();
  bars_->setName(tr("no leaf selected"));
  replot();
}

LeafHeatmapPlot::LeafHeatmapPlot(QWidget* parent) : QCustomPlot(parent) {
  stylePlot(this, tr("column (last axis)"), tr("row (leading axes)"));
  legend->setVisible(false);  // one series; the title is the colour scale's label
  yAxis->setRangeReversed(true);  // row 0 at the top, as a matrix is written
  map_ = new QCPColorMap(xAxis, yAxis);
  scale_ = new QCPColorScale(this);
  plotLayout()->addElement(0, 1, scale_);
  scale_->setType(QCPAxis::atRight);
  map_->setColorScale(scale_);
  QCPColorGradient g;
  g.clearColorStops();
  for (int i = 0; i <= 10; ++i) g.setColorStopAt(i / 10.0, divergingColor(i / 5.0 - 1));
  map_->setGradient(g);
  map_->setInterpolate(false);
  auto* margins = new QCPMarginGroup(this);
  axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  scale_->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  const QPalette pal = palette();
  scale_->axis()->setTickLabelColor(pal.color(QPalette::WindowText));
  scale_->axis()->setLabelColor(pal.color(QPalette::WindowText));
  scale_->axis()->setBasePen(QPen(pal.color(QPalette::WindowText)));
  addExportMenu(this, QStringLiteral("heatmap"));
}

void LeafHeatmapPlot::showMatrix(const engine::Array& leaf, const QString& name) {
  const engine::Array a = leaf.astype(engine::DType::f64);
  const int64_t cols = a.shape().back();
  const int64_t rows = a.size() / std::max<int64_t>(1, cols);
  map_->data()->setSize(static_cast<int>(cols), static_cast<int>(rows));
  map_->data()->setRange(QCPRange(0, static_cast<double>(cols - 1)), QCPRange(0, static_cast<double>(rows - 1)));
  const double* v = a.data<double>();
  double top = 0;
  for (int64_t i = 0; i < a.size(); ++i)
    if (std::isfinite(v[i])) top = std::max(top, std::abs(v[i]));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      map_->data()->setCell(static_cast<int>(c), static_cast<int>(r), v[r * cols + c]);
  if (top == 0) top = 1;
  map_->setDataRange(QCPRange(-top, top));
  scale_->axis()->setLabel(name);
  xAxis->setRange(-0.5, static_cast<double>(cols) - 0.5);
  yAxis->setRange(-0.5, static_cast<double>(rows) - 0.5);
  replot();
}

void LeafHeatmapPlot::clearMatrix() {
  map_->data()->clear();
  scale_->axis()->setLabel(QString());
  replot();
}

}  // namespace gs
