#include "widgets/run_history/run_history_panel.h"

#include <algorithm>

#include <QAction>
#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>
#include <QScrollArea>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "widgets/common/controls.h"
#include "widgets/common/qt_convert.h"
#include "widgets/run_history/config_diff_model.h"
#include "widgets/run_history/run_details_view.h"
#include "widgets/run_history/run_overlay_view.h"
#include "widgets/run_history/run_table_model.h"

namespace gs {

using engine::runs::RunStatus;

namespace {

constexpr RunStatus kStatuses[] = {RunStatus::running, RunStatus::finished,  RunStatus::stopped,
                                   RunStatus::failed,  RunStatus::diverged, RunStatus::interrupted};

QWidget* titled(const QString& title, QWidget* body) {
  auto* box = new QWidget;
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(2, 2, 2, 2);
  auto* head = new QHBoxLayout;
  auto* label = new QLabel(QStringLiteral("<b>%1</b>").arg(title));
  head->addWidget(label);
  head->addStretch(1);
  layout->addLayout(head);
  layout->addWidget(body, 1);
  return box;
}

}  // namespace

RunHistoryPanel::RunHistoryPanel(QWidget* parent) : QWidget(parent) {
  model_ = new RunTableModel(this);
  diffModel_ = new ConfigDiffModel(this);

  table_ = named(new QTableView, tr("Run history table"),
                 tr("Past runs: click a header to sort, select several to compare, double-click a name to rename"));
  table_->setModel(model_);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  table_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
  table_->verticalHeader()->hide();
  table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);
  table_->setAlternatingRowColors(true);
  table_->setWordWrap(false);
  table_->horizontalHeader()->setSortIndicator(RunTableModel::Created, Qt::DescendingOrder);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->horizontalHeader()->setSortIndicatorShown(true);
  table_->setSortingEnabled(true);
  // Fixed widths (measuring every loaded row would cost each first paint): the header's text and
  // its sort arrow, or the typical content for the text columns.
  const QFontMetrics fm(table_->horizontalHeader()->font());
  const char* typical[RunTableModel::ColumnCount] = {"fashion-cnn-01", "interrupted", "linear", "fashion-mnist", "",
                                                     "0.0001", "", "", "", "0.1234", "10m 00s", "2026-12-06 12:00", "baseline"};
  for (int c = 0; c < RunTableModel::ColumnCount; ++c)
    table_->setColumnWidth(c, std::max(fm.horizontalAdvance(model_->headerData(c, Qt::Horizontal).toString()),
                                       fm.horizontalAdvance(QString::fromLatin1(typical[c]))) + 20);

  details_ = named(new RunDetailsView, tr("Run details"), tr("The current run: edit its name, tags and notes"));
  overlay_ = named(new RunOverlayView, tr("Run overlay"), tr("One metric of every selected run"));
  diffTable_ = named(new QTableView, tr("Config diff table"), tr("The selected runs' configs side by side"));
  diffTable_->setModel(diffModel_);
  diffTable_->verticalHeader()->hide();
  diffTable_->verticalHeader()->setDefaultSectionSize(diffTable_->fontMetrics().height() + 6);
  diffTable_->horizontalHeader()->setStretchLastSection(true);
  diffTable_->setWordWrap(false);
  diffTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  onlyDifferences_ = named(new QCheckBox(tr("Only differences")), tr("Only differences"),
                           tr("Show only the config fields whose values differ between the selected runs"));
  onlyDifferences_->setChecked(true);

  filter_ = named(new QLineEdit, tr("Filter runs"), tr("Show runs whose name, tag, model or dataset contains this text"));
  filter_->setPlaceholderText(tr("Filter by name, tag, model, dataset"));
  filter_->setClearButtonEnabled(true);
  statusButton_ = named(new QToolButton, tr("Status filter"), tr("Show only runs with the checked statuses"));
  statusButton_->setText(tr("Status: all"));
  statusButton_->setPopupMode(QToolButton::InstantPopup);
  countLabel_ = named(new QLabel, tr("Run count"), tr("How many runs match the filter"));
  message_ = named(new QLabel, tr("Run history message"), tr("The last error, if any"));
  message_->setStyleSheet(QStringLiteral("color: #c83232"));
  message_->setWordWrap(true);
  message_->hide();

  buildActions();
  auto* bar = named(new QToolBar, tr("Run history toolbar"), tr("Actions on the selected runs"));
  bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
  bar->addWidget(filter_);
  bar->addWidget(statusButton_);
  bar->addSeparator();
  for (QAction* a : {refreshAction_, renameAction_, deleteAction_, exportAction_}) bar->addAction(a);
  bar->addSeparator();
  for (QAction* a : {rerunAction_, builderAction_, resumeAction_}) bar->addAction(a);
  filter_->setMinimumWidth(220);

  // The table takes the full width (13 columns); below it the chart, and the config diff and
  // the current run's details as tabs beside it.
  auto* diffBox = new QWidget;
  auto* diffLayout = new QVBoxLayout(diffBox);
  diffLayout->setContentsMargins(2, 2, 2, 2);
  diffLayout->addWidget(onlyDifferences_);
  diffLayout->addWidget(diffTable_, 1);
  tabs_ = named(new QTabWidget, tr("Run comparison tabs"), tr("The config diff and the current run's details"));
  tabs_->addTab(diffBox, tr("Config diff"));
  auto* detailsScroll = new QScrollArea;  // many checkpoints or long errors scroll, never clip
  detailsScroll->setWidget(details_);
  detailsScroll->setWidgetResizable(true);
  detailsScroll->setFrameShape(QFrame::NoFrame);
  tabs_->addTab(detailsScroll, tr("Details"));
  auto* bottom = new QSplitter(Qt::Horizontal);
  bottom->addWidget(titled(tr("Compare curves"), overlay_));
  bottom->addWidget(tabs_);
  bottom->setSizes({720, 540});
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(table_);
  split->addWidget(bottom);
  split->setSizes({330, 420});
  split->setChildrenCollapsible(false);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  auto* head = new QHBoxLayout;
  head->addWidget(bar, 1);
  head->addWidget(countLabel_);
  layout->addLayout(head);
  layout->addWidget(message_);
  layout->addWidget(split, 1);

  connect(filter_, &QLineEdit::textChanged, model_, &RunTableModel::setTextFilter);
  connect(model_, &RunTableModel::errorOccurred, this, &RunHistoryPanel::showError);
  connect(overlay_, &RunOverlayView::errorOccurred, this, &RunHistoryPanel::showError);
  connect(details_, &RunDetailsView::errorOccurred, this, &RunHistoryPanel::showError);
  connect(details_, &RunDetailsView::edited, this, [this] { refresh(); });
  connect(onlyDifferences_, &QCheckBox::toggled, this, [this] { updateDiff(); });
  // Selection survives a model reset (a new sort, filter, or runs added by another process).
  connect(model_, &QAbstractItemModel::modelAboutToBeReset, this, [this] {
    keptSelection_ = selectedRuns();
    keptCurrent_ = currentRun();
    restoring_ = true;
  });
  connect(model_, &QAbstractItemModel::modelReset, this, [this] {
    const QList<qint64> keep = keptSelection_;
    QItemSelection sel;
    for (qint64 id : keep) {
      const int row = model_->rowOfRun(id);
      if (row >= 0) sel.select(model_->index(row, 0), model_->index(row, RunTableModel::ColumnCount - 1));
    }
    const int current = model_->rowOfRun(keptCurrent_);
    if (current >= 0) table_->selectionModel()->setCurrentIndex(model_->index(current, 0), QItemSelectionModel::NoUpdate);
    table_->selectionModel()->select(sel, QItemSelectionModel::ClearAndSelect);
    restoring_ = false;
    onSelectionChanged();
    updateCountLabel();
  });
  connect(model_, &QAbstractItemModel::rowsInserted, this, [this] { updateCountLabel(); });
  connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
    if (!restoring_) onSelectionChanged();
  });
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
    if (!restoring_) {
      details_->showRun(currentRun());
      updateActions();
    }
  });

  poll_ = new QTimer(this);
  poll_->setInterval(pollIntervalMs());
  connect(poll_, &QTimer::timeout, this, [this] { pollNow(); });
  updateActions();
  updateCountLabel();
}

RunHistoryPanel::~RunHistoryPanel() {
  // The models and views point at the store: detach them before it closes.
  model_->setStore(nullptr);
  overlay_->setStore(nullptr);
  details_->setStore(nullptr);
}

void RunHistoryPanel::buildActions() {
  const auto action = [this](const QString& text, const QString& tip, const QKeySequence& key = {}) {
    auto* a = new QAction(text, this);
    if (!key.isEmpty()) a->setShortcut(key);
    a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addAction(a);
    return described(a, tip);
  };
  refreshAction_ = action(tr("Refresh"), tr("Re-read the runs database now"), QKeySequence::Refresh);
  renameAction_ = action(tr("Rename"), tr("Rename the current run"), QKeySequence(Qt::Key_F2));
  deleteAction_ = action(tr("Delete…"), tr("Delete the selected runs, their metrics and checkpoint files"),
                         QKeySequence::Delete);
  exportAction_ = action(tr("Export CSV…"), tr("Save the selected runs' metrics as one CSV file"));
  rerunAction_ = action(tr("Re-run"), tr("Start a new run with the current run's config"));
  builderAction_ = action(tr("Open in builder"), tr("Open the current run's model in the Model Builder"));
  resumeAction_ = action(tr("Resume"), tr("Continue a stopped or interrupted run from its last checkpoint"));
  connect(refreshAction_, &QAction::triggered, this, &RunHistoryPanel::refresh);
  connect(renameAction_, &QAction::triggered, this, [this] {
    const QModelIndex cur = table_->currentIndex();
    if (cur.isValid()) table_->edit(model_->index(cur.row(), RunTableModel::Name));
  });
  connect(deleteAction_, &QAction::triggered, this, &RunHistoryPanel::confirmAndDelete);
  connect(exportAction_, &QAction::triggered, this, &RunHistoryPanel::exportInteractively);
  const auto withRun = [this](auto f) {
    const qint64 id = currentRun();
    if (id < 0 || !store_) return;
    try {
      f(store_->get_run(id));
    } catch (const std::exception& e) {
      showError(QString::fromUtf8(e.what()));
    }
  };
  connect(rerunAction_, &QAction::triggered, this, [this, withRun] {
    withRun([this](const engine::runs::RunRecord& r) { emit rerunRequested(r.config); });
  });
  connect(builderAction_, &QAction::triggered, this, [this, withRun] {
    withRun([this](const engine::runs::RunRecord& r) {
      const bool fromConfig = r.model_spec.empty() && r.config.contains("model") && r.config["model"].is_object();
      emit openInBuilderRequested(fromConfig ? r.config["model"] : r.model_spec);
    });
  });
  connect(resumeAction_, &QAction::triggered, this, [this] {
    if (currentRun() >= 0) emit resumeRequested(currentRun());
  });

  auto* menu = new QMenu(this);
  for (RunStatus s : kStatuses) {
    QAction* a = menu->addAction(qstr(std::string(engine::runs::status_name(s))));
    a->setCheckable(true);
    a->setData(static_cast<int>(s));
    statusActions_ << a;
    connect(a, &QAction::toggled, this, [this] {
      std::set<RunStatus> set;
      QStringList names;
      for (QAction* x : statusActions_)
        if (x->isChecked()) {
          set.insert(static_cast<RunStatus>(x->data().toInt()));
          names << x->text();
        }
      statusButton_->setText(set.empty() ? tr("Status: all") : tr("Status: %1").arg(names.join(QStringLiteral(", "))));
      model_->setStatusFilter(set);
    });
  }
  statusButton_->setMenu(menu);
}

QString RunHistoryPanel::setDatabasePath(const QString& path) {
  std::unique_ptr<engine::runs::RunStore> store;
  try {
    store = std::make_unique<engine::runs::RunStore>(stdstr(path));
  } catch (const std::exception& e) {
    showError(QString::fromUtf8(e.what()));
    return QString::fromUtf8(e.what());
  }
  model_->setStore(nullptr);
  overlay_->setStore(store.get());
  details_->setStore(store.get());
  store_ = std::move(store);
  path_ = path;
  lastVersion_ = store_->data_version();
  message_->hide();
  shownRuns_.clear();
  model_->setStore(store_.get());
  poll_->start();
  return {};
}

QString RunHistoryPanel::databasePath() const { return path_; }

void RunHistoryPanel::refresh() {
  if (!store_) return;
  try {
    store_->mark_interrupted_runs();  // a writer that died commits nothing, so polling cannot see it
    lastVersion_ = store_->data_version();
  } catch (const std::exception& e) {
    showError(QString::fromUtf8(e.what()));
  }
  model_->refreshLoaded();
  overlay_->reload();
  if (!details_->isAncestorOf(focusWidget())) details_->showRun(currentRun());
  updateCountLabel();
  updateActions();
}

bool RunHistoryPanel::pollNow() {
  if (!store_) return false;
  qint64 v = 0;
  try {
    v = store_->data_version();
  } catch (const std::exception& e) {
    showError(QString::fromUtf8(e.what()));
    return false;
  }
  if (v == lastVersion_) return false;
  lastVersion_ = v;
  // Only a run still being written (or one that just ended) has new rows for the chart.
  const auto anyRunning = [this] {
    for (qint64 id : shownRuns_) {
      const auto* s = model_->summary(model_->rowOfRun(id));
      if (!s || s->status == RunStatus::running) return true;
    }
    return false;
  };
  const bool wasRunning = anyRunning();
  model_->refreshLoaded();
  if (wasRunning || anyRunning()) overlay_->reload();
  if (!details_->isAncestorOf(focusWidget())) details_->showRun(currentRun());
  updateCountLabel();
  updateActions();
  return true;
}

QList<qint64> RunHistoryPanel::selectedRuns() const {
  QList<qint64> ids;
  for (const QModelIndex& i : table_->selectionModel()->selectedRows()) ids << model_->runId(i.row());
  std::sort(ids.begin(), ids.end());  // oldest first: the diff's columns and the CSV follow this order
  return ids;
}

void RunHistoryPanel::selectRuns(const QList<qint64>& ids) {
  // Load pages until every id is there (or everything is loaded: a run the filter hides stays out).
  const auto allLoaded = [&] {
    for (qint64 id : ids)
      if (model_->rowOfRun(id) < 0) return false;
    return true;
  };
  while (!allLoaded() && model_->canFetchMore({})) model_->fetchPage();
  QItemSelection sel;
  int first = -1;
  for (qint64 id : ids) {
    const int row = model_->rowOfRun(id);
    if (row < 0) continue;
    if (first < 0) first = row;
    sel.select(model_->index(row, 0), model_->index(row, RunTableModel::ColumnCount - 1));
  }
  if (first >= 0) {
    table_->selectionModel()->setCurrentIndex(model_->index(first, 0), QItemSelectionModel::NoUpdate);
    table_->scrollTo(model_->index(first, 0));
  }
  table_->selectionModel()->select(sel, QItemSelectionModel::ClearAndSelect);
  details_->showRun(currentRun());
  updateActions();
}

QAction* RunHistoryPanel::exportCsvAction() const { return exportAction_; }

int RunHistoryPanel::runCount() const { return static_cast<int>(model_->totalCount()); }

qint64 RunHistoryPanel::currentRun() const {
  const QModelIndex cur = table_->currentIndex();
  return cur.isValid() ? model_->runId(cur.row()) : -1;
}

void RunHistoryPanel::onSelectionChanged() {
  const QList<qint64> ids = selectedRuns();
  if (ids != shownRuns_) {
    shownRuns_ = ids;
    QStringList names;
    for (qint64 id : ids) {
      const auto* s = model_->summary(model_->rowOfRun(id));
      names << (s ? qstr(s->name) : QString());
    }
    overlay_->setRuns(ids, names);
    updateDiff();
  }
  details_->showRun(currentRun());
  updateActions();
}

void RunHistoryPanel::updateDiff() {
  engine::runs::ConfigDiff diff;
  if (store_ && !shownRuns_.isEmpty()) {
    try {
      // One run alone has nothing to differ from: show its whole config.
      const std::vector<int64_t> ids(shownRuns_.begin(), shownRuns_.end());
      diff = store_->config_diff(ids, shownRuns_.size() == 1 || !onlyDifferences_->isChecked());
    } catch (const std::exception& e) {
      showError(QString::fromUtf8(e.what()));
    }
  }
  diffModel_->setDiff(std::move(diff));
  diffTable_->resizeColumnToContents(0);
}

void RunHistoryPanel::updateActions() {
  const int n = static_cast<int>(table_->selectionModel()->selectedRows().size());
  const qint64 cur = currentRun();
  const auto* s = model_->summary(model_->rowOfRun(cur));
  const bool one = cur >= 0 && s;
  renameAction_->setEnabled(one);
  rerunAction_->setEnabled(one);
  builderAction_->setEnabled(one);
  resumeAction_->setEnabled(one && (s->status == RunStatus::stopped || s->status == RunStatus::interrupted));
  deleteAction_->setEnabled(n > 0);
  exportAction_->setEnabled(n > 0);
}

void RunHistoryPanel::updateCountLabel() {
  const qint64 total = model_->totalCount();
  countLabel_->setText(total == 1 ? tr("1 run") : tr("%1 runs").arg(total));
}

void RunHistoryPanel::showError(const QString& message) {
  message_->setText(message);
  message_->setVisible(!message.isEmpty());
  emit errorOccurred(message);
}

QString RunHistoryPanel::deleteRuns(const QList<qint64>& ids) {
  if (!store_) return tr("No runs database is open");
  QStringList errors;
  for (qint64 id : ids) {
    std::vector<engine::runs::Checkpoint> ckpts;
    try {
      ckpts = store_->checkpoints(id);
      store_->delete_run(id);
    } catch (const std::exception& e) {
      errors << QString::fromUtf8(e.what());
      continue;
    }
    // The database row goes first: a file left behind is litter, a row without its file is a lie.
    QSet<QString> folders;
    for (const auto& c : ckpts) {
      const QString file = qstr(c.path);
      if (QFile::exists(file) && !QFile::remove(file)) errors << tr("cannot delete checkpoint '%1'").arg(file);
      folders << QFileInfo(file).absolutePath();
    }
    for (const QString& dir : folders)
      if (QDir(dir).exists() && QDir(dir).isEmpty()) QDir().rmdir(dir);
  }
  refresh();
  return errors.join(QLatin1Char('\n'));
}

void RunHistoryPanel::confirmAndDelete() {
  const QList<qint64> ids = selectedRuns();
  if (ids.isEmpty()) return;
  QStringList names;
  for (qint64 id : ids) {
    const auto* s = model_->summary(model_->rowOfRun(id));
    names << QStringLiteral("#%1 %2").arg(id).arg(s ? qstr(s->name) : QString());
  }
  const auto answer = QMessageBox::question(
      this, tr("Delete runs"),
      tr("Delete %n run(s), their metrics and checkpoint files?\n\n%1", nullptr, static_cast<int>(ids.size()))
          .arg(names.mid(0, 10).join(QLatin1Char('\n'))),
      QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
  if (answer != QMessageBox::Yes) return;
  const QString e = deleteRuns(ids);
  if (!e.isEmpty()) showError(e);
}

QString RunHistoryPanel::exportCsv(const QString& path, const QList<qint64>& ids) const {
  if (!store_) return tr("No runs database is open");
  std::string csv;
  try {
    csv = store_->export_csv(std::vector<int64_t>(ids.begin(), ids.end()));
  } catch (const std::exception& e) {
    return QString::fromUtf8(e.what());
  }
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly) || f.write(csv.data(), static_cast<qint64>(csv.size())) < 0 || !f.commit())
    return tr("cannot write '%1': %2").arg(path, f.errorString());
  return {};
}

void RunHistoryPanel::exportInteractively() {
  const QList<qint64> ids = selectedRuns();
  if (ids.isEmpty()) return;
  const QString path = QFileDialog::getSaveFileName(this, tr("Export metrics"), QStringLiteral("runs.csv"),
                                                    tr("CSV files (*.csv)"));
  if (path.isEmpty()) return;
  const QString e = exportCsv(path, ids);
  if (!e.isEmpty()) QMessageBox::warning(this, tr("Export metrics"), e);
}

}  // namespace gs
