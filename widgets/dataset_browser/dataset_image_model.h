// DatasetImageModel: one split of a classification dataset as a flat list model, one row per
// example (optionally only those of one class), for a grid view. Nothing is converted up front:
// an example's QImage is made when a delegate asks for ImageRole, so 60,000 rows cost only the
// row list.
#pragma once
#include <QAbstractListModel>
#include <QImage>
#include <QStringList>
#include <memory>
#include <vector>

#include "engine/data/class_index.h"
#include "engine/data/dataset.h"

namespace gs {

// An N x H x W x C (C = 1 or 3) f32 image of a split as a QImage (Grayscale8 or RGB888).
QImage splitImage(const engine::data::Split& split, int64_t row);

class DatasetImageModel : public QAbstractListModel {
  Q_OBJECT
 public:
  enum Role { ImageRole = Qt::UserRole + 1, LabelRole, ExampleRole };
  explicit DatasetImageModel(QObject* parent = nullptr);

  // Shows `split` (shared with the panel, not copied) with those class names; all classes.
  void setSplit(std::shared_ptr<const engine::data::Split> split, const QStringList& classNames);
  void clear();
  // -1: every example; else only those of class `cls` (file order either way).
  void setClassFilter(int cls);
  int classFilter() const { return filter_; }
  const engine::data::ClassIndex& classIndex() const { return index_; }
  const QStringList& classNames() const { return names_; }
  int64_t exampleAt(int row) const;  // the split's row shown at `row`

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

 private:
  std::shared_ptr<const engine::data::Split> split_;
  QStringList names_;
  engine::data::ClassIndex index_;
  std::vector<int32_t> labels_;
  int filter_ = -1;
};

}  // namespace gs
