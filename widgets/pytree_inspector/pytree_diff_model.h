// PytreeDiffModel: two trees (two checkpoints, a checkpoint and the model at init, ...) compared
// leaf by leaf, one row per slash path found in either: the statistics of B − A, the largest
// absolute change, and that change relative to A's largest magnitude. Leaves only in one tree, or
// whose shapes differ, get a row that says so instead of numbers.
#pragma once
#include <QAbstractTableModel>
#include <optional>
#include <vector>

#include "engine/tree/leaf_stats.h"
#include "engine/tree/pytree.h"

namespace gs {

class PytreeDiffModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { PathColumn, StatusColumn, ShapeColumn, MeanColumn, StdColumn, MaxAbsColumn, RelativeColumn,
                NormColumn, ColumnCount };
  static constexpr int ValueRole = Qt::UserRole + 2;  // the number behind a numeric cell

  explicit PytreeDiffModel(QObject* parent = nullptr);
  // Compares b against a (differences are b − a); every leaf must be concrete.
  void setTrees(const engine::PyTree& a, const engine::PyTree& b);
  void clear();

  struct Row {
    QString path{};
    QString shape{};
    QString status{};  // "changed", "equal", "only in A", "only in B", "shapes differ: ..."
    std::optional<engine::LeafDiff> diff{};
  };
  const std::vector<Row>& rows() const { return rows_; }
  int changedCount() const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  std::vector<Row> rows_;
};

}  // namespace gs
