// A small picture of one tensor: a scalar as its number, a vector as a row of cells and a matrix
// as a grid, each cell coloured on a diverging scale (blue negative, red positive, white zero)
// with its number written in when the cells are large enough. Higher ranks show their last two
// axes of the first slice. An undefined tensor shows a hint instead.
#pragma once
#include <QWidget>

#include "engine/core/tensor.h"

namespace gs {

class TensorView : public QWidget {
  Q_OBJECT
 public:
  explicit TensorView(QWidget* parent = nullptr);
  void setTensor(const engine::Tensor& t, const QString& title);
  void setHint(const QString& hint);
  QSize sizeHint() const override { return {260, 160}; }
  QSize minimumSizeHint() const override { return {120, 60}; }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  std::vector<double> values_;
  int rows_ = 0, cols_ = 0;
  bool scalar_ = false;
  QString title_, hint_;
};

// Compact text for a tensor: "1.5", "[1, -2, 3]", "f32[4,3] (12 values, |x|max 2.1)".
QString tensorSummary(const engine::Tensor& t, int maxValues = 8);

}  // namespace gs
