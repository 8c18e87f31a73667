// The jaxpr graph (jaxpr_graph_layout.h) drawn in a QGraphicsView: equations as boxes, inputs as
// ellipses, variables as labelled edges; one equation highlighted (the lab's current step).
// Wheel zooms; the view fits the graph when it is set.
#pragma once
#include <QGraphicsView>
#include <vector>

#include "widgets/autodiff_lab/jaxpr_graph_layout.h"

class QGraphicsRectItem;

namespace gs {

class JaxprGraphView : public QGraphicsView {
  Q_OBJECT
 public:
  explicit JaxprGraphView(QWidget* parent = nullptr);
  void setLayout(const GraphLayout& layout);  // replaces the graph
  void clearGraph(const QString& hint);
  void highlight(int eqn, bool secondary = false);  // -1: none
  int highlighted() const { return highlighted_; }
  int nodeCount() const { return static_cast<int>(layout_.nodes.size()); }
  // Tooltip of an equation's node (e.g. its values after the step).
  void setEquationToolTip(int eqn, const QString& tip);

 protected:
  void wheelEvent(QWheelEvent* e) override;

 private:
  GraphLayout layout_;
  std::vector<QGraphicsItem*> nodeItems_;
  int highlighted_ = -1;
};

}  // namespace gs
