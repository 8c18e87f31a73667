#include "widgets/dataset_browser/dataset_image_model.h"

namespace gs {

QImage splitImage(const engine::data::Split& split, int64_t row) {
  const engine::Shape& s = split.x.shape();
  const std::vector<uint8_t> bytes = engine::data::image_bytes(split, row);
  const int h = static_cast<int>(s[1]), w = static_cast<int>(s[2]), c = static_cast<int>(s[3]);
  if (c != 1 && c != 3) return {};
  QImage img(w, h, c == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
  for (int y = 0; y < h; ++y) std::memcpy(img.scanLine(y), bytes.data() + static_cast<size_t>(y) * w * c, static_cast<size_t>(w) * c);
  return img;
}

DatasetImageModel::DatasetImageModel(QObject* parent) : QAbstractListModel(parent) {}

void DatasetImageModel::setSplit(std::shared_ptr<const engine::data::Split> split, const QStringList& classNames) {
  beginResetModel();
  split_ = std::move(split);
  names_ = classNames;
  index_ = engine::data::index_classes(*split_, classNames.size());
  labels_ = split_->y.to_vector<int32_t>();
  filter_ = -1;
  endResetModel();
}

void DatasetImageModel::clear() {
  beginResetModel();
  split_.reset();
  names_.clear();
  index_ = {};
  labels_.clear();
  filter_ = -1;
  endResetModel();
}

void DatasetImageModel::setClassFilter(int cls) {
  if (cls >= names_.size()) cls = -1;
  if (cls == filter_) return;
  beginResetModel();
  filter_ = cls;
  endResetModel();
}

int64_t DatasetImageModel::exampleAt(int row) const {
  return filter_ < 0 ? row : index_.rows[static_cast<size_t>(filter_)][static_cast<size_t>(row)];
}

int DatasetImageModel::rowCount(const QModelIndex& parent) const {
  if (parent.isValid() || !split_) return 0;
  return static_cast<int>(filter_ < 0 ? labels_.size() : index_.rows[static_cast<size_t>(filter_)].size());
}

QVariant DatasetImageModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const int64_t example = exampleAt(index.row());
  const int label = labels_[static_cast<size_t>(example)];
  switch (role) {
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole:
      return names_.value(label);
    case Qt::ToolTipRole:
      return tr("Example %1: %2 (class %3)").arg(example).arg(names_.value(label)).arg(label);
    case ImageRole:
      return splitImage(*split_, example);
    case LabelRole:
      return label;
    case ExampleRole:
      return static_cast<qlonglong>(example);
    default:
      return {};
  }
}

QHash<int, QByteArray> DatasetImageModel::roleNames() const {
  QHash<int, QByteArray> r = QAbstractListModel::roleNames();
  r[ImageRole] = "image";
  r[LabelRole] = "label";
  r[ExampleRole] = "example";
  return r;
}

}  // namespace gs
