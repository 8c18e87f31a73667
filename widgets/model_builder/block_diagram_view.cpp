#include "widgets/model_builder/block_diagram_view.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>
#include <algorithm>

#include "engine/nn/layer_catalog.h"
#include "widgets/common/plot_style.h"
#include "widgets/common/qt_convert.h"
#include "widgets/model_builder/model_spec_model.h"

namespace gs {

namespace {
constexpr int kMargin = 12;
constexpr int kBlockHeight = 50;
constexpr int kGap = 22;  // room for the arrow between two blocks
constexpr int kMinWidth = 200;

QColor categoryColor(const std::string& type) {
  const engine::nn::LayerDef* def = engine::nn::find_layer(type);
  if (!def) return QColor(Qt::gray);
  const auto& cats = engine::nn::layer_categories();
  return seriesColor(
      static_cast<int>(std::find(cats.begin(), cats.end(), def->category) - cats.begin()));
}
}  // namespace

class BlockCanvas : public QWidget {
 public:
  explicit BlockCanvas(BlockDiagramView* view) : view_(view) {}

 protected:
  void paintEvent(QPaintEvent*) override {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    view_->paintCanvas(p);
  }
  void mousePressEvent(QMouseEvent* e) override { view_->clickAt(e->position().toPoint()); }
  bool event(QEvent* e) override {
    if (e->type() != QEvent::ToolTip) return QWidget::event(e);
    auto* help = static_cast<QHelpEvent*>(e);
    const QString tip = view_->toolTipAt(help->pos());
    if (tip.isEmpty())
      QToolTip::hideText();
    else
      QToolTip::showText(help->globalPos(), tip, this);
    return true;
  }

 private:
  BlockDiagramView* view_;
};

BlockDiagramView::BlockDiagramView(QWidget* parent) : QScrollArea(parent) {
  setWidget(new BlockCanvas(this));
  setWidgetResizable(false);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setFocusPolicy(Qt::StrongFocus);
  setMinimumWidth(kMinWidth + 2 * kMargin);
  relayout();
}

void BlockDiagramView::setModel(ModelSpecModel* model) {
  model_ = model;
  connect(model, &ModelSpecModel::specChanged, this, &BlockDiagramView::relayout);
  connect(model, &QAbstractItemModel::modelReset, this, &BlockDiagramView::relayout);
  relayout();
}

void BlockDiagramView::setCurrentRow(int row) {
  if (row == current_) return;
  current_ = row;
  if (row >= 0) ensureVisible(0, blockRect(row).center().y(), 0, kBlockHeight);
  widget()->update();
}

QRect BlockDiagramView::blockRect(int row) const {
  const int width = std::max(kMinWidth, viewport()->width() - 2 * kMargin);
  return QRect(kMargin, kMargin + (row + 1) * (kBlockHeight + kGap), width, kBlockHeight);
}

void BlockDiagramView::resizeEvent(QResizeEvent* event) {
  QScrollArea::resizeEvent(event);
  relayout();
}

void BlockDiagramView::relayout() {
  const int rows = model_ ? model_->layerCount() : 0;
  const QRect last = blockRect(rows - 1);
  widget()->resize(last.right() + kMargin, last.bottom() + kMargin);
  widget()->update();
}

void BlockDiagramView::clickAt(const QPoint& pos) {
  setFocus(Qt::MouseFocusReason);
  const int rows = model_ ? model_->layerCount() : 0;
  for (int r = 0; r < rows; ++r) {
    if (!blockRect(r).contains(pos)) continue;
    setCurrentRow(r);
    emit rowClicked(r);
    return;
  }
}

QString BlockDiagramView::toolTipAt(const QPoint& pos) const {
  if (!model_) return {};
  const engine::nn::SpecReport& report = model_->report();
  for (int r = 0; r < static_cast<int>(report.layers.size()); ++r) {
    if (!blockRect(r).contains(pos)) continue;
    const engine::nn::LayerReport& l = report.layers[r];
    if (l.status != engine::nn::LayerStatus::ok) return qstr(l.message);
    const engine::nn::LayerDef* def = engine::nn::find_layer(l.type);
    return def ? qstr(l.name + " (" + l.type + "): " + def->doc) : QString();
  }
  return {};
}

void BlockDiagramView::keyPressEvent(QKeyEvent* event) {
  const int rows = model_ ? model_->layerCount() : 0;
  const int step = event->key() == Qt::Key_Up ? -1 : event->key() == Qt::Key_Down ? 1 : 0;
  if (step == 0 || rows == 0 || (event->modifiers() & Qt::AltModifier)) {
    QScrollArea::keyPressEvent(event);
    return;
  }
  const int row = std::clamp(current_ + step, 0, rows - 1);
  setCurrentRow(row);
  emit rowClicked(row);
}

void BlockDiagramView::paintCanvas(QPainter& p) const {
  const QPalette& pal = palette();
  const QFont base = font();
  QFont bold = base;
  bold.setBold(true);
  const engine::nn::SpecReport empty;
  const engine::nn::SpecReport& report = model_ ? model_->report() : empty;
  const int rows = static_cast<int>(report.layers.size());
  for (int r = -1; r < rows; ++r) {
    const QRect box = blockRect(r);
    if (r >= 0) {  // the arrow from the block above
      const int x = box.center().x(), top = blockRect(r - 1).bottom() + 2, tip = box.top() - 2;
      p.setPen(QPen(pal.color(QPalette::Mid), 1.5));
      p.drawLine(x, top, x, tip - 5);
      QPainterPath head;
      head.moveTo(x, tip);
      head.lineTo(x - 5, tip - 7);
      head.lineTo(x + 5, tip - 7);
      head.closeSubpath();
      p.fillPath(head, pal.color(QPalette::Mid));
    }
    QString title, detail;
    QColor stripe = pal.color(QPalette::Mid), fill = pal.color(QPalette::Base),
           border = pal.color(QPalette::Mid);
    QColor text = pal.color(QPalette::Text);
    Qt::PenStyle style = Qt::SolidLine;
    if (r < 0) {
      title = tr("Input");
      std::optional<engine::Shape> in;
      if (report.input_shape) {
        in = engine::Shape{1};
        in->insert(in->end(), report.input_shape->begin(), report.input_shape->end());
      }
      detail = in ? qstr(engine::nn::shape_text(in)) : tr("no input shape");
      fill = pal.color(QPalette::AlternateBase);
    } else {
      const engine::nn::LayerReport& l = report.layers[r];
      title = (l.name.empty() ? QStringLiteral("?") : qstr(l.name)) + "   " +
              qstr(l.type.empty() ? "?" : l.type);
      stripe = categoryColor(l.type);
      if (l.status == engine::nn::LayerStatus::ok) {
        detail = qstr(engine::nn::shape_text(l.output_shape));
        if (l.param_count > 0) detail += tr("   %1 params").arg(groupedNumber(l.param_count));
      } else if (l.status == engine::nn::LayerStatus::error) {
        detail = qstr(l.message);
        border = ModelSpecModel::errorColor();
        fill = ModelSpecModel::errorColor();
        fill.setAlpha(40);
        text = ModelSpecModel::errorColor().darker(130);
      } else {
        detail = tr("shape unknown (after an error)");
        style = Qt::DashLine;
        text = pal.color(QPalette::PlaceholderText);
      }
    }
    const bool selected = r >= 0 && r == current_;
    p.setPen(Qt::NoPen);
    p.setBrush(fill);
    p.drawRoundedRect(box, 6, 6);
    p.setBrush(stripe);
    p.drawRoundedRect(QRect(box.left(), box.top(), 6, box.height()), 3, 3);
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(selected ? pal.color(QPalette::Highlight) : border, selected ? 3 : 1.5, style));
    p.drawRoundedRect(box, 6, 6);
    const QRect inner = box.adjusted(14, 5, -8, -5);
    p.setPen(text);
    p.setFont(bold);
    const QFontMetrics fm(bold);
    p.drawText(QRect(inner.left(), inner.top(), inner.width(), inner.height() / 2),
               Qt::AlignLeft | Qt::AlignVCenter,
               fm.elidedText(title, Qt::ElideRight, inner.width()));
    p.setFont(base);
    const QFontMetrics fm2(base);
    p.drawText(QRect(inner.left(), inner.center().y(), inner.width(), inner.height() / 2),
               Qt::AlignLeft | Qt::AlignVCenter,
               fm2.elidedText(detail, Qt::ElideRight, inner.width()));
  }
}

}  // namespace gs
