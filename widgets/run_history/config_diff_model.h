// ConfigDiffModel: RunStore::config_diff as a table, the config path then one column per run
// (headed by the run's name); rows whose values differ are tinted.
#pragma once
#include <QAbstractTableModel>

#include "engine/runs/run_store.h"

namespace gs {

class ConfigDiffModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Role { DiffersRole = Qt::UserRole + 1 };
  explicit ConfigDiffModel(QObject* parent = nullptr);
  void setDiff(engine::runs::ConfigDiff diff);
  const engine::runs::ConfigDiff& diff() const { return diff_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  engine::runs::ConfigDiff diff_;
};

}  // namespace gs
