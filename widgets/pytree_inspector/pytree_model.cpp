#include "widgets/pytree_inspector/pytree_model.h"

#include <QBrush>
#include <QLocale>
#include <QPalette>
#include <QPromise>
#include <QThreadPool>
#include <cmath>
#include <memory>

#include "engine/core/error.h"
#include "widgets/common/qt_convert.h"

namespace gs {

QString shapeText(const engine::Shape& shape) {
  QStringList dims;
  for (int64_t d : shape) dims << QString::number(d);
  if (shape.size() == 1) return QStringLiteral("(%1,)").arg(dims[0]);
  return QStringLiteral("(%1)").arg(dims.join(QStringLiteral(", ")));
}

QString statText(double v) {
  if (std::isnan(v)) return QStringLiteral("NaN");
  return QString::number(v, 'g', 4);
}

QString bytesText(int64_t bytes) {
  return QLocale::system().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

PytreeModel::PytreeModel(QObject* parent) : QAbstractItemModel(parent) {}

PytreeModel::~PytreeModel() {
  if (watcher_) watcher_->cancel();
}

int PytreeModel::addNode(const engine::PyTree& tree, const QString& name, const QString& path, int parent, int row) {
  const int id = static_cast<int>(nodes_.size());
  nodes_.push_back(Node{.name = name, .path = path, .parent = parent, .row = row});
  if (tree.is_leaf()) {
    const engine::Tensor& t = tree.leaf();
    GS_CHECK(t.is_concrete(), "pytree inspector: leaf '" + stdstr(path) + "' is not a concrete array");
    const engine::Array& a = t.array();
    Node& n = nodes_[id];
    n.leaf = static_cast<int>(leaves_.size());
    n.shape = shapeText(a.shape());
    n.dtype = qstr(std::string(engine::dtype_long_name(a.dtype())));
    n.size = a.size();
    n.bytes = static_cast<int64_t>(a.nbytes());
    leaves_.push_back(a);
    leafNodes_.push_back(id);
    return id;
  }
  std::vector<int> children;
  int64_t size = 0, bytes = 0;
  for (size_t i = 0; i < tree.size(); ++i) {
    const QString key = tree.is_dict() ? qstr(tree.keys()[i]) : QString::number(i);
    const int child = addNode(tree.children()[i], key, path.isEmpty() ? key : path + '/' + key, id, static_cast<int>(i));
    children.push_back(child);
    size += nodes_[child].size;
    bytes += nodes_[child].bytes;
  }
  Node& n = nodes_[id];  // after the recursion: nodes_ may have moved
  n.children = std::move(children);
  n.size = size;
  n.bytes = bytes;
  n.shape = tree.is_none() ? QStringLiteral("None")
                           : QStringLiteral("%1 of %2").arg(qstr(std::string(engine::node_kind_name(tree.kind())))).arg(tree.size());
  return id;
}

void PytreeModel::setTree(const engine::PyTree& tree) {
  beginResetModel();
  if (watcher_) watcher_->cancel();
  watcher_.reset();
  tree_ = tree;
  nodes_.clear();
  leaves_.clear();
  leafNodes_.clear();
  stats_.clear();
  statsReady_ = false;
  try {
    // A lone leaf still gets a row (named "value") under the hidden root.
    if (tree.is_leaf()) {
      nodes_.push_back(Node{});
      const int child = addNode(tree, QStringLiteral("value"), QString(), 0, 0);
      nodes_[0].children = {child};
      nodes_[0].size = nodes_[child].size;
      nodes_[0].bytes = nodes_[child].bytes;
    } else {
      addNode(tree, QString(), QString(), -1, 0);
    }
  } catch (...) {
    nodes_.clear();
    leaves_.clear();
    leafNodes_.clear();
    tree_ = {};
    endResetModel();
    throw;
  }
  endResetModel();
  if (totalValues() <= kSyncValues) {
    std::vector<engine::LeafStats> stats;
    for (const engine::Array& a : leaves_) stats.push_back(engine::leaf_stats(a));
    onStats(stats);
    return;
  }
  auto promise = std::make_shared<QPromise<std::vector<engine::LeafStats>>>();
  watcher_ = std::make_unique<QFutureWatcher<std::vector<engine::LeafStats>>>();
  connect(watcher_.get(), &QFutureWatcherBase::finished, this, [this] {
    if (watcher_ && watcher_->future().resultCount() > 0) onStats(watcher_->future().result());
  });
  watcher_->setFuture(promise->future());
  promise->start();
  QThreadPool::globalInstance()->start([promise, leaves = leaves_] {
    std::vector<engine::LeafStats> stats;
    for (const engine::Array& a : leaves) {
      if (promise->isCanceled()) break;
      stats.push_back(engine::leaf_stats(a));
    }
    if (!promise->isCanceled()) promise->addResult(std::move(stats));
    promise->finish();
  });
}

void PytreeModel::waitForStats() {
  if (statsReady_ || !watcher_) return;
  watcher_->waitForFinished();
  if (!statsReady_ && watcher_->future().resultCount() > 0) onStats(watcher_->future().result());
}

void PytreeModel::onStats(const std::vector<engine::LeafStats>& stats) {
  if (statsReady_ || stats.size() != leaves_.size()) return;
  stats_ = stats;
  statsReady_ = true;
  for (int node : leafNodes_) {
    const QModelIndex left = createIndex(nodes_[node].row, MeanColumn, quintptr(node));
    emit dataChanged(left, left.siblingAtColumn(MaxColumn));
  }
  emit statsComputed();
}

int PytreeModel::nodeOf(const QModelIndex& index) const {
  if (!index.isValid()) return 0;
  return static_cast<int>(index.internalId());
}

QModelIndex PytreeModel::index(int row, int column, const QModelIndex& parent) const {
  if (nodes_.empty() || column < 0 || column >= ColumnCount || row < 0) return {};
  if (parent.isValid() && parent.column() != 0) return {};
  const Node& p = nodes_[nodeOf(parent)];
  if (row >= static_cast<int>(p.children.size())) return {};
  return createIndex(row, column, quintptr(p.children[row]));
}

QModelIndex PytreeModel::parent(const QModelIndex& child) const {
  if (!child.isValid()) return {};
  const int p = nodes_[nodeOf(child)].parent;
  if (p <= 0) return {};
  return createIndex(nodes_[p].row, 0, quintptr(p));
}

int PytreeModel::rowCount(const QModelIndex& parent) const {
  if (nodes_.empty() || (parent.isValid() && parent.column() != 0)) return 0;
  return static_cast<int>(nodes_[nodeOf(parent)].children.size());
}

int PytreeModel::columnCount(const QModelIndex&) const { return ColumnCount; }

QVariant PytreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) return {};
  static const char* const kNames[] = {"Path", "Shape", "DType", "Size", "Bytes", "Mean", "Std", "Min", "Max"};
  static const char* const kTips[] = {"Key path in the tree (dict keys, list indices)",
                                      "Shape of the leaf; a container shows its kind and number of children",
                                      "Element type",
                                      "Number of values (a container: all of its leaves)",
                                      "Memory the values take",
                                      "Mean of the finite values",
                                      "Standard deviation of the finite values (population)",
                                      "Smallest finite value",
                                      "Largest finite value"};
  if (role == Qt::DisplayRole) return tr(kNames[section]);
  if (role == Qt::ToolTipRole) return tr(kTips[section]);
  return {};
}

QVariant PytreeModel::statCell(const Node& n, int column, int role) const {
  if (n.leaf < 0) return {};
  if (!statsReady_) return role == Qt::DisplayRole ? QVariant(QStringLiteral("…")) : QVariant();
  const engine::LeafStats& s = stats_[n.leaf];
  const double v = column == MeanColumn ? s.mean : column == StdColumn ? s.std : column == MinColumn ? s.min : s.max;
  switch (role) {
    case Qt::DisplayRole: return statText(v);
    case ValueRole: return v;
    case Qt::ForegroundRole:
      if (s.nan + s.inf > 0) return QBrush(QColor(213, 94, 0));
      return {};
    case Qt::ToolTipRole:
      if (s.nan + s.inf > 0)
        return tr("%1 NaN and %2 infinite values left out of the statistics").arg(s.nan).arg(s.inf);
      return tr("L2 norm %1").arg(statText(s.norm));
    default: return {};
  }
}

QVariant PytreeModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  const Node& n = nodes_[nodeOf(index)];
  const int col = index.column();
  if (role == PathRole) return n.path;
  if (role == Qt::TextAlignmentRole && col >= SizeColumn) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
  if (col >= MeanColumn) return statCell(n, col, role);
  if (role == ValueRole) {
    if (col == SizeColumn) return static_cast<qlonglong>(n.size);
    if (col == BytesColumn) return static_cast<qlonglong>(n.bytes);
    return {};
  }
  if (role == Qt::ToolTipRole && col == PathColumn) return n.path;
  if (role != Qt::DisplayRole) return {};
  switch (col) {
    case PathColumn: return n.name;
    case ShapeColumn: return n.shape;
    case DTypeColumn: return n.dtype;
    case SizeColumn: return QLocale::system().toString(static_cast<qlonglong>(n.size));
    case BytesColumn: return bytesText(n.bytes);
    default: return {};
  }
}

QModelIndex PytreeModel::indexOfPath(const QString& slashPath) const {
  for (size_t i = 1; i < nodes_.size(); ++i)
    if (nodes_[i].path == slashPath) return createIndex(nodes_[i].row, 0, quintptr(i));
  return {};
}

QString PytreeModel::pathAt(const QModelIndex& index) const {
  return index.isValid() ? nodes_[nodeOf(index)].path : QString();
}

std::optional<engine::Array> PytreeModel::leafAt(const QModelIndex& index) const {
  if (!index.isValid()) return std::nullopt;
  const Node& n = nodes_[nodeOf(index)];
  if (n.leaf < 0) return std::nullopt;
  return leaves_[n.leaf];
}

std::optional<engine::LeafStats> PytreeModel::statsAt(const QModelIndex& index) const {
  if (!index.isValid() || !statsReady_) return std::nullopt;
  const Node& n = nodes_[nodeOf(index)];
  if (n.leaf < 0) return std::nullopt;
  return stats_[n.leaf];
}

}  // namespace gs
