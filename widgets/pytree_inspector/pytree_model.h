// PytreeModel: a PyTree as a QAbstractItemModel, one row per node (dicts by key, lists and tuples
// by index), columns path, shape, dtype, size, bytes, mean, std, min, max. Containers show the
// total size and bytes of their leaves; leaves their statistics (engine/tree/leaf_stats.h).
//
// The structure is built at once (a model has tens of leaves, not millions); the statistics read
// every value, so for trees over kSyncValues values they are computed on a pool thread and arrive
// in one statsComputed() (the cells show "…" until then). The job holds only shared, immutable
// arrays and its own results, so a model that is reset or destroyed meanwhile just drops them.
#pragma once
#include <QAbstractItemModel>
#include <QFutureWatcher>
#include <memory>
#include <optional>
#include <vector>

#include "engine/tree/leaf_stats.h"
#include "engine/tree/pytree.h"

namespace gs {

class PytreeModel : public QAbstractItemModel {
  Q_OBJECT
 public:
  enum Column { PathColumn, ShapeColumn, DTypeColumn, SizeColumn, BytesColumn, MeanColumn, StdColumn,
                MinColumn, MaxColumn, ColumnCount };
  static constexpr int PathRole = Qt::UserRole + 1;   // the row's slash path ("params/Dense_0/kernel")
  static constexpr int ValueRole = Qt::UserRole + 2;  // the number behind a numeric cell (double)
  // Trees up to this many values get their statistics in setTree(), on the calling thread.
  static constexpr int64_t kSyncValues = 200'000;

  explicit PytreeModel(QObject* parent = nullptr);
  ~PytreeModel() override;

  // Shows a tree of concrete arrays (throws engine::Error naming a traced leaf).
  void setTree(const engine::PyTree& tree);
  const engine::PyTree& tree() const { return tree_; }
  bool statsReady() const { return statsReady_; }
  // Blocks until the statistics are in (tests, the bench); delivers statsComputed() first.
  void waitForStats();

  int leafCount() const { return static_cast<int>(leaves_.size()); }
  int64_t totalValues() const { return nodes_.empty() ? 0 : nodes_[0].size; }
  int64_t totalBytes() const { return nodes_.empty() ? 0 : nodes_[0].bytes; }
  QModelIndex indexOfPath(const QString& slashPath) const;  // invalid when there is no such node
  QString pathAt(const QModelIndex& index) const;
  // The leaf's array, or nullopt for a container row.
  std::optional<engine::Array> leafAt(const QModelIndex& index) const;
  std::optional<engine::LeafStats> statsAt(const QModelIndex& index) const;

  QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
  QModelIndex parent(const QModelIndex& child) const override;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 signals:
  void statsComputed();

 private:
  struct Node {
    QString name{};
    QString path{};
    int parent = -1;
    int row = 0;
    std::vector<int> children{};
    int leaf = -1;    // index into leaves_, -1 for a container
    QString shape{};  // "(784, 512)" or "dict of 2"
    QString dtype{};
    int64_t size = 0;
    int64_t bytes = 0;
  };
  int addNode(const engine::PyTree& tree, const QString& name, const QString& path, int parent, int row);
  int nodeOf(const QModelIndex& index) const;
  QVariant statCell(const Node& n, int column, int role) const;
  void onStats(const std::vector<engine::LeafStats>& stats);

  engine::PyTree tree_;
  std::vector<Node> nodes_;  // nodes_[0] is the root (not shown)
  std::vector<engine::Array> leaves_;
  std::vector<int> leafNodes_;  // leaf -> node
  std::vector<engine::LeafStats> stats_;
  bool statsReady_ = false;
  // One watcher per job, replaced (and so disconnected) by the next setTree().
  std::unique_ptr<QFutureWatcher<std::vector<engine::LeafStats>>> watcher_;
};

// "(784, 512)", "()" for a scalar: shapes as Python prints them.
QString shapeText(const engine::Shape& shape);
// 4.07e-05, 0.1235, 1234: four significant digits; "NaN" for NaN.
QString statText(double v);
// "3.0 MiB", "512 B".
QString bytesText(int64_t bytes);

}  // namespace gs
