#include "widgets/training_dashboard/dataset_catalog_model.h"

#include <QLocale>

#include "widgets/common/qt_convert.h"

namespace gs {

QString datasetSummary(const engine::train::DatasetInfo& d) {
  if (!d.present) return QObject::tr("not installed: %1").arg(qstr(d.package.empty() ? d.problem : d.package));
  const QLocale loc;
  QString s = QObject::tr("%1 train / %2 test").arg(loc.toString(qlonglong(d.train_size)), loc.toString(qlonglong(d.test_size)));
  if (d.num_classes > 0) s += QObject::tr(", %1 classes").arg(d.num_classes);
  return s;
}

DatasetCatalogModel::DatasetCatalogModel(QObject* parent) : QAbstractListModel(parent) { reload(); }

void DatasetCatalogModel::reload(const engine::data::DatasetPaths& paths) {
  beginResetModel();
  rows_.clear();
  for (engine::train::DatasetInfo& d : engine::train::dataset_catalog(paths))
    if (d.name.rfind("mnist-idx:", 0) != 0) rows_.push_back(std::move(d));
  endResetModel();
}

int DatasetCatalogModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(rows_.size());
}

QVariant DatasetCatalogModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const engine::train::DatasetInfo& d = rows_[size_t(index.row())];
  switch (role) {
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole: return qstr(d.name) + (d.present ? QString() : QObject::tr(" (not installed)"));
    case Qt::ToolTipRole:
      return qstr(d.doc) + "\n" + datasetSummary(d) + (d.present ? QString() : "\n" + qstr(d.problem));
    case NameRole: return qstr(d.name);
    case PresentRole: return d.present;
    default: return {};
  }
}

Qt::ItemFlags DatasetCatalogModel::flags(const QModelIndex& index) const {
  if (!index.isValid() || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return Qt::NoItemFlags;
  // A missing dataset stays listed (with its package) but cannot be chosen.
  return rows_[size_t(index.row())].present ? Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemNeverHasChildren
                                            : Qt::ItemNeverHasChildren;
}

int DatasetCatalogModel::rowOf(const QString& name) const {
  for (size_t i = 0; i < rows_.size(); ++i)
    if (qstr(rows_[i].name) == name) return int(i);
  return -1;
}

}  // namespace gs
