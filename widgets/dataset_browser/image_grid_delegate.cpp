#include "widgets/dataset_browser/image_grid_delegate.h"

#include <QApplication>
#include <QImage>
#include <QPainter>

namespace gs {

ImageGridDelegate::ImageGridDelegate(int imageRole, QObject* parent)
    : QStyledItemDelegate(parent), imageRole_(imageRole) {}

void ImageGridDelegate::setImageSize(int pixels) { imageSize_ = std::max(8, pixels); }

QSize ImageGridDelegate::cellSize() const {
  const int text = QFontMetrics(QApplication::font()).height();
  return {std::max(imageSize_ + 8, minWidth_), imageSize_ + text + 8};
}

QSize ImageGridDelegate::sizeHint(const QStyleOptionViewItem&, const QModelIndex&) const { return cellSize(); }

void ImageGridDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const {
  QStyleOptionViewItem opt = option;
  initStyleOption(&opt, index);
  painter->save();
  const QPalette& pal = opt.palette;
  if (opt.state & QStyle::State_Selected) painter->fillRect(opt.rect, pal.highlight());
  const QImage img = index.data(imageRole_).value<QImage>();
  const QRect box(opt.rect.left() + (opt.rect.width() - imageSize_) / 2, opt.rect.top() + 4, imageSize_, imageSize_);
  if (!img.isNull()) {
    painter->setRenderHint(QPainter::SmoothPixmapTransform, false);
    painter->drawImage(box, img);
  }
  const QRect text(opt.rect.left() + 2, box.bottom() + 2, opt.rect.width() - 4, opt.rect.bottom() - box.bottom() - 2);
  painter->setPen(pal.color(opt.state & QStyle::State_Selected ? QPalette::HighlightedText : QPalette::Text));
  painter->drawText(text, Qt::AlignHCenter | Qt::AlignTop,
                    opt.fontMetrics.elidedText(index.data(Qt::DisplayRole).toString(), Qt::ElideRight, text.width()));
  painter->restore();
}

}  // namespace gs
