// ConfusionMatrixPlot: a confusion matrix as a heatmap (QCPColorMap), true class down the y axis,
// predicted class along x, each cell's count written in it, a colour scale beside it.
#pragma once
#include <QStringList>
#include <qcustomplot.h>
#include <vector>

namespace gs {

class ConfusionMatrixPlot : public QCustomPlot {
  Q_OBJECT
 public:
  explicit ConfusionMatrixPlot(QWidget* parent = nullptr);
  // counts: classNames.size()^2 values, [true][predicted].
  void setMatrix(const QStringList& classNames, const std::vector<int64_t>& counts);
  void clearMatrix();
  QCPColorMap* colorMap() const { return map_; }
  int cellCount(int trueClass, int predicted) const;  // what the cell shows (-1 outside)

 private:
  QCPColorMap* map_;
  QCPColorScale* scale_;
  QList<QCPItemText*> labels_;
  QStringList names_;
  std::vector<int64_t> counts_;
};

}  // namespace gs
