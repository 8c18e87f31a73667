// RunTableModel: the history table over RunStore summaries (engine/runs/run_store.h), one row per
// run, loaded lazily in pages (canFetchMore/fetchMore) and sorted and filtered by the store (each
// sort or filter is a new query, so the order is the database's, over every run, not only the
// loaded page). refreshLoaded() re-reads the rows already loaded: in place (dataChanged) when
// the same runs come back in the same order, else as a model reset the panel restores its
// selection across. fetchMore() only queues the next page for the event loop: a view (or the
// model tester) may call it while it handles a reset, where inserting rows would nest one change
// inside another; fetchPage() loads one at once. The model owns no timer; RunHistoryPanel polls data_version() and calls it.
#pragma once
#include <QAbstractTableModel>
#include <QColor>
#include <set>

#include "engine/runs/run_store.h"

namespace gs {

class RunTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Name, Status, Model, Dataset, Optimizer, Lr, Batch, Epochs, BestAccuracy, FinalLoss, Duration,
                Created, Tags, ColumnCount };
  enum Role { RunIdRole = Qt::UserRole + 1, StatusRole };

  explicit RunTableModel(QObject* parent = nullptr);
  // The store is not owned and must outlive the model (or be replaced first); nullptr empties it.
  void setStore(engine::runs::RunStore* store);
  engine::runs::RunStore* store() const { return store_; }
  void setPageSize(int rows) { pageSize_ = rows; }
  int pageSize() const { return pageSize_; }

  void setTextFilter(const QString& text);
  QString textFilter() const { return textFilter_; }
  // Runs whose status is in the set; an empty set shows every status.
  void setStatusFilter(const std::set<engine::runs::RunStatus>& statuses);
  std::set<engine::runs::RunStatus> statusFilter() const { return statusFilter_; }

  // Re-queries from the first page (filters and sort as they are).
  void reload();
  // Re-reads the loaded rows (at least one page) and the count; see the file comment.
  void refreshLoaded();
  // Rows matching the filter in the database (rowCount() is what is loaded so far).
  qint64 totalCount() const { return total_; }
  // Loads the next page now (fetchMore() queues this for the event loop).
  void fetchPage();

  qint64 runId(int row) const;
  int rowOfRun(qint64 id) const;  // -1 when not loaded
  const engine::runs::RunSummary* summary(int row) const;
  static QString orderKey(int column);  // the RunQuery::order_by of a column
  static QColor statusColor(engine::runs::RunStatus status);
  static QString durationText(double seconds);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
  bool canFetchMore(const QModelIndex& parent) const override;
  void fetchMore(const QModelIndex& parent) override;
  void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

 signals:
  // A store call failed (a locked or damaged database); the model keeps what it had.
  void errorOccurred(const QString& message);

 private:
  engine::runs::RunQuery query(int64_t offset, int64_t limit) const;
  bool fetchQueued_ = false;

  engine::runs::RunStore* store_ = nullptr;
  std::vector<engine::runs::RunSummary> rows_;
  qint64 total_ = 0;
  int pageSize_ = 200;
  QString textFilter_;
  std::set<engine::runs::RunStatus> statusFilter_;
  int sortColumn_ = Created;
  Qt::SortOrder sortOrder_ = Qt::DescendingOrder;
};

}  // namespace gs
