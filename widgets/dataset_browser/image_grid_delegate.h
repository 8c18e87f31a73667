// ImageGridDelegate: paints one grid cell, the example's image (the model's ImageRole, scaled
// without smoothing so pixels stay crisp) above its label (DisplayRole), in a fixed cell size so
// the view can lay out 60,000 cells without asking for each one's size.
#pragma once
#include <QStyledItemDelegate>

namespace gs {

class ImageGridDelegate : public QStyledItemDelegate {
  Q_OBJECT
 public:
  ImageGridDelegate(int imageRole, QObject* parent = nullptr);
  void setImageSize(int pixels);  // the side of the square the image is scaled into
  // The cells are at least this wide, so that labels such as "T-shirt/top" are not cut short.
  void setMinimumCellWidth(int pixels) { minWidth_ = pixels; }
  int imageSize() const { return imageSize_; }
  QSize cellSize() const;

  void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
  QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

 private:
  int imageRole_;
  int imageSize_ = 56;
  int minWidth_ = 0;
};

}  // namespace gs
