// RunHistoryPanel: the Run History (DESIGN.md): a sortable, filterable, lazily paged table of the
// runs in a database, a details pane for the current run (name, tags and notes editable), an
// overlay chart of one metric for the selected runs and their config diff; rename, delete (with
// the checkpoint files), CSV export, and re-run / open in builder / resume as signals for the
// main window. It opens its own RunStore on the GUI thread and polls PRAGMA data_version every
// 500 ms, so runs another process (gradient-cli train) writes appear and update by themselves.
#pragma once
#include <QList>
#include <QString>
#include <QWidget>
#include <memory>

#include <nlohmann/json.hpp>

#include "engine/runs/run_store.h"

class QAction;
class QCheckBox;
class QLabel;
class QLineEdit;
class QTableView;
class QTabWidget;
class QTimer;
class QToolButton;

namespace gs {

class ConfigDiffModel;
class RunDetailsView;
class RunOverlayView;
class RunTableModel;

class RunHistoryPanel : public QWidget {
  Q_OBJECT
 public:
  explicit RunHistoryPanel(QWidget* parent = nullptr);
  ~RunHistoryPanel() override;
  // Opens (its own RunStore on the GUI thread) and shows that database; returns "" or an error.
  QString setDatabasePath(const QString& path);
  QString databasePath() const;
  void refresh();  // re-query now
  QList<qint64> selectedRuns() const;
  void selectRuns(const QList<qint64>& ids);  // selects and overlays them
  QAction* exportCsvAction() const;           // the main window's File > Export
  int runCount() const;                       // rows matching the current filter

  // Without dialogs (the actions ask first, then call these); each returns "" or an error.
  // deleteRuns also removes the runs' checkpoint files and their folder once it is empty.
  QString deleteRuns(const QList<qint64>& ids);
  QString exportCsv(const QString& path, const QList<qint64>& ids) const;
  // Checks data_version() now (the timer does this every pollIntervalMs()); true if it changed.
  bool pollNow();
  int pollIntervalMs() const { return 500; }

  // The parts, for tests, the bench and the main window's own wiring.
  RunTableModel* tableModel() const { return model_; }
  ConfigDiffModel* diffModel() const { return diffModel_; }
  RunOverlayView* overlay() const { return overlay_; }
  RunDetailsView* details() const { return details_; }
  QTableView* table() const { return table_; }
  QTabWidget* tabs() const { return tabs_; }  // "Config diff", "Details"
  engine::runs::RunStore* store() const { return store_.get(); }

 signals:
  void rerunRequested(const nlohmann::json& config);
  void openInBuilderRequested(const nlohmann::json& modelSpec);
  void resumeRequested(qint64 runId);
  // A store error (locked, damaged or read-only database), also shown in the panel's status line.
  void errorOccurred(const QString& message);

 private:
  void buildActions();
  void onSelectionChanged();
  void updateDiff();
  void updateActions();
  void updateCountLabel();
  void showError(const QString& message);
  void confirmAndDelete();
  void exportInteractively();
  qint64 currentRun() const;

  std::unique_ptr<engine::runs::RunStore> store_;
  QString path_;
  qint64 lastVersion_ = -1;
  QList<qint64> shownRuns_;        // what the overlay and diff show
  QList<qint64> keptSelection_;    // across model resets
  qint64 keptCurrent_ = -1;
  bool restoring_ = false;

  RunTableModel* model_;
  ConfigDiffModel* diffModel_;
  QTableView* table_;
  QTableView* diffTable_;
  QCheckBox* onlyDifferences_;
  RunOverlayView* overlay_;
  RunDetailsView* details_;
  QTabWidget* tabs_;
  QLineEdit* filter_;
  QToolButton* statusButton_;
  QLabel* countLabel_;
  QLabel* message_;
  QTimer* poll_;
  QList<QAction*> statusActions_;
  QAction* refreshAction_;
  QAction* renameAction_;
  QAction* deleteAction_;
  QAction* exportAction_;
  QAction* rerunAction_;
  QAction* builderAction_;
  QAction* resumeAction_;
};

}  // namespace gs
