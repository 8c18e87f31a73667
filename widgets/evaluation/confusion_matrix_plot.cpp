#include "widgets/evaluation/confusion_matrix_plot.h"

#include <algorithm>

#include "widgets/common/chart_export.h"
#include "widgets/common/plot_style.h"

namespace gs {

ConfusionMatrixPlot::ConfusionMatrixPlot(QWidget* parent) : QCustomPlot(parent) {
  stylePlot(this, tr("Predicted class"), tr("True class"));
  legend->setVisible(false);  // the colour scale says what the colours mean
  setInteractions({});
  map_ = new QCPColorMap(xAxis, yAxis);
  map_->setName(tr("Examples"));
  map_->setInterpolate(false);
  scale_ = new QCPColorScale(this);
  scale_->setType(QCPAxis::atRight);
  scale_->axis()->setLabel(tr("Examples"));
  scale_->axis()->setTickLabelColor(palette().color(QPalette::WindowText));
  scale_->axis()->setLabelColor(palette().color(QPalette::WindowText));
  plotLayout()->addElement(0, 1, scale_);
  map_->setColorScale(scale_);
  QCPColorGradient g(QCPColorGradient::gpGrayscale);
  g.setColorStopAt(0, palette().color(QPalette::Base));
  g.setColorStopAt(1, seriesColor(0).darker(130));
  map_->setGradient(g);
  // The colour scale's height follows the plot's.
  auto* margins = new QCPMarginGroup(this);
  axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  scale_->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  xAxis->grid()->setVisible(false);
  yAxis->grid()->setVisible(false);
  xAxis->setTickLabelRotation(40);
  yAxis->setRangeReversed(true);  // class 0 at the top, as the CLI's table reads
  setMinimumSize(320, 280);
  addExportMenu(this, "confusion-matrix");
}

void ConfusionMatrixPlot::setMatrix(const QStringList& classNames, const std::vector<int64_t>& counts) {
  clearMatrix();
  names_ = classNames;
  counts_ = counts;
  const int n = static_cast<int>(classNames.size());
  map_->data()->setSize(n, n);
  map_->data()->setRange(QCPRange(0, n - 1), QCPRange(0, n - 1));
  int64_t top = 1;
  for (int64_t c : counts) top = std::max(top, c);
  QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
  for (int i = 0; i < n; ++i) ticks->addTick(i, classNames[i]);
  xAxis->setTicker(ticks);
  yAxis->setTicker(ticks);
  QFont small = font();
  small.setPointSizeF(small.pointSizeF() * (n > 12 ? 0.6 : 0.85));
  for (int t = 0; t < n; ++t)
    for (int p = 0; p < n; ++p) {
      const int64_t c = counts[static_cast<size_t>(t * n + p)];
      map_->data()->setCell(p, t, static_cast<double>(c));
      auto* label = new QCPItemText(this);
      label->position->setCoords(p, t);
      label->setText(QString::number(c));
      label->setFont(small);
      // Dark cells get light text.
      label->setColor(c > top / 2 ? QColor(Qt::white) : palette().color(QPalette::Text));
      labels_.append(label);
    }
  map_->setDataRange(QCPRange(0, static_cast<double>(top)));
  xAxis->setRange(-0.5, n - 0.5);
  yAxis->setRange(-0.5, n - 0.5);
  replot();
}

void ConfusionMatrixPlot::clearMatrix() {
  for (QCPItemText* l : labels_) removeItem(l);
  labels_.clear();
  names_.clear();
  counts_.clear();
  map_->data()->clear();
  replot();
}

int ConfusionMatrixPlot::cellCount(int trueClass, int predicted) const {
  const int n = static_cast<int>(names_.size());
  if (trueClass < 0 || predicted < 0 || trueClass >= n || predicted >= n) return -1;
  return static_cast<int>(map_->data()->cell(predicted, trueClass));
}

}  // namespace gs
