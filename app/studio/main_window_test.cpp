// The main window as a person uses it: every control is named for screen readers, the panels are
// wired together (the builder's model reaches the dashboard, an impossible model disables Start),
// a short real run started from the Run menu ends 'finished' in the history and the database,
// and closing the window during a run stops it with a checkpoint.
#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAbstractSpinBox>
#include <QAction>
#include <QComboBox>
#include <QTableView>
#include <QDockWidget>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSlider>
#include <QHeaderView>
#include <QTabBar>
#include <QToolBar>
#include <QTemporaryDir>
#include <QTimer>
#include <QUndoStack>
#include <QtTest>

#include "app/studio/main_window.h"
#include "engine/nn/model_spec.h"
#include "engine/runs/run_store.h"
#include "widgets/evaluation/evaluation_panel.h"
#include "widgets/model_builder/model_builder_panel.h"
#include "widgets/pytree_inspector/pytree_diff_model.h"
#include "widgets/pytree_inspector/pytree_inspector_panel.h"
#include "widgets/pytree_inspector/pytree_model.h"
#include "widgets/run_history/run_details_view.h"
#include "widgets/run_history/run_history_panel.h"
#include "widgets/run_history/run_table_model.h"
#include "widgets/training_dashboard/training_dashboard.h"

using gs::MainWindow;

namespace {

nlohmann::json quickConfig(int epochs, int limit) {
  return {{"name", "quick"},
          {"model", engine::nn::builtin_spec("mlp")},
          {"dataset", {{"name", "fashion-mnist"}, {"limit", limit}}},
          {"optimizer", {{"name", "sgd"}, {"lr", 0.1}}},
          {"batch_size", 32},
          {"epochs", epochs}};
}

bool haveFashionMnist() { return QFile::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"); }

}  // namespace

class MainWindowTest : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir dir_;

 private slots:
  void initTestCase() {
    // Settings (window layout) go to a scratch folder, never the developer's.
    qputenv("XDG_CONFIG_HOME", dir_.filePath("config").toUtf8());
  }

  void everyControlIsNamed() {
    MainWindow window(dir_.filePath("named.db"));
    window.show();
    QStringList nameless;
    const auto check = [&](QWidget* w, const QString& what) {
      // Qt's own parts (a toolbar's overflow button, a tab bar's scroll arrows, a combo box's or
      // completer's popup list, which is a window of its own) are named by Qt, not by us.
      if (w->objectName().startsWith("qt_") || qobject_cast<QTabBar*>(w->parentWidget()) ||
          qobject_cast<QHeaderView*>(w) || w->window() != &window)
        return;
      if (!w->isVisibleTo(&window) && !qobject_cast<QAbstractItemView*>(w)) return;
      QString name = w->accessibleName();
      if (auto* b = qobject_cast<QAbstractButton*>(w); b && name.isEmpty()) name = b->text();
      if (name.isEmpty() || w->toolTip().isEmpty())
        nameless << QStringLiteral("%1 %2 %3 in %4 (name '%5', tooltip '%6')")
                        .arg(what, w->metaObject()->className(), w->objectName(),
                             w->parentWidget() ? w->parentWidget()->objectName() : QString(), name, w->toolTip());
    };
    for (QDockWidget* dock : window.findChildren<QDockWidget*>()) {
      for (QAbstractButton* w : dock->widget()->findChildren<QAbstractButton*>()) check(w, "button");
      for (QComboBox* w : dock->widget()->findChildren<QComboBox*>()) check(w, "combo box");
      for (QAbstractSpinBox* w : dock->widget()->findChildren<QAbstractSpinBox*>()) check(w, "spin box");
      for (QSlider* w : dock->widget()->findChildren<QSlider*>()) check(w, "slider");
      for (QAbstractItemView* w : dock->widget()->findChildren<QAbstractItemView*>()) {
        if (qobject_cast<QComboBox*>(w->parentWidget())) continue;  // a combo box's own popup list
        check(w, "view");
      }
      for (QLineEdit* w : dock->widget()->findChildren<QLineEdit*>()) {
        if (qobject_cast<QAbstractSpinBox*>(w->parentWidget()) || qobject_cast<QComboBox*>(w->parentWidget()))
          continue;  // the editor inside a spin or combo box, which carries the name
        check(w, "line edit");
      }
    }
    // Toolbar buttons show their action's tooltip; menu entries are read by their text.
    for (QToolBar* bar : window.findChildren<QToolBar*>())
      for (QAction* a : bar->actions())
        if (!a->isSeparator() && !a->text().isEmpty() && a->toolTip() == QString(a->text()).remove(QChar(0x26)))
          nameless << "toolbar action " + a->text() + " has no tooltip of its own";
    QVERIFY2(nameless.isEmpty(), qPrintable(nameless.join("\n")));
  }

  void builderDrivesStart() {
    MainWindow window(dir_.filePath("wiring.db"));
    QAction* start = window.dashboard()->startAction();
    QVERIFY(start->isEnabled());
    nlohmann::json bad = engine::nn::builtin_spec("mlp");
    bad["layers"].push_back({{"type", "conv"}, {"features", 4}});  // conv after a dense: rank 2
    window.builder()->setSpec(bad);
    QVERIFY(!window.builder()->isValid());
    QVERIFY(!start->isEnabled());
    window.builder()->undoStack()->undo();
    QVERIFY(window.builder()->isValid());
    QVERIFY(start->isEnabled());
    QCOMPARE(window.builder()->spec()["layers"].size(), size_t{4});
  }

  void shortRunFromTheRunMenu() {
    if (!haveFashionMnist()) QSKIP("dataset-fashion-mnist is not installed");
    const QString db = dir_.filePath("run.db");
    MainWindow window(db);
    window.show();
    window.dashboard()->setRunConfig(quickConfig(1, 2000));
    QSignalSpy ended(window.dashboard(), &gs::TrainingDashboard::runEnded);
    window.dashboard()->startAction()->trigger();
    QVERIFY(ended.wait(120000));
    QCOMPARE(ended.first().at(1).toString(), QString("finished"));
    const qint64 run = ended.first().at(0).toLongLong();
    QTRY_COMPARE_WITH_TIMEOUT(window.history()->runCount(), 1, 5000);
    engine::runs::RunStore store(db.toStdString());
    QCOMPARE(store.get_run(run).status, engine::runs::RunStatus::finished);
    QVERIFY(store.metric_count(run) > 0);
    // The run selected in the history is the one the Evaluation dock evaluates.
    QVERIFY(window.dock("EvaluationDock") && window.dock("DatasetDock"));
    window.history()->selectRuns({run});
    QCOMPARE(window.evaluation()->run(), run);
    QSignalSpy evaluated(window.evaluation(), &gs::EvaluationPanel::evaluated);
    window.evaluation()->evaluateButton()->click();
    QVERIFY(evaluated.wait(120000));
    const auto result = window.evaluation()->result();
    int64_t total = 0;
    for (int64_t c : result->confusion) total += c;
    QCOMPARE(total, result->examples());
    QVERIFY(result->examples() > 0);
    // The Pytree Inspector follows the run (its epoch's snapshot), and lists the run's checkpoint
    // once the run is current in the history.
    gs::PytreeInspectorPanel* inspector = window.inspector();
    QCOMPARE(inspector->sourceName(inspector->sourceBox()->currentIndex()),
             QString("Training run #%1, epoch 1").arg(run));
    QVERIFY(inspector->model()->indexOfPath("params/Dense_0/kernel").isValid());
    window.history()->table()->selectRow(window.history()->tableModel()->rowOfRun(run));
    QCOMPARE(inspector->sourceName(inspector->sourceCount() - 1),
             QString("Run #%1, checkpoint at step %2").arg(run).arg(store.checkpoints(run).back().step));
    QCOMPARE(inspector->compareWith(inspector->sourceCount() - 1), QString());
    QVERIFY(inspector->diffModel()->rowCount() > 0);
    QCOMPARE(inspector->diffModel()->changedCount(), 0);  // the last epoch's snapshot is its checkpoint
  }

  // The run current in the history while it trains: the inspector's checkpoint list grows with
  // it and ends with the checkpoint written when it finished.
  void inspectorFollowsTheCurrentRunsCheckpoints() {
    if (!haveFashionMnist()) QSKIP("dataset-fashion-mnist is not installed");
    const QString db = dir_.filePath("follow.db");
    MainWindow window(db);
    window.show();
    window.dashboard()->setRunConfig(quickConfig(2, 2000));
    QSignalSpy started(window.dashboard(), &gs::TrainingDashboard::runStarted);
    QSignalSpy ended(window.dashboard(), &gs::TrainingDashboard::runEnded);
    window.dashboard()->startAction()->trigger();
    QVERIFY(started.count() == 1 || started.wait(60000));
    const qint64 run = started.first().at(0).toLongLong();
    // Paused, so the run is surely selected before its last checkpoint exists.
    window.dashboard()->pauseAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(window.dashboard()->resumeAction()->isEnabled(), 30000);
    QTRY_COMPARE_WITH_TIMEOUT(window.history()->runCount(), 1, 10000);
    window.history()->table()->selectRow(window.history()->tableModel()->rowOfRun(run));
    QCOMPARE(window.history()->details()->run(), run);
    window.dashboard()->resumeAction()->trigger();
    QVERIFY(ended.wait(120000));
    QCOMPARE(ended.first().at(1).toString(), QString("finished"));
    engine::runs::RunStore store(db.toStdString());
    const auto checkpoints = store.checkpoints(run);
    QVERIFY(!checkpoints.empty());
    gs::PytreeInspectorPanel* inspector = window.inspector();
    QTRY_COMPARE_WITH_TIMEOUT(inspector->sourceName(inspector->sourceCount() - 1),
                              QString("Run #%1, checkpoint at step %2").arg(run).arg(checkpoints.back().step), 5000);
  }

  void closingDuringARunStopsItWithACheckpoint() {
    if (!haveFashionMnist()) QSKIP("dataset-fashion-mnist is not installed");
    const QString db = dir_.filePath("close.db");
    qint64 run = 0;
    {
      auto* window = new MainWindow(db);
      window->show();
      window->dashboard()->setRunConfig(quickConfig(200, 6000));
      QSignalSpy started(window->dashboard(), &gs::TrainingDashboard::runStarted);
      window->dashboard()->startAction()->trigger();
      QVERIFY(started.wait(60000));
      run = started.first().at(0).toLongLong();
      // Closed once the run has committed training metrics (on a loaded machine loading and
      // compiling may take seconds), so the test shows that none of them is lost.
      engine::runs::RunStore watcher(db.toStdString());
      QTRY_VERIFY_WITH_TIMEOUT(watcher.metric_count(run) > 0, 120000);
      QVERIFY(window->dashboard()->isActive());
      // Answer the "stop the run and quit?" question as a person would.
      QTimer::singleShot(200, [] {
        if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget()))
          box->button(QMessageBox::Yes)->click();
      });
      QVERIFY(window->close());
      QVERIFY(!window->dashboard()->isActive());
      delete window;
    }
    engine::runs::RunStore store(db.toStdString());
    QCOMPARE(store.get_run(run).status, engine::runs::RunStatus::stopped);
    QVERIFY(!store.checkpoints(run).empty());
    QVERIFY(store.metric_count(run) > 0);
    QVERIFY(store.metrics(run, "train/loss").size() > 0);
  }
};

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
