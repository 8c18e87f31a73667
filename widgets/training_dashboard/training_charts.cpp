#include "widgets/training_dashboard/training_charts.h"

#include <QCheckBox>
#include <QElapsedTimer>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QSlider>
#include <QToolButton>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "widgets/common/chart_export.h"
#include "widgets/common/controls.h"
#include "widgets/common/plot_style.h"

namespace gs {

namespace {

void addSorted(QCPGraph* g, const QVector<double>& keys, const QVector<double>& values) {
  if (keys.isEmpty()) return;
  // Keys grow within a run; a resumed run's first points may repeat the history's last step.
  const bool sorted = g->data()->isEmpty() || keys.front() >= (g->data()->constEnd() - 1)->key;
  g->addData(keys, values, sorted);
}

QCPGraph* line(QCustomPlot* plot, const QString& name, const QColor& color, bool markers) {
  QCPGraph* g = plot->addGraph();
  g->setName(name);
  g->setPen(QPen(color, 2));
  if (markers) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, color, 6));
  return g;
}

}  // namespace

TrainingCharts::TrainingCharts(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);

  // Controls of the loss chart, and the export menu of all four.
  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Smoothing")));
  smoothing_ = gs::named(new QSlider(Qt::Horizontal), tr("Smoothing"),
                         tr("Weight of the exponential moving average of the training loss (0 = raw, 0.99 = very smooth)"));
  smoothing_->setRange(0, 99);
  smoothing_->setValue(60);
  smoothing_->setMaximumWidth(180);
  smoothingValue_ = gs::named(new QLabel("0.60"), tr("Smoothing value"), tr("The smoothing weight"));
  logY_ = gs::named(new QCheckBox(tr("Log scale")), tr("Log scale"), tr("Logarithmic y axis on the training loss"));
  auto* exportButton = gs::named(new QToolButton, tr("Export chart"), tr("Save a chart as PNG, PDF or SVG"));
  exportButton->setText(tr("Export chart"));
  exportButton->setPopupMode(QToolButton::InstantPopup);
  auto* exportMenu = new QMenu(exportButton);
  exportButton->setMenu(exportMenu);
  controls->addWidget(smoothing_);
  controls->addWidget(smoothingValue_);
  controls->addSpacing(12);
  controls->addWidget(logY_);
  controls->addStretch(1);
  controls->addWidget(exportButton);
  layout->addLayout(controls);

  auto* grid = new QGridLayout;
  grid->setSpacing(6);
  plots_[0] = makePlot(tr("Training loss"), tr("Training loss chart"), tr("step"), tr("loss"));
  plots_[1] = makePlot(tr("Loss per epoch"), tr("Epoch loss chart"), tr("epoch"), tr("loss"));
  plots_[2] = makePlot(tr("Accuracy per epoch"), tr("Accuracy chart"), tr("epoch"), tr("accuracy"));
  plots_[3] = makePlot(tr("Learning rate"), tr("Learning rate chart"), tr("step"), tr("learning rate"));
  for (int i = 0; i < 4; ++i) {
    grid->addWidget(plots_[i], i / 2, i % 2);
    QCustomPlot* p = plots_[i];
    exportMenu->addAction(p->accessibleName().remove(tr(" chart")) + tr("…"), this,
                          [this, p] { gs::exportPlotInteractively(p, this, p->objectName()); });
  }
  layout->addLayout(grid, 1);

  const QColor blue = seriesColor(0), orange = seriesColor(1);
  QCPGraph* raw = line(plots_[0], tr("loss (raw)"), faint(blue), false);
  raw->setPen(QPen(faint(blue), 1));
  line(plots_[0], tr("loss (smoothed)"), blue, false);
  line(plots_[1], tr("train"), blue, true);
  line(plots_[1], tr("test"), orange, true);
  line(plots_[2], tr("train"), blue, true);
  line(plots_[2], tr("test"), orange, true);
  line(plots_[3], tr("learning rate"), seriesColor(2), false);
  plots_[2]->yAxis->setRange(0, 1);
  for (QCustomPlot* p : {plots_[1], plots_[2]}) {  // epochs are whole numbers
    QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
    ticker->setTickStep(1);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    p->xAxis->setTicker(ticker);
    p->xAxis->setRange(0.5, 1.5);
  }

  connect(smoothing_, &QSlider::valueChanged, this, [this](int v) { setSmoothing(v / 100.0); });
  connect(logY_, &QCheckBox::toggled, this, &TrainingCharts::setLogLoss);
}

QCustomPlot* TrainingCharts::makePlot(const QString& title, const QString& name, const QString& x, const QString& y) {
  auto* plot = gs::named(new QCustomPlot, name, title + tr(" (right-click to export)"));
  plot->setMinimumSize(260, 180);
  stylePlot(plot, x, y);
  plot->plotLayout()->insertRow(0);
  auto* t = new QCPTextElement(plot, title, QFont(plot->font().family(), plot->font().pointSize(), QFont::Bold));
  t->setTextColor(plot->palette().color(QPalette::WindowText));
  plot->plotLayout()->addElement(0, 0, t);
  plot->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(plot, &QWidget::customContextMenuRequested, this, [this, plot](const QPoint& pos) {
    QMenu menu(this);
    menu.addAction(tr("Export chart…"), this, [this, plot] { gs::exportPlotInteractively(plot, this, plot->objectName()); });
    menu.addAction(tr("Fit to data"), this, [plot] {
      fitAxes(plot);
      plot->replot();
    });
    menu.exec(plot->mapToGlobal(pos));
  });
  return plot;
}

void TrainingCharts::clear() {
  curves_.clear();
  epochs_ = 0;
  for (QCustomPlot* p : plots_) {
    for (int i = 0; i < p->graphCount(); ++i) p->graph(i)->data()->clear();
    p->replot();
  }
}

void TrainingCharts::replot(QCustomPlot* plot) {
  fitAxes(plot);
  // A flat series (a constant learning rate, one epoch) gets a range around its value rather
  // than QCustomPlot's unrelated default width.
  bool any = false;
  QCPRange values;
  for (int i = 0; plot != plots_[0] && i < plot->graphCount(); ++i) {  // a loss is never flat
    bool found = false;
    const QCPRange r = plot->graph(i)->getValueRange(found);
    if (!found) continue;
    values = any ? QCPRange(std::min(values.lower, r.lower), std::max(values.upper, r.upper)) : r;
    any = true;
  }
  if (any && values.size() < 1e-12 * std::max(1.0, std::abs(values.upper))) {
    const double v = values.upper, pad = v != 0 ? std::abs(v) * 0.1 : 0.5;
    plot->yAxis->setRange(plot->yAxis->scaleType() == QCPAxis::stLogarithmic ? v / 1.5 : v - pad, v + pad);
  }
  if (plot == plots_[2]) {  // accuracy stays within [0, 1], with room for the markers
    QCPRange r = plot->yAxis->range();
    plot->yAxis->setRange(std::max(-0.02, r.lower), std::min(1.02, r.upper));
  }
  if (plot == plots_[1] || plot == plots_[2]) {  // whole epochs, from the first to the run's last
    double last = std::max<double>(1, double(epochs_));
    for (int i = 0; i < plot->graphCount(); ++i)
      if (!plot->graph(i)->data()->isEmpty()) last = std::max(last, (plot->graph(i)->data()->constEnd() - 1)->key);
    plot->xAxis->setRange(0.5, last + 0.5);
  } else {  // a little room after the last step
    const QCPRange x = plot->xAxis->range();
    plot->xAxis->setRange(x.lower, x.upper + x.size() * 0.02);
  }
  plot->replot();
}

void TrainingCharts::append(const std::vector<engine::train::Event>& events) {
  QElapsedTimer timer;
  timer.start();
  const CurvePoints fresh = curves_.ingest(events);
  for (const engine::train::Event& e : events) epochs_ = std::max(epochs_, e.epochs);
  if (!fresh.stepKeys.isEmpty()) {
    addSorted(plots_[0]->graph(0), fresh.stepKeys, fresh.loss);
    addSorted(plots_[0]->graph(1), fresh.stepKeys, fresh.smoothLoss);
    replot(plots_[0]);
  }
  if (!fresh.epochKeys.isEmpty() || !fresh.testKeys.isEmpty()) {
    addSorted(plots_[1]->graph(0), fresh.epochKeys, fresh.trainLoss);
    addSorted(plots_[1]->graph(1), fresh.testKeys, fresh.testLoss);
    addSorted(plots_[2]->graph(0), fresh.epochKeys, fresh.trainAccuracy);
    addSorted(plots_[2]->graph(1), fresh.testKeys, fresh.testAccuracy);
    replot(plots_[1]);
    replot(plots_[2]);
  }
  if (!fresh.lrKeys.isEmpty()) {
    addSorted(plots_[3]->graph(0), fresh.lrKeys, fresh.lr);
    replot(plots_[3]);
  }
  lastAppendMs_ = timer.nsecsElapsed() / 1e6;
}

void TrainingCharts::setSmoothing(double weight) {
  smoothingValue_->setText(QString::number(weight, 'f', 2));
  if (smoothing_->value() != qRound(weight * 100)) smoothing_->setValue(qRound(weight * 100));
  const QVector<double>& smooth = curves_.setSmoothing(weight);
  plots_[0]->graph(1)->setData(curves_.stepKeys(), smooth, true);
  replot(plots_[0]);
}

void TrainingCharts::setLogLoss(bool log) {
  if (logY_->isChecked() != log) logY_->setChecked(log);
  setLogY(plots_[0], log);
  plots_[0]->replot();
}

}  // namespace gs
