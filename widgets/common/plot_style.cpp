#include "widgets/common/plot_style.h"

#include <algorithm>

#include <QApplication>
#include <QPalette>
#include <qcustomplot.h>

namespace gs {

namespace {

void styleAxis(QCPAxis* axis, const QPalette& pal) {
  const QColor text = pal.color(QPalette::WindowText);
  QColor grid = text;
  grid.setAlpha(40);
  axis->setBasePen(QPen(text));
  axis->setTickPen(QPen(text));
  axis->setSubTickPen(QPen(text));
  axis->setTickLabelColor(text);
  axis->setLabelColor(text);
  axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
  axis->grid()->setZeroLinePen(Qt::NoPen);
}

// Moves the legend to the corner of the plot where it hides the fewest data points: a rising
// accuracy curve ends under a top-right legend, a falling loss under a bottom-right one. The
// current corner wins ties, so the legend does not hop between equally empty corners.
void placeLegendClearOfData(QCustomPlot* plot) {
  if (!plot->legend->visible()) return;
  QCPLayoutInset* inset = plot->axisRect()->insetLayout();
  const int index = inset->elements(false).indexOf(plot->legend);
  if (index < 0) return;
  const QRect area = plot->axisRect()->rect();
  const QSize size = plot->legend->outerRect().size();
  if (size.isEmpty()) return;  // not laid out yet
  const Qt::Alignment corners[] = {Qt::AlignTop | Qt::AlignRight, Qt::AlignTop | Qt::AlignLeft,
                                   Qt::AlignBottom | Qt::AlignRight, Qt::AlignBottom | Qt::AlignLeft};
  QRect boxes[4];
  for (int c = 0; c < 4; ++c) {
    const int x = (corners[c] & Qt::AlignLeft) ? area.left() : area.right() - size.width();
    const int y = (corners[c] & Qt::AlignTop) ? area.top() : area.bottom() - size.height();
    boxes[c] = QRect(QPoint(x, y), size);
  }
  int hidden[4] = {0, 0, 0, 0};
  for (int g = 0; g < plot->graphCount(); ++g) {
    QCPGraph* graph = plot->graph(g);
    if (!graph->visible()) continue;
    const auto data = graph->data();
    // A sample is enough to tell an empty corner from a full one, and keeps a replot cheap.
    const int stride = std::max(1, data->size() / 2000);
    for (int i = 0; i < data->size(); i += stride) {
      const auto it = data->at(i);
      const QPointF p(graph->keyAxis()->coordToPixel(it->key), graph->valueAxis()->coordToPixel(it->value));
      for (int c = 0; c < 4; ++c) hidden[c] += boxes[c].contains(p.toPoint());
    }
  }
  const Qt::Alignment current = inset->insetAlignment(index);
  int best = 0;
  for (int c = 1; c < 4; ++c)
    if (hidden[c] < hidden[best]) best = c;
  for (int c = 0; c < 4; ++c)
    if (corners[c] == current && hidden[c] == hidden[best]) best = c;
  inset->setInsetAlignment(index, corners[best]);
}

}  // namespace

void stylePlot(QCustomPlot* plot, const QString& xLabel, const QString& yLabel) {
  const QPalette pal = plot->palette();
  plot->setBackground(pal.brush(QPalette::Base));
  plot->axisRect()->setBackground(pal.brush(QPalette::Base));
  for (QCPAxis* axis : {plot->xAxis, plot->yAxis, plot->xAxis2, plot->yAxis2}) styleAxis(axis, pal);
  plot->xAxis->setLabel(xLabel);
  plot->yAxis->setLabel(yLabel);
  plot->legend->setVisible(true);
  plot->legend->setBrush(pal.brush(QPalette::Base));
  plot->legend->setBorderPen(QPen(pal.color(QPalette::Mid)));
  plot->legend->setTextColor(pal.color(QPalette::WindowText));
  QFont small = plot->font();
  small.setPointSizeF(small.pointSizeF() * 0.9);
  plot->legend->setFont(small);
  plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  QObject::connect(plot, &QCustomPlot::beforeReplot, plot, [plot] { placeLegendClearOfData(plot); });
  plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot->axisRect()->setRangeDrag(Qt::Horizontal | Qt::Vertical);
  plot->axisRect()->setRangeZoom(Qt::Horizontal);
  // Antialiased lines only: antialiasing fills and scatters costs frame time for nothing visible.
  plot->setNotAntialiasedElements(QCP::aeAll);
  plot->setAntialiasedElements(QCP::aePlottables | QCP::aeAxes);
}

QColor seriesColor(int i) {
  static const QColor kPalette[] = {
      QColor(0, 114, 178),   QColor(230, 159, 0),  QColor(0, 158, 115),  QColor(213, 94, 0),
      QColor(204, 121, 167), QColor(86, 180, 233), QColor(148, 103, 189), QColor(140, 86, 75),
      QColor(127, 127, 127), QColor(188, 189, 34)};
  constexpr int n = sizeof(kPalette) / sizeof(kPalette[0]);
  return kPalette[((i % n) + n) % n];
}

QColor runColor(int64_t runId) { return seriesColor(static_cast<int>((runId - 1) % 10)); }

QColor faint(const QColor& c) {
  QColor f = c;
  f.setAlpha(60);
  return f;
}

void setLogY(QCustomPlot* plot, bool log) {
  plot->yAxis->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  if (log) {
    QSharedPointer<QCPAxisTickerLog> ticker(new QCPAxisTickerLog);
    plot->yAxis->setTicker(ticker);
    plot->yAxis->setNumberFormat("eb");
    plot->yAxis->setNumberPrecision(0);
  } else {
    plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    plot->yAxis->setNumberFormat("gb");
    plot->yAxis->setNumberPrecision(6);
  }
  fitAxes(plot);
}

void fitAxes(QCustomPlot* plot) {
  plot->rescaleAxes(true);
  QCPRange y = plot->yAxis->range();
  if (plot->yAxis->scaleType() == QCPAxis::stLogarithmic) {
    if (y.lower <= 0) y.lower = y.upper > 0 ? y.upper * 1e-3 : 1e-3;
    plot->yAxis->setRange(y.lower / 1.2, y.upper * 1.2);
  } else {
    const double pad = y.size() > 0 ? y.size() * 0.05 : (y.lower == 0 ? 1 : std::abs(y.lower) * 0.05);
    plot->yAxis->setRange(y.lower - pad, y.upper + pad);
  }
}

}  // namespace gs
