#include "widgets/evaluation/misclassified_model.h"

#include <algorithm>
#include <numeric>

#include "widgets/dataset_browser/dataset_image_model.h"

namespace gs {

MisclassifiedModel::MisclassifiedModel(QObject* parent) : QAbstractTableModel(parent) {}

void MisclassifiedModel::setEvaluation(std::shared_ptr<const engine::train::ClassifierEval> eval,
                                       std::shared_ptr<const engine::data::Split> split, const QStringList& classNames) {
  beginResetModel();
  eval_ = std::move(eval);
  split_ = std::move(split);
  names_ = classNames;
  rows_ = eval_->misclassified_by_loss();
  endResetModel();
}

void MisclassifiedModel::clear() {
  beginResetModel();
  eval_.reset();
  split_.reset();
  rows_.clear();
  endResetModel();
}

int MisclassifiedModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}
int MisclassifiedModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString MisclassifiedModel::topClasses(int64_t example) const {
  const int64_t c = eval_->num_classes;
  const float* p = eval_->probabilities.data() + example * c;
  std::vector<int> order(static_cast<size_t>(c));
  std::iota(order.begin(), order.end(), 0);
  const int k = static_cast<int>(std::min<int64_t>(3, c));
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [p](int a, int b) { return p[a] > p[b]; });
  QStringList parts;
  for (int i = 0; i < k; ++i) parts << QStringLiteral("%1 %2").arg(names_.value(order[i])).arg(p[order[i]], 0, 'f', 3);
  return parts.join(QStringLiteral(", "));
}

QVariant MisclassifiedModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const int64_t e = rows_[static_cast<size_t>(index.row())];
  const size_t i = static_cast<size_t>(e);
  const int t = eval_->true_label[i], p = eval_->predicted[i];
  const float* probs = eval_->probabilities.data() + e * eval_->num_classes;
  if (role == Qt::DecorationRole && index.column() == ImageColumn && split_) {
    const QImage img = splitImage(*split_, e);
    return img.scaled(img.size() * 2, Qt::KeepAspectRatio, Qt::FastTransformation);
  }
  if (role == Qt::ToolTipRole) {
    QStringList all;
    for (int k = 0; k < eval_->num_classes; ++k) all << QStringLiteral("%1: %2").arg(names_.value(k)).arg(probs[k], 0, 'f', 4);
    return tr("Example %1, a %2 taken for a %3\n%4").arg(e).arg(names_.value(t), names_.value(p), all.join('\n'));
  }
  if (role == Qt::TextAlignmentRole && index.column() != TrueColumn && index.column() != PredictedColumn &&
      index.column() != TopColumn)
    return QVariant(Qt::AlignRight | Qt::AlignVCenter);
  if (role != Qt::DisplayRole && role != Qt::AccessibleTextRole) return {};
  switch (index.column()) {
    case ImageColumn: return role == Qt::AccessibleTextRole ? tr("Image of example %1").arg(e) : QVariant();
    case ExampleColumn: return static_cast<qlonglong>(e);
    case TrueColumn: return names_.value(t);
    case PredictedColumn: return names_.value(p);
    case PredictedProbColumn: return QString::number(probs[p], 'f', 3);
    case TrueProbColumn: return QString::number(probs[t], 'f', 3);
    case LossColumn: return QString::number(eval_->loss[i], 'f', 3);
    case TopColumn: return topClasses(e);
    default: return {};
  }
}

QVariant MisclassifiedModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
  switch (section) {
    case ImageColumn: return tr("Image");
    case ExampleColumn: return tr("Example");
    case TrueColumn: return tr("True");
    case PredictedColumn: return tr("Predicted");
    case PredictedProbColumn: return tr("P(predicted)");
    case TrueProbColumn: return tr("P(true)");
    case LossColumn: return tr("Loss");
    case TopColumn: return tr("Most probable");
    default: return {};
  }
}

}  // namespace gs
