#include "widgets/run_history/config_diff_model.h"

#include <QColor>

#include "widgets/common/qt_convert.h"

namespace gs {

ConfigDiffModel::ConfigDiffModel(QObject* parent) : QAbstractTableModel(parent) {}

void ConfigDiffModel::setDiff(engine::runs::ConfigDiff diff) {
  beginResetModel();
  diff_ = std::move(diff);
  endResetModel();
}

int ConfigDiffModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(diff_.rows.size());
}

int ConfigDiffModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() || diff_.run_ids.empty() ? 0 : 1 + static_cast<int>(diff_.run_ids.size());
}

QVariant ConfigDiffModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const engine::runs::ConfigDiffRow& row = diff_.rows[static_cast<size_t>(index.row())];
  if (role == DiffersRole) return row.differs;
  if (role == Qt::BackgroundRole && row.differs && index.column() > 0) {
    QColor tint(230, 159, 0);
    tint.setAlpha(45);
    return tint;
  }
  if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
  if (index.column() == 0) return qstr(row.path);
  const std::string& v = row.values[static_cast<size_t>(index.column() - 1)];
  return qstr(v);
}

QVariant ConfigDiffModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= columnCount()) return {};
  if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
  if (section == 0) return tr("Config path");
  const size_t r = static_cast<size_t>(section - 1);
  return role == Qt::DisplayRole ? qstr(diff_.run_names[r])
                                 : tr("Run %1: %2").arg(diff_.run_ids[r]).arg(qstr(diff_.run_names[r]));
}

}  // namespace gs
