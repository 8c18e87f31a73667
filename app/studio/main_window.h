// The studio's main window: the panels as dock widgets (layout remembered in QSettings), the
// menus and toolbar that drive them, and the status bar. It owns no data of its own: it wires the
// panels together (builder -> dashboard's model, dashboard's dataset -> builder's input shape,
// history's re-run/open/resume -> dashboard and builder) and asks before closing on a live run.
#pragma once
#include <QMainWindow>

class QLabel;
class QDockWidget;

namespace gs {

class ModelBuilderPanel;
class TrainingDashboard;
class RunHistoryPanel;
class DatasetBrowserPanel;
class EvaluationPanel;
class AutodiffLabPanel;
class PytreeInspectorPanel;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(const QString& databasePath, QWidget* parent = nullptr);
  ~MainWindow() override;

  ModelBuilderPanel* builder() const { return builder_; }
  TrainingDashboard* dashboard() const { return dashboard_; }
  RunHistoryPanel* history() const { return history_; }
  DatasetBrowserPanel* datasetBrowser() const { return dataset_; }
  EvaluationPanel* evaluation() const { return evaluation_; }
  AutodiffLabPanel* autodiffLab() const { return autodiffLab_; }
  PytreeInspectorPanel* inspector() const { return inspector_; }
  QDockWidget* dock(const QString& objectName) const;
  // Shows this panel's dock on top of its tab group.
  void raisePanel(QWidget* panel);
  QString databasePath() const { return databasePath_; }
  bool openDatabase(const QString& path);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  QDockWidget* addPanel(QWidget* panel, const QString& title, const QString& objectName);
  void buildMenus();
  void connectPanels();
  void connectInspector();
  // Lists the checkpoints of run in the Pytree Inspector.
  void listCheckpoints(qint64 run);
  void newModel();
  void openModel();
  bool saveModel(bool askForName);
  void openDatabaseInteractively();
  void showAbout();
  void restoreLayout();
  void resetLayout();
  void updateTitle();
  void updateRunState(const QString& state, double examplesPerSecond);

  QString databasePath_;
  ModelBuilderPanel* builder_ = nullptr;
  TrainingDashboard* dashboard_ = nullptr;
  RunHistoryPanel* history_ = nullptr;
  DatasetBrowserPanel* dataset_ = nullptr;
  EvaluationPanel* evaluation_ = nullptr;
  AutodiffLabPanel* autodiffLab_ = nullptr;
  PytreeInspectorPanel* inspector_ = nullptr;
  QList<QDockWidget*> docks_;
  QByteArray defaultLayout_;
  QLabel* backendLabel_ = nullptr;
  QLabel* runStateLabel_ = nullptr;
  QLabel* throughputLabel_ = nullptr;
  QLabel* databaseLabel_ = nullptr;
};

}  // namespace gs
