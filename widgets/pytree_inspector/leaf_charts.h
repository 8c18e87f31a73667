// The selected leaf drawn two ways: its values' histogram (bars) and, for a matrix, a heatmap
// (rows down, columns across; a kernel of rank > 2 is shown as (prod of leading axes, last axis),
// which for a conv kernel (kh, kw, in, out) puts each output filter in one column). Both views
// only draw what they are given; they own no tree.
#pragma once
#include <QString>
#include <qcustomplot.h>

#include "engine/core/array.h"
#include "engine/tree/leaf_stats.h"

namespace gs {

class LeafHistogramPlot : public QCustomPlot {
  Q_OBJECT
 public:
  static constexpr int kBins = 50;
  explicit LeafHistogramPlot(QWidget* parent = nullptr);
  // `name` labels the series (the leaf's path).
  void showHistogram(const engine::Histogram& h, const QString& name);
  void clearHistogram();
  QCPBars* bars() const { return bars_; }

 private:
  QCPBars* bars_;
};

class LeafHeatmapPlot : public QCustomPlot {
  Q_OBJECT
 public:
  explicit LeafHeatmapPlot(QWidget* parent = nullptr);
  // Rank >= 2 only (hasHeatmap); colours span ±max|value| so zero is white.
  void showMatrix(const engine::Array& leaf, const QString& name);
  void clearMatrix();
  QCPColorMap* colorMap() const { return map_; }
  static bool hasHeatmap(const engine::Array& leaf) { return leaf.rank() >= 2 && leaf.size() > 0; }

 private:
  QCPColorMap* map_;
  QCPColorScale* scale_;
};

// Blue (negative) - white - red (positive), shared by the heatmap and the weight images.
QColor divergingColor(double t);  // t in [-1, 1]

}  // namespace gs
