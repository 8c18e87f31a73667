#include "widgets/autodiff_lab/jaxpr_graph_view.h"

#include <QGraphicsEllipseItem>
#include <QGraphicsRectItem>
#include <QGraphicsTextItem>
#include <QPainterPath>
#include <QWheelEvent>

namespace gs {

namespace {
const QColor kBox(245, 245, 240), kCurrent(255, 214, 102), kOrigin(255, 236, 190);
}

JaxprGraphView::JaxprGraphView(QWidget* parent) : QGraphicsView(parent) {
  setScene(new QGraphicsScene(this));
  setRenderHint(QPainter::Antialiasing);
  setDragMode(QGraphicsView::ScrollHandDrag);
  setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
  clearGraph(tr("No function yet: type an expression or choose a preset."));
}

void JaxprGraphView::clearGraph(const QString& hint) {
  scene()->clear();
  nodeItems_.clear();
  layout_ = {};
  highlighted_ = -1;
  scene()->addText(hint);
}

void JaxprGraphView::setLayout(const GraphLayout& layout) {
  scene()->clear();
  nodeItems_.clear();
  layout_ = layout;
  highlighted_ = -1;
  QFont small = font();
  small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.8));
  for (const GraphEdge& e : layout.edges) {
    if (e.points.size() < 2) continue;
    QPainterPath path(QPointF(e.points[0], e.points[1]));
    for (size_t i = 2; i + 5 < e.points.size(); i += 6)  // p0, then (c1, c2, p) per segment
      path.cubicTo(e.points[i], e.points[i + 1], e.points[i + 2], e.points[i + 3], e.points[i + 4], e.points[i + 5]);
    QPointF end = path.currentPosition();
    if (e.arrow) {
      QPointF tip(e.arrow_x, e.arrow_y);
      path.lineTo(tip);
      QLineF back(tip, end);
      back.setLength(6);
      QLineF l1 = back, l2 = back;
      l1.setAngle(back.angle() + 25);
      l2.setAngle(back.angle() - 25);
      path.moveTo(tip);
      path.lineTo(l1.p2());
      path.moveTo(tip);
      path.lineTo(l2.p2());
    }
    scene()->addPath(path, QPen(QColor(120, 120, 120), 1));
    auto* label = scene()->addText(QString::fromStdString(e.label), small);
    label->setDefaultTextColor(QColor(60, 90, 160));
    label->setPos(e.label_x - label->boundingRect().width() / 2, e.label_y - label->boundingRect().height() / 2);
  }
  for (const GraphNode& n : layout.nodes) {
    QRectF r(n.x - n.width / 2, n.y - n.height / 2, n.width, n.height);
    QGraphicsItem* item = nullptr;
    if (n.kind == GraphNode::Kind::input) item = scene()->addEllipse(r, QPen(Qt::darkGray), QBrush(QColor(225, 238, 255)));
    else if (n.kind == GraphNode::Kind::equation) item = scene()->addRect(r, QPen(Qt::darkGray), QBrush(kBox));
    else item = scene()->addRect(r, QPen(Qt::NoPen), QBrush(Qt::NoBrush));
    nodeItems_.push_back(item);
    auto* text = scene()->addText(QString::fromStdString(n.label), small);
    QRectF tb = text->boundingRect();
    text->setPos(n.x - tb.width() / 2, n.y - tb.height() / 2);
    text->setParentItem(item);
    text->setPos(n.x - tb.width() / 2, n.y - tb.height() / 2);
  }
  scene()->setSceneRect(QRectF(-10, -10, layout.width + 20, layout.height + 20));
  // Natural size keeps every label legible; the view follows the highlighted equation, and the
  // wheel zooms out for an overview.
  resetTransform();
  centerOn(layout.width / 2, 0);
}

void JaxprGraphView::highlight(int eqn, bool secondary) {
  auto brush = [&](int e, const QColor& c) {
    int n = layout_.node_of_eqn(e);
    if (n >= 0)
      if (auto* r = qgraphicsitem_cast<QGraphicsRectItem*>(nodeItems_[n])) r->setBrush(c);
    return n;
  };
  if (highlighted_ >= 0) brush(highlighted_, kBox);
  highlighted_ = eqn;
  if (eqn < 0) return;
  int n = brush(eqn, secondary ? kOrigin : kCurrent);
  if (n >= 0) centerOn(nodeItems_[n]);
}

void JaxprGraphView::setEquationToolTip(int eqn, const QString& tip) {
  int n = layout_.node_of_eqn(eqn);
  if (n >= 0) nodeItems_[n]->setToolTip(tip);
}

void JaxprGraphView::wheelEvent(QWheelEvent* e) {
  const double f = e->angleDelta().y() > 0 ? 1.15 : 1 / 1.15;
  scale(f, f);
}

}  // namespace gs
