#include "app/studio/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QToolBar>
#include <QUndoStack>

#include "app/studio/about_dialog.h"
#include "engine/build_info.h"
#include "engine/nn/model_spec.h"
#include "widgets/autodiff_lab/autodiff_lab_panel.h"
#include "widgets/common/controls.h"
#include "widgets/common/qt_convert.h"
#include "widgets/dataset_browser/dataset_browser_panel.h"
#include "widgets/evaluation/evaluation_panel.h"
#include "widgets/model_builder/model_builder_panel.h"
#include "widgets/pytree_inspector/pytree_inspector_panel.h"
#include "widgets/run_history/run_details_view.h"
#include "widgets/run_history/run_history_panel.h"
#include "widgets/training_dashboard/training_controller.h"
#include "widgets/training_dashboard/training_dashboard.h"

namespace gs {

MainWindow::MainWindow(const QString& databasePath, QWidget* parent)
    : QMainWindow(parent), databasePath_(databasePath) {
  setObjectName("MainWindow");
  setAccessibleName(tr("Gradient Studio"));
  setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);
  setTabPosition(Qt::AllDockWidgetAreas, QTabWidget::North);
  setDocumentMode(true);

  builder_ = new ModelBuilderPanel;
  dashboard_ = new TrainingDashboard;
  history_ = new RunHistoryPanel;
  // No central widget: the three panels are peers, tabbed by default and free to be split.
  QDockWidget* builderDock = addPanel(builder_, tr("Model Builder"), "ModelBuilderDock");
  QDockWidget* trainingDock = addPanel(dashboard_, tr("Training"), "TrainingDock");
  QDockWidget* historyDock = addPanel(history_, tr("Run History"), "RunHistoryDock");
  tabifyDockWidget(builderDock, trainingDock);
  tabifyDockWidget(trainingDock, historyDock);
  dataset_ = new DatasetBrowserPanel;
  evaluation_ = new EvaluationPanel;
  tabifyDockWidget(historyDock, addPanel(dataset_, tr("Dataset"), "DatasetDock"));
  tabifyDockWidget(historyDock, addPanel(evaluation_, tr("Evaluation"), "EvaluationDock"));
  // The Autodiff Lab (#21), tabbed with the others; it shows the builder's model's training step.
  autodiffLab_ = new AutodiffLabPanel;
  tabifyDockWidget(historyDock, addPanel(autodiffLab_, tr("Autodiff Lab"), "AutodiffLabDock"));
  inspector_ = new PytreeInspectorPanel;
  tabifyDockWidget(historyDock, addPanel(inspector_, tr("Pytree Inspector"), "PytreeInspectorDock"));
  trainingDock->raise();
  defaultLayout_ = saveState();

  buildMenus();
  connectPanels();

  // The built-in MLP on Fashion-MNIST is ready: one click on Start trains.
  builder_->setSpec(engine::nn::builtin_spec("mlp"));
  builder_->undoStack()->clear();
  builder_->setInputShape(dashboard_->inputShape());
  dashboard_->setModelSpec(builder_->spec(), builder_->isValid(), builder_->problem());
  openDatabase(databasePath_);

  restoreLayout();
  updateTitle();
}

// The panels are destroyed as children of the docks; their last signals (an undo stack reporting
// itself clean as it dies) must not reach a window that is half gone.
MainWindow::~MainWindow() {
  builder_->undoStack()->disconnect(this);
  history_->table()->selectionModel()->disconnect(this);
  for (QObject* panel : {static_cast<QObject*>(builder_), static_cast<QObject*>(dashboard_),
                         static_cast<QObject*>(history_), static_cast<QObject*>(autodiffLab_),
                         static_cast<QObject*>(inspector_)})
    panel->disconnect(this);
}

QDockWidget* MainWindow::addPanel(QWidget* panel, const QString& title, const QString& objectName) {
  auto* dock = new QDockWidget(title, this);
  dock->setObjectName(objectName);
  dock->setAccessibleName(title);
  dock->setWidget(panel);
  dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                    QDockWidget::DockWidgetClosable);
  addDockWidget(Qt::LeftDockWidgetArea, dock);
  docks_.append(dock);
  return dock;
}

QDockWidget* MainWindow::dock(const QString& objectName) const {
  for (QDockWidget* d : docks_)
    if (d->objectName() == objectName) return d;
  return nullptr;
}

void MainWindow::raisePanel(QWidget* panel) {
  for (QDockWidget* d : docks_) {
    if (d->widget() != panel) continue;
    d->show();
    d->raise();
  }
}

void MainWindow::buildMenus() {
  QUndoStack* undo = builder_->undoStack();
  auto action = [this](const QString& text, const QKeySequence& key, const QString& tip, auto slot) {
    auto* a = new QAction(text, this);
    if (!key.isEmpty()) a->setShortcut(key);
    described(a, tip);
    connect(a, &QAction::triggered, this, slot);
    return a;
  };

  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* newModel = action(tr("&New model"), QKeySequence::New, tr("Start an empty model in the builder"),
                             [this] { this->newModel(); });
  QAction* openModel = action(tr("&Open model…"), QKeySequence::Open, tr("Load a model spec (JSON) into the builder"),
                              [this] { this->openModel(); });
  QAction* saveModel = action(tr("&Save model"), QKeySequence::Save, tr("Save the builder's model spec as JSON"),
                              [this] { this->saveModel(false); });
  QAction* saveAs = action(tr("Save model &as…"), QKeySequence::SaveAs, tr("Save the model spec under a new name"),
                           [this] { this->saveModel(true); });
  file->addActions({newModel, openModel, saveModel, saveAs});
  file->addSeparator();
  file->addAction(action(tr("Open runs &database…"), QKeySequence(), tr("Record and browse runs in another SQLite database"),
                         [this] { openDatabaseInteractively(); }));
  QAction* exportCsv = history_->exportCsvAction();
  described(exportCsv, tr("Export the selected runs' metrics as one CSV file"));
  file->addAction(exportCsv);
  file->addSeparator();
  file->addAction(action(tr("&Quit"), QKeySequence::Quit, tr("Close Gradient Studio"), [this] { close(); }));

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QAction* undoAction = undo->createUndoAction(this, tr("&Undo"));
  undoAction->setShortcuts({QKeySequence::Undo});
  described(undoAction, tr("Undo the last change to the model"));
  QAction* redoAction = undo->createRedoAction(this, tr("&Redo"));
  redoAction->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Y), QKeySequence::Redo});
  described(redoAction, tr("Redo the change undone last"));
  edit->addActions({undoAction, redoAction});

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  const QList<QAction*> runActions = {dashboard_->startAction(), dashboard_->pauseAction(),
                                      dashboard_->resumeAction(), dashboard_->stopAction()};
  run->addActions(runActions);
  run->addSeparator();
  run->addAction(action(tr("&Evaluate selected run"), QKeySequence(),
                        tr("Confusion matrix and misclassified examples of the run selected in Run History"),
                        [this] {
                          raisePanel(evaluation_);
                          evaluation_->evaluate();
                        }));

  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (QDockWidget* d : docks_) {
    QAction* toggle = d->toggleViewAction();
    described(toggle, tr("Show or hide the %1 panel").arg(d->windowTitle()));
    view->addAction(toggle);
  }
  view->addSeparator();
  view->addAction(action(tr("&Reset layout"), QKeySequence(), tr("Put every panel back where it started"),
                         [this] { resetLayout(); }));

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(action(tr("&About Gradient Studio"), QKeySequence::HelpContents,
                         tr("Versions of the studio, the engine and its libraries"), [this] { showAbout(); }));
  help->addAction(action(tr("About &Qt"), QKeySequence(), tr("The Qt version this program uses"),
                         [] { QApplication::aboutQt(); }));

  QToolBar* tools = addToolBar(tr("Main"));
  tools->setObjectName("MainToolBar");
  tools->setAccessibleName(tr("Main toolbar"));
  tools->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  newModel->setIcon(style()->standardIcon(QStyle::SP_FileIcon));
  openModel->setIcon(style()->standardIcon(QStyle::SP_DialogOpenButton));
  saveModel->setIcon(style()->standardIcon(QStyle::SP_DialogSaveButton));
  undoAction->setIcon(style()->standardIcon(QStyle::SP_ArrowBack));
  redoAction->setIcon(style()->standardIcon(QStyle::SP_ArrowForward));
  tools->addActions({newModel, openModel, saveModel});
  tools->addSeparator();
  tools->addActions({undoAction, redoAction});
  tools->addSeparator();
  tools->addActions(runActions);

  const engine::BuildInfo& info = engine::build_info();
  backendLabel_ = named(new QLabel(tr("CPU · oneDNN %1 · %2 threads").arg(qstr(info.cpu_isa)).arg(info.threads)),
                        tr("Backend"), tr("Where training runs: %1").arg(qstr(info.cpu_model)));
  // Status labels keep their text as accessible name: a screen reader (and the AT-SPI test) reads
  // the state itself.
  runStateLabel_ = new QLabel(tr("Idle"));
  runStateLabel_->setObjectName("RunState");
  runStateLabel_->setToolTip(tr("The current run's state"));
  throughputLabel_ = new QLabel(tr("— examples/s"));
  throughputLabel_->setObjectName("Throughput");
  throughputLabel_->setToolTip(tr("Training examples per second of the current run"));
  databaseLabel_ = named(new QLabel, tr("Runs database"), tr("The SQLite database runs are recorded in"));
  // Permanent: a passing message ("Run 3 finished") must not hide the state and throughput.
  statusBar()->addPermanentWidget(runStateLabel_);
  statusBar()->addPermanentWidget(throughputLabel_);
  statusBar()->addPermanentWidget(databaseLabel_);
  statusBar()->addPermanentWidget(backendLabel_);
}

void MainWindow::connectPanels() {
  auto modelToDashboard = [this] {
    dashboard_->setModelSpec(builder_->spec(), builder_->isValid(), builder_->problem());
    updateTitle();
  };
  connect(builder_, &ModelBuilderPanel::specChanged, this, modelToDashboard);
  connect(builder_, &ModelBuilderPanel::validityChanged, this, modelToDashboard);
  connect(builder_->undoStack(), &QUndoStack::cleanChanged, this, [this] { updateTitle(); });
  connect(builder_, &ModelBuilderPanel::specChanged, this, [this] { autodiffLab_->setModelSpec(builder_->spec()); });
  connect(dashboard_, &TrainingDashboard::inputShapeChanged, builder_, &ModelBuilderPanel::setInputShape);
  connect(dashboard_, &TrainingDashboard::modelSpecRequested, this, [this](const nlohmann::json& spec) {
    builder_->setSpec(spec);
  });
  connect(dashboard_, &TrainingDashboard::stateChanged, this, &MainWindow::updateRunState);
  connect(dashboard_, &TrainingDashboard::runStarted, this, [this](qint64 id) {
    history_->refresh();
    statusBar()->showMessage(tr("Run %1 started").arg(id), 5000);
  });
  connect(dashboard_, &TrainingDashboard::runEnded, this, [this](qint64 id, const QString& status) {
    history_->refresh();
    statusBar()->showMessage(tr("Run %1 %2").arg(id).arg(status), 10000);
  });
  connect(history_, &RunHistoryPanel::rerunRequested, this, [this](const nlohmann::json& config) {
    dashboard_->setRunConfig(config);
    raisePanel(dashboard_);
    dashboard_->startAction()->trigger();
  });
  connect(history_, &RunHistoryPanel::openInBuilderRequested, this, [this](const nlohmann::json& spec) {
    builder_->setSpec(spec);
    raisePanel(builder_);
  });
  connect(history_, &RunHistoryPanel::resumeRequested, this, [this](qint64 id) {
    raisePanel(dashboard_);
    dashboard_->resumeRun(id);
  });
  // The run selected in the history is the one the Evaluation panel's Evaluate button evaluates.
  connect(history_->table()->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
    const QList<qint64> runs = history_->selectedRuns();
    evaluation_->setRun(runs.isEmpty() ? 0 : runs.first());
  });
  connectInspector();
}

// The Pytree Inspector's three sources: the builder's model at init (the form's seed), each epoch
// of the live run, and the checkpoints of the run current in the history.
void MainWindow::connectInspector() {
  auto initModel = [this] {
    inspector_->scheduleInitModel(builder_->spec(), dashboard_->runConfig().value("seed", uint64_t{0}));
  };
  connect(builder_, &ModelBuilderPanel::specChanged, inspector_, initModel);
  initModel();
  connect(dashboard_->controller(), &TrainingController::snapshotArrived, inspector_,
          [this](std::shared_ptr<const engine::train::TrainSnapshot> s, qint64 run) {
            inspector_->setLiveSnapshot(std::move(s), run, dashboard_->controller()->runConfig().value("model", nlohmann::json()));
          });
  // After the history's own handler, so details() already shows the new current run.
  connect(history_->table()->selectionModel(), &QItemSelectionModel::currentRowChanged, inspector_,
          [this] { listCheckpoints(history_->details()->run()); });
  // A run's checkpoints grow while it runs (one per epoch, the last when it ends): the list
  // follows while that run is the one current in the history.
  auto follow = [this](qint64 run) {
    if (run == history_->details()->run()) listCheckpoints(run);
  };
  connect(dashboard_->controller(), &TrainingController::snapshotArrived, inspector_,
          [follow](const std::shared_ptr<const engine::train::TrainSnapshot>&, qint64 run) { follow(run); });
  connect(dashboard_, &TrainingDashboard::runEnded, inspector_, [follow](qint64 run) { follow(run); });
}

void MainWindow::listCheckpoints(qint64 run) {
  if (run <= 0 || !history_->store()) return;
  try {
    inspector_->setRunCheckpoints(run, history_->store()->checkpoints(run), history_->store()->get_run(run).model_spec);
  } catch (const std::exception& e) {
    statusBar()->showMessage(tr("Checkpoints of run %1: %2").arg(run).arg(qstr(e.what())), 10000);
  }
}

bool MainWindow::openDatabase(const QString& path) {
  const QString error = history_->setDatabasePath(path);
  if (!error.isEmpty()) {
    QMessageBox::warning(this, tr("Open runs database"), error);
    return false;
  }
  databasePath_ = path;
  dashboard_->setDatabasePath(path);
  evaluation_->setDatabasePath(path);
  databaseLabel_->setText(QFileInfo(path).fileName());
  databaseLabel_->setToolTip(tr("Runs are recorded in %1").arg(path));
  return true;
}

void MainWindow::openDatabaseInteractively() {
  if (dashboard_->isActive()) {
    QMessageBox::information(this, tr("Open runs database"),
                             tr("A run is being recorded in the current database; stop it first."));
    return;
  }
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Open or create a runs database"), databasePath_, tr("Runs database (*.db);;All files (*)"),
      nullptr, QFileDialog::DontConfirmOverwrite);
  if (!path.isEmpty()) openDatabase(path);
}

void MainWindow::newModel() {
  nlohmann::json spec = {{"name", "model"}, {"layers", nlohmann::json::array()}};
  builder_->setSpec(spec);
  raisePanel(builder_);
}

void MainWindow::openModel() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open model spec"), builder_->currentFile(),
                                                    tr("Model spec (*.json);;All files (*)"));
  if (path.isEmpty()) return;
  const QString error = builder_->loadFile(path);
  if (!error.isEmpty()) QMessageBox::warning(this, tr("Open model spec"), error);
  raisePanel(builder_);
  updateTitle();
}

bool MainWindow::saveModel(bool askForName) {
  QString path = builder_->currentFile();
  if (askForName || path.isEmpty()) {
    const QString name = qstr(builder_->spec().value("name", std::string("model")));
    path = QFileDialog::getSaveFileName(this, tr("Save model spec"), path.isEmpty() ? name + ".json" : path,
                                        tr("Model spec (*.json)"));
    if (path.isEmpty()) return false;
  }
  const QString error = builder_->saveFile(path);
  if (!error.isEmpty()) {
    QMessageBox::warning(this, tr("Save model spec"), error);
    return false;
  }
  builder_->undoStack()->setClean();
  statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
  updateTitle();
  return true;
}

void MainWindow::showAbout() { AboutDialog(this).exec(); }

void MainWindow::updateTitle() {
  const std::string name = builder_->spec().value("name", std::string());
  setWindowTitle(tr("%1[*] — Gradient Studio").arg(name.empty() ? tr("untitled model") : qstr(name)));
  setWindowModified(!builder_->undoStack()->isClean());
}

void MainWindow::updateRunState(const QString& state, double examplesPerSecond) {
  runStateLabel_->setText(state.isEmpty() ? tr("Idle") : state.left(1).toUpper() + state.mid(1));
  throughputLabel_->setText(examplesPerSecond > 0
                                ? tr("%L1 examples/s").arg(examplesPerSecond, 0, 'f', 0)
                                : tr("— examples/s"));
}

void MainWindow::restoreLayout() {
  QSettings settings;
  restoreGeometry(settings.value("window/geometry").toByteArray());
  if (!restoreState(settings.value("window/state").toByteArray())) resize(1280, 800);
}

void MainWindow::resetLayout() {
  restoreState(defaultLayout_);
  for (QDockWidget* d : docks_) d->show();
  raisePanel(dashboard_);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (dashboard_->isActive()) {
    const auto answer = QMessageBox::question(
        this, tr("A run is in progress"),
        tr("Stop the run and quit? Its recorded metrics are kept and a checkpoint is saved, so it "
           "can be resumed from the Run History."),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes) {
      event->ignore();
      return;
    }
    dashboard_->stopAndWait();
  }
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  event->accept();
}

}  // namespace gs
