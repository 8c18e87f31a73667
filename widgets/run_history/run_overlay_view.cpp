#include "widgets/run_history/run_overlay_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>
#include <limits>
#include <qcustomplot.h>
#include <set>

#include "widgets/common/chart_export.h"
#include "widgets/common/controls.h"
#include "widgets/common/plot_style.h"
#include "widgets/common/qt_convert.h"
#include "widgets/common/smoothing.h"

namespace gs {

RunOverlayView::RunOverlayView(QWidget* parent) : QWidget(parent) {
  metric_ = named(new QComboBox, tr("Metric"), tr("The metric drawn for every selected run"));
  metric_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  metric_->setMinimumContentsLength(12);
  xAxis_ = named(new QComboBox, tr("X axis"), tr("Plot against the step, the epoch or the wall time"));
  xAxis_->addItems({tr("Step"), tr("Epoch"), tr("Wall time (s)")});
  smoothing_ = named(new QSlider(Qt::Horizontal), tr("Smoothing"),
                     tr("Exponential moving average weight (0 = raw values)"));
  smoothing_->setRange(0, 99);
  smoothing_->setValue(0);
  smoothing_->setMaximumWidth(140);
  smoothingValue_ = new QLabel(QStringLiteral("0.00"));
  smoothingValue_->setMinimumWidth(smoothingValue_->fontMetrics().horizontalAdvance(QStringLiteral("0.00 ")));
  plot_ = named(new QCustomPlot, tr("Run overlay chart"),
                tr("The chosen metric of the selected runs; right-click to export it as PNG, PDF or SVG"));
  plot_->setMinimumSize(280, 200);
  stylePlot(plot_, tr("Step"), tr("Value"));
  addExportMenu(plot_, "runs-overlay");

  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Metric")));
  bar->addWidget(metric_, 1);
  bar->addWidget(new QLabel(tr("X")));
  bar->addWidget(xAxis_);
  bar->addWidget(new QLabel(tr("Smoothing")));
  bar->addWidget(smoothing_);
  bar->addWidget(smoothingValue_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(bar);
  layout->addWidget(plot_, 1);

  connect(metric_, &QComboBox::currentTextChanged, this, [this] { loadCurves(); });
  connect(xAxis_, &QComboBox::currentIndexChanged, this, [this] { redraw(); });
  connect(smoothing_, &QSlider::valueChanged, this, [this](int v) {
    smoothingValue_->setText(QString::number(v / 100.0, 'f', 2));
    redraw();
  });
}

QString RunOverlayView::metric() const { return metric_->currentText(); }
void RunOverlayView::setMetric(const QString& name) { metric_->setCurrentText(name); }
void RunOverlayView::setXAxis(XAxis x) { xAxis_->setCurrentIndex(x); }
void RunOverlayView::setSmoothing(double weight) { smoothing_->setValue(static_cast<int>(weight * 100 + 0.5)); }
double RunOverlayView::smoothing() const { return smoothing_->value() / 100.0; }

QStringList RunOverlayView::metricNames() const {
  QStringList out;
  for (int i = 0; i < metric_->count(); ++i) out << metric_->itemText(i);
  return out;
}

void RunOverlayView::setRuns(const QList<qint64>& ids, const QStringList& names) {
  ids_ = ids;
  names_ = names;
  std::set<std::string> all;
  if (store_) {
    try {
      for (qint64 id : ids_)
        for (std::string& n : store_->metric_names(id)) all.insert(std::move(n));
    } catch (const std::exception& e) {
      emit errorOccurred(QString::fromUtf8(e.what()));
    }
  }
  QStringList metrics;
  for (const std::string& n : all) metrics << qstr(n);
  const QString keep = metric_->currentText();
  {
    const QSignalBlocker block(metric_);
    metric_->clear();
    metric_->addItems(metrics);
    QString pick = keep;
    if (!metrics.contains(pick)) pick = metrics.contains(QStringLiteral("train/loss")) ? QStringLiteral("train/loss")
                                        : metrics.isEmpty()                           ? QString()
                                                                                      : metrics.first();
    metric_->setCurrentText(pick);
  }
  loadCurves();
}

void RunOverlayView::reload() { loadCurves(); }

void RunOverlayView::loadCurves() {
  curves_.clear();
  const std::string name = stdstr(metric_->currentText());
  if (store_ && !name.empty()) {
    try {
      for (qint64 id : ids_)
        curves_[id] = store_->metrics(id, name, std::numeric_limits<int64_t>::min(),
                                      std::numeric_limits<int64_t>::max(), static_cast<size_t>(maxPoints_));
    } catch (const std::exception& e) {
      emit errorOccurred(QString::fromUtf8(e.what()));
    }
  }
  redraw();
}

void RunOverlayView::redraw() {
  plot_->clearGraphs();
  const int x = xAxis_->currentIndex();
  const double weight = smoothing();
  for (int i = 0; i < ids_.size(); ++i) {
    const auto it = curves_.find(ids_[i]);
    if (it == curves_.end()) continue;
    QVector<double> keys, raw;
    keys.reserve(static_cast<int>(it->second.size()));
    raw.reserve(static_cast<int>(it->second.size()));
    for (const engine::runs::MetricPoint& p : it->second) {
      keys << (x == ByStep ? static_cast<double>(p.step) : x == ByEpoch ? static_cast<double>(p.epoch) : p.wall_time);
      raw << p.value;
    }
    const QColor color = runColor(ids_[i]);
    if (weight > 0) {
      QCPGraph* back = plot_->addGraph();
      back->setPen(QPen(faint(color), 1));
      back->setData(keys, raw, x != ByWallTime);
      back->removeFromLegend();
    }
    QCPGraph* g = plot_->addGraph();
    g->setName(tr("%1 (#%2)").arg(i < names_.size() ? names_[i] : QString()).arg(ids_[i]));
    g->setPen(QPen(color, 2));
    if (weight > 0) {
      const std::vector<double> s = smooth(std::vector<double>(raw.begin(), raw.end()), weight);
      g->setData(keys, QVector<double>(s.begin(), s.end()), x != ByWallTime);
    } else {
      g->setData(keys, raw, x != ByWallTime);
    }
  }
  static const char* xLabels[] = {"Step", "Epoch", "Wall time (s)"};
  plot_->xAxis->setLabel(tr(xLabels[std::clamp(x, 0, 2)]));
  plot_->yAxis->setLabel(metric_->currentText().isEmpty() ? tr("Value") : metric_->currentText());
  plot_->legend->setVisible(plot_->graphCount() > 0);
  if (plot_->graphCount() > 0) fitAxes(plot_);
  plot_->replot();
}

}  // namespace gs
