#include "widgets/pytree_inspector/pytree_diff_model.h"

#include <map>

#include "engine/tree/key_path.h"
#include "widgets/common/qt_convert.h"
#include "widgets/pytree_inspector/pytree_model.h"

namespace gs {

PytreeDiffModel::PytreeDiffModel(QObject* parent) : QAbstractTableModel(parent) {}

void PytreeDiffModel::clear() {
  beginResetModel();
  rows_.clear();
  endResetModel();
}

void PytreeDiffModel::setTrees(const engine::PyTree& a, const engine::PyTree& b) {
  std::map<std::string, engine::Array> inB;
  for (const auto& [path, leaf] : engine::tree_flatten_with_path(b)) inB.emplace(path.slash(), leaf.array());
  std::vector<Row> rows;
  for (const auto& [path, leaf] : engine::tree_flatten_with_path(a)) {
    const engine::Array& x = leaf.array();
    Row r{.path = qstr(path.slash()), .shape = shapeText(x.shape())};
    auto it = inB.find(path.slash());
    if (it == inB.end()) {
      r.status = tr("only in A");
    } else if (it->second.shape() != x.shape()) {
      r.status = tr("shapes differ: B is %1").arg(shapeText(it->second.shape()));
      inB.erase(it);
    } else {
      r.diff = engine::leaf_diff(x, it->second);
      r.status = r.diff->max_abs == 0 ? tr("equal") : tr("changed");
      inB.erase(it);
    }
    rows.push_back(std::move(r));
  }
  for (const auto& [path, x] : inB) rows.push_back(Row{.path = qstr(path), .shape = shapeText(x.shape()), .status = tr("only in B")});
  beginResetModel();
  rows_ = std::move(rows);
  endResetModel();
}

int PytreeDiffModel::changedCount() const {
  int n = 0;
  for (const Row& r : rows_) n += r.diff && r.diff->max_abs != 0 ? 1 : 0;
  return n;
}

int PytreeDiffModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int PytreeDiffModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant PytreeDiffModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) return {};
  static const char* const kNames[] = {"Path", "Status", "Shape", "Mean Δ", "Std Δ", "Max |Δ|", "Relative", "‖Δ‖"};
  static const char* const kTips[] = {"Key path of the leaf",
                                      "changed, equal, or why the leaf cannot be compared",
                                      "Shape of the leaf in A",
                                      "Mean of B − A",
                                      "Standard deviation of B − A",
                                      "Largest absolute change",
                                      "Largest absolute change over A's largest magnitude",
                                      "L2 norm of B − A"};
  if (role == Qt::DisplayRole) return tr(kNames[section]);
  if (role == Qt::ToolTipRole) return tr(kTips[section]);
  return {};
}

QVariant PytreeDiffModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const Row& r = rows_[static_cast<size_t>(index.row())];
  const int col = index.column();
  if (role == Qt::TextAlignmentRole && col >= MeanColumn && col <= NormColumn)
    return QVariant(Qt::AlignRight | Qt::AlignVCenter);
  if (role != Qt::DisplayRole && role != ValueRole) return {};
  if (col == PathColumn) return r.path;
  if (col == ShapeColumn) return r.shape;
  if (col == StatusColumn) return r.status;
  if (!r.diff) return {};
  const engine::LeafDiff& d = *r.diff;
  const double v = col == MeanColumn     ? d.diff.mean
                   : col == StdColumn    ? d.diff.std
                   : col == MaxAbsColumn ? d.max_abs
                   : col == RelativeColumn ? d.relative
                                           : d.diff.norm;
  return role == ValueRole ? QVariant(v) : QVariant(statText(v));
}

}  // namespace gs
