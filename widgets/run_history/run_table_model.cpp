#include "widgets/run_history/run_table_model.h"

#include <QDateTime>
#include <QLocale>

#include "widgets/common/qt_convert.h"

namespace gs {

using engine::runs::RunStatus;
using engine::runs::RunSummary;

RunTableModel::RunTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void RunTableModel::setStore(engine::runs::RunStore* store) {
  store_ = store;
  reload();
}

void RunTableModel::setTextFilter(const QString& text) {
  if (text == textFilter_) return;
  textFilter_ = text;
  reload();
}

void RunTableModel::setStatusFilter(const std::set<RunStatus>& statuses) {
  if (statuses == statusFilter_) return;
  statusFilter_ = statuses;
  reload();
}

QString RunTableModel::orderKey(int column) {
  static const char* keys[ColumnCount] = {"name",  "status",     "model",    "dataset",
                                          "optimizer", "lr",     "batch_size", "epochs",
                                          "best_test_accuracy", "final_loss", "duration", "created", "tags"};
  return column >= 0 && column < ColumnCount ? QString::fromLatin1(keys[column]) : QStringLiteral("created");
}

engine::runs::RunQuery RunTableModel::query(int64_t offset, int64_t limit) const {
  engine::runs::RunQuery q;
  q.offset = offset;
  q.limit = limit;
  q.order_by = stdstr(orderKey(sortColumn_));
  q.descending = sortOrder_ == Qt::DescendingOrder;
  q.search = stdstr(textFilter_.trimmed());
  q.statuses = statusFilter_;
  return q;
}

void RunTableModel::reload() {
  std::vector<RunSummary> rows;
  qint64 total = 0;
  if (store_) {
    try {
      total = store_->count_runs(query(0, 0));
      rows = store_->list_summaries(query(0, pageSize_));
    } catch (const std::exception& e) {
      emit errorOccurred(QString::fromUtf8(e.what()));
      return;
    }
  }
  beginResetModel();
  rows_ = std::move(rows);
  total_ = total;
  endResetModel();
}

void RunTableModel::refreshLoaded() {
  if (!store_) return;
  std::vector<RunSummary> rows;
  qint64 total = 0;
  try {
    total = store_->count_runs(query(0, 0));
    // Everything loaded: runs added since join at once (up to a page); else the loaded window.
    const auto loaded = static_cast<int64_t>(rows_.size());
    const int64_t limit = loaded >= total_ ? loaded + pageSize_ : std::max<int64_t>(loaded, pageSize_);
    rows = store_->list_summaries(query(0, limit));
  } catch (const std::exception& e) {
    emit errorOccurred(QString::fromUtf8(e.what()));
    return;
  }
  bool same = rows.size() >= rows_.size();
  for (size_t i = 0; same && i < rows_.size(); ++i) same = rows[i].id == rows_[i].id;
  if (same) {
    const int oldCount = static_cast<int>(rows_.size());
    const int added = static_cast<int>(rows.size()) - oldCount;
    for (int i = 0; i < oldCount; ++i) rows_[static_cast<size_t>(i)] = std::move(rows[static_cast<size_t>(i)]);
    total_ = total;
    if (oldCount > 0) emit dataChanged(index(0, 0), index(oldCount - 1, ColumnCount - 1));
    if (added > 0) {
      beginInsertRows({}, oldCount, oldCount + added - 1);
      for (size_t i = static_cast<size_t>(oldCount); i < rows.size(); ++i) rows_.push_back(std::move(rows[i]));
      endInsertRows();
    }
    return;
  }
  beginResetModel();
  rows_ = std::move(rows);
  total_ = total;
  endResetModel();
}

qint64 RunTableModel::runId(int row) const {
  return row >= 0 && row < static_cast<int>(rows_.size()) ? rows_[static_cast<size_t>(row)].id : -1;
}

int RunTableModel::rowOfRun(qint64 id) const {
  for (size_t i = 0; i < rows_.size(); ++i)
    if (rows_[i].id == id) return static_cast<int>(i);
  return -1;
}

const RunSummary* RunTableModel::summary(int row) const {
  return row >= 0 && row < static_cast<int>(rows_.size()) ? &rows_[static_cast<size_t>(row)] : nullptr;
}

QColor RunTableModel::statusColor(RunStatus status) {
  switch (status) {
    case RunStatus::running: return QColor(0, 114, 178);    // blue
    case RunStatus::finished: return QColor(0, 140, 100);   // green
    case RunStatus::stopped: return QColor(200, 140, 0);    // amber
    case RunStatus::failed: return QColor(200, 40, 40);     // red
    case RunStatus::diverged: return QColor(204, 80, 160);  // magenta
    case RunStatus::interrupted: return QColor(120, 120, 120);
  }
  return {};
}

QString RunTableModel::durationText(double seconds) {
  if (seconds < 60) return QStringLiteral("%1 s").arg(seconds, 0, 'f', 1);
  const qint64 s = static_cast<qint64>(seconds + 0.5);
  if (s < 3600) return QStringLiteral("%1m %2s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
  return QStringLiteral("%1h %2m").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
}

int RunTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int RunTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RunTableModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const RunSummary& r = rows_[static_cast<size_t>(index.row())];
  if (role == RunIdRole) return QVariant::fromValue<qint64>(r.id);
  if (role == StatusRole) return static_cast<int>(r.status);
  if (role == Qt::ForegroundRole && index.column() == Status) return statusColor(r.status);
  if (role == Qt::TextAlignmentRole) {
    const int c = index.column();
    const bool numeric = c == Lr || c == Batch || c == Epochs || c == BestAccuracy || c == FinalLoss || c == Duration;
    return QVariant::fromValue(Qt::Alignment(numeric ? Qt::AlignRight | Qt::AlignVCenter : Qt::AlignLeft | Qt::AlignVCenter));
  }
  if (role == Qt::ToolTipRole && index.column() == Status && !r.error.empty()) return qstr(r.error);
  if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
  const auto number = [](const std::optional<double>& v, char format, int precision) {
    return v ? QString::number(*v, format, precision) : QString();
  };
  switch (index.column()) {
    case Name: return qstr(r.name);
    case Status: return qstr(std::string(engine::runs::status_name(r.status)));
    case Model: return qstr(r.model);
    case Dataset: return qstr(r.dataset);
    case Optimizer: return qstr(r.optimizer);
    case Lr: return number(r.lr, 'g', 4);
    case Batch: return r.batch_size ? QString::number(*r.batch_size) : QString();
    case Epochs: return r.epochs ? QString::number(*r.epochs) : QString();
    case BestAccuracy:
      return r.best_test_accuracy ? QStringLiteral("%1 %").arg(*r.best_test_accuracy * 100, 0, 'f', 2) : QString();
    case FinalLoss: return number(r.final_loss, 'g', 4);
    case Duration: return r.duration_seconds ? durationText(*r.duration_seconds) : QString();
    case Created: {
      const QDateTime t = QDateTime::fromString(qstr(r.created), Qt::ISODateWithMs);
      return t.isValid() ? t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")) : qstr(r.created);
    }
    case Tags: {
      QStringList tags;
      for (const std::string& t : r.tags) tags << qstr(t);
      return tags.join(QStringLiteral(", "));
    }
    default: return {};
  }
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) return {};
  static const char* titles[ColumnCount] = {"Name",   "Status", "Model",     "Dataset",       "Optimizer",
                                            "LR",     "Batch",  "Epochs",    "Best test acc", "Final loss",
                                            "Duration", "Created", "Tags"};
  if (role == Qt::DisplayRole) return tr(titles[section]);
  if (role == Qt::ToolTipRole && section == FinalLoss)
    return tr("The last train/loss logged (else the final train/loss or test/loss)");
  return {};
}

Qt::ItemFlags RunTableModel::flags(const QModelIndex& index) const {
  Qt::ItemFlags f = QAbstractTableModel::flags(index);
  if (index.isValid() && index.column() == Name) f |= Qt::ItemIsEditable;
  return f;
}

bool RunTableModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!store_ || role != Qt::EditRole || !checkIndex(index, CheckIndexOption::IndexIsValid) || index.column() != Name)
    return false;
  const QString name = value.toString().trimmed();
  if (name.isEmpty()) return false;
  RunSummary& r = rows_[static_cast<size_t>(index.row())];
  try {
    store_->rename(r.id, stdstr(name));
  } catch (const std::exception& e) {
    emit errorOccurred(QString::fromUtf8(e.what()));
    return false;
  }
  r.name = stdstr(name);
  emit dataChanged(index, index);
  return true;
}

bool RunTableModel::canFetchMore(const QModelIndex& parent) const {
  return !parent.isValid() && store_ && static_cast<qint64>(rows_.size()) < total_;
}

void RunTableModel::fetchMore(const QModelIndex& parent) {
  if (!canFetchMore(parent) || fetchQueued_) return;
  fetchQueued_ = true;
  QMetaObject::invokeMethod(
      this,
      [this] {
        fetchQueued_ = false;
        fetchPage();
      },
      Qt::QueuedConnection);
}

void RunTableModel::fetchPage() {
  if (!canFetchMore({})) return;
  std::vector<RunSummary> page;
  try {
    page = store_->list_summaries(query(static_cast<int64_t>(rows_.size()), pageSize_));
  } catch (const std::exception& e) {
    emit errorOccurred(QString::fromUtf8(e.what()));
    return;
  }
  if (page.empty()) {
    total_ = static_cast<qint64>(rows_.size());  // runs were deleted meanwhile
    return;
  }
  const int first = static_cast<int>(rows_.size());
  beginInsertRows({}, first, first + static_cast<int>(page.size()) - 1);
  for (RunSummary& r : page) rows_.push_back(std::move(r));
  endInsertRows();
}

void RunTableModel::sort(int column, Qt::SortOrder order) {
  if (column < 0 || column >= ColumnCount) return;
  sortColumn_ = column;
  sortOrder_ = order;
  reload();
}

}  // namespace gs
