// The Model Builder's block diagram: one block per layer (name, type, output shape, parameter
// count), an input block on top and arrows between them; blocks of invalid layers are drawn in
// the error colour with their message. It paints what the ModelSpecModel holds and owns no data.
// Clicking a block (or Up/Down with the focus here) reports its row; setCurrentRow highlights one.
#pragma once
#include <QScrollArea>

namespace gs {

class ModelSpecModel;

class BlockDiagramView : public QScrollArea {
  Q_OBJECT
 public:
  explicit BlockDiagramView(QWidget* parent = nullptr);
  void setModel(ModelSpecModel* model);
  void setCurrentRow(int row);
  int currentRow() const { return current_; }
  // A layer's block in the scrolled canvas' coordinates (row -1: the input block).
  QRect blockRect(int row) const;
  QWidget* canvas() const { return widget(); }
  // The block's message (an invalid layer) or the layer's doc, at a canvas position.
  QString toolTipAt(const QPoint& pos) const;

 signals:
  void rowClicked(int row);

 protected:
  void resizeEvent(QResizeEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  friend class BlockCanvas;
  void relayout();
  void paintCanvas(QPainter& p) const;
  void clickAt(const QPoint& pos);

  ModelSpecModel* model_ = nullptr;
  int current_ = -1;
};

}  // namespace gs
