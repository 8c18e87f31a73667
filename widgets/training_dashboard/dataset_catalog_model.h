// The datasets of engine/train/config_catalog.h as a list model (the run form's dataset choice):
// one row per dataset a run can use as it is (mnist-idx:DIR needs a folder, so it is left out).
// DisplayRole: the name with its sizes; ToolTipRole: the doc, or the package that provides a
// missing dataset; NameRole: the config's dataset.name; a missing dataset's row is disabled.
#pragma once
#include <vector>

#include <QAbstractListModel>

#include "engine/train/config_catalog.h"

namespace gs {

class DatasetCatalogModel : public QAbstractListModel {
  Q_OBJECT

 public:
  enum Role { NameRole = Qt::UserRole + 1, PresentRole };

  explicit DatasetCatalogModel(QObject* parent = nullptr);
  // Describes the datasets again (after a package was installed, say).
  void reload(const engine::data::DatasetPaths& paths = engine::data::DatasetPaths::defaults());

  int rowCount(const QModelIndex& parent = QModelIndex()) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;

  const engine::train::DatasetInfo& info(int row) const { return rows_.at(size_t(row)); }
  int rowOf(const QString& name) const;  // -1 when absent

 private:
  std::vector<engine::train::DatasetInfo> rows_;
};

// "60,000 train / 10,000 test" or "not installed: Debian package dataset-fashion-mnist".
QString datasetSummary(const engine::train::DatasetInfo& info);

}  // namespace gs
