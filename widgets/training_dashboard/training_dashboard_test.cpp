// The Training Dashboard offscreen: recorded events (made by hand) give the right points,
// progress and error banner; the form validates through RunConfig and marks the field at fault;
// the optimizer's fields follow the catalog; the dataset model passes the model tester; and a
// short real run on Fashion-MNIST started from the Start action ends 'finished' in the database.
#include <QAbstractItemModelTester>
#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <qcustomplot.h>

#include "engine/runs/run_store.h"
#include "engine/train/config_catalog.h"
#include "widgets/training_dashboard/dataset_catalog_model.h"
#include "widgets/training_dashboard/run_form.h"
#include "widgets/training_dashboard/training_charts.h"
#include "widgets/training_dashboard/training_controller.h"
#include "widgets/training_dashboard/training_dashboard.h"

using nlohmann::json;
namespace train = engine::train;

Q_DECLARE_METATYPE(std::vector<int64_t>)

namespace {

train::Event makeEvent(train::EventType type, int64_t step, int64_t epoch = 1) {
  train::Event e;
  e.type = type;
  e.status = train::TrainerStatus::running;
  e.run_id = 5;
  e.step = step;
  e.total_steps = 100;
  e.epoch = epoch;
  e.epochs = 2;
  e.steps_per_epoch = 50;
  e.elapsed_seconds = 1.0 + double(step) / 10;
  e.examples_per_second = 1234;
  e.eta_seconds = double(100 - step) / 10;
  return e;
}

// A run as the trainer reports it: 2 epochs of 50 steps, a step event every 10, then divergence.
std::vector<train::Event> recordedRun(int steps) {
  std::vector<train::Event> ev;
  train::Event s = makeEvent(train::EventType::status, 0);
  s.status = train::TrainerStatus::starting;
  ev.push_back(s);
  train::Event p = makeEvent(train::EventType::phase, 0);
  p.phase = p.message = "compiling";
  ev.push_back(p);
  ev.push_back(makeEvent(train::EventType::started, 0));
  for (int i = 1; i <= steps; ++i) {
    train::Event e = makeEvent(train::EventType::step, i * 10, i <= 5 ? 1 : 2);
    e.metrics["train/loss"] = 2.0 / i;
    e.metrics["train/accuracy"] = 0.1 * i;
    e.learning_rate = 0.1 * std::pow(0.9, i);
    ev.push_back(e);
    if (i % 5 == 0) {
      train::Event ep = makeEvent(train::EventType::epoch, i * 10, i / 5);
      ep.metrics = {{"train/loss", 1.0 / i}, {"train/accuracy", 0.5}, {"test/loss", 1.2 / i}, {"test/accuracy", 0.45}};
      ev.push_back(ep);
    }
  }
  return ev;
}

}  // namespace

class TrainingDashboardTest : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private slots:
  void initTestCase() { qRegisterMetaType<std::vector<int64_t>>(); }

  void defaultStateIsReady() {
    gs::TrainingDashboard d;
    QVERIFY2(d.startAction()->isEnabled(), qPrintable(d.startAction()->toolTip()));
    QVERIFY(!d.pauseAction()->isEnabled() && !d.resumeAction()->isEnabled() && !d.stopAction()->isEnabled());
    QCOMPARE(d.startAction()->shortcut(), QKeySequence(Qt::Key_F5));
    QCOMPARE(d.stopAction()->shortcut(), QKeySequence(Qt::SHIFT | Qt::Key_F5));
    const json c = d.runConfig();
    QCOMPARE(c["dataset"]["name"], json("fashion-mnist"));
    QCOMPARE(c["optimizer"]["name"], json("sgd"));
    QCOMPARE(c["optimizer"]["lr"].get<double>(), 0.1);
    QCOMPARE(c["model"]["name"], json("mlp"));
    QCOMPARE(d.inputShape(), (std::vector<int64_t>{28, 28, 1}));
    QVERIFY(!d.isActive());
    // An invalid model (the builder says why) disables Start with that reason.
    d.setModelSpec(c["model"], false, "layer 2: dense needs features > 0");
    QVERIFY(!d.startAction()->isEnabled());
    QVERIFY(d.startAction()->toolTip().contains("dense needs features"));
    d.setModelSpec(c["model"], true, "");
    QVERIFY(d.startAction()->isEnabled());
  }

  void recordedEventsShowPointsProgressAndBanner() {
    gs::TrainingDashboard d;
    d.resize(1280, 800);
    auto* ctrl = d.findChild<gs::TrainingController*>();
    auto* charts = d.findChild<gs::TrainingCharts*>();
    QVERIFY(ctrl && charts);
    QSignalSpy started(&d, &gs::TrainingDashboard::runStarted);
    QSignalSpy ended(&d, &gs::TrainingDashboard::runEnded);
    QSignalSpy states(&d, &gs::TrainingDashboard::stateChanged);
    std::vector<train::Event> ev = recordedRun(7);
    emit ctrl->eventsArrived({ev.begin(), ev.begin() + 6});  // two batches, as two timer ticks
    emit ctrl->eventsArrived({ev.begin() + 6, ev.end()});
    QCOMPARE(started.count(), 1);
    QCOMPARE(started.at(0).at(0).toLongLong(), 5);
    QCOMPARE(charts->lossPlot()->graph(0)->dataCount(), 7);   // raw
    QCOMPARE(charts->lossPlot()->graph(1)->dataCount(), 7);   // smoothed
    QCOMPARE(charts->learningRatePlot()->graph(0)->dataCount(), 7);
    QCOMPARE(charts->epochLossPlot()->graph(0)->dataCount(), 1);  // train
    QCOMPARE(charts->epochLossPlot()->graph(1)->dataCount(), 1);  // test
    QCOMPARE(charts->accuracyPlot()->graph(1)->dataCount(), 1);
    // The smoothed series starts unbiased: its first point is the first raw value.
    QCOMPARE(charts->lossPlot()->graph(1)->data()->at(0)->value, 2.0);
    auto* progress = d.findChild<QProgressBar*>("Progress");
    QCOMPARE(progress->maximum(), 100);
    QCOMPARE(progress->value(), 70);
    QCOMPARE(d.findChild<QLabel*>("Steps")->text(), QString("step 70 / 100"));
    QVERIFY(d.findChild<QLabel*>("Throughput")->text().contains("1,234"));
    QVERIFY(d.findChild<QLabel*>("Phase")->text().contains("epoch 2/2"));
    QVERIFY(d.isActive());
    QVERIFY(d.stopAction()->isEnabled() && d.pauseAction()->isEnabled() && !d.startAction()->isEnabled());
    QVERIFY(!states.isEmpty());
    QCOMPARE(states.last().at(0).toString(), QString("training"));

    // Divergence: the banner shows the engine's message and names the field, which is marked.
    train::Event div = makeEvent(train::EventType::status, 72, 2);
    div.status = train::TrainerStatus::diverged;
    div.message = "the loss became NaN at step 72 (epoch 2); try a lower learning rate than 10 (optimizer.lr)";
    emit ctrl->eventsArrived({div});
    auto* banner = d.findChild<QLabel*>("Errorbanner");
    QVERIFY(banner && !banner->isHidden());
    QVERIFY(banner->text().contains("try a lower learning rate than 10 (optimizer.lr)"));
    QVERIFY(banner->text().contains("Learning rate"));
    auto* form = d.findChild<gs::RunForm*>();
    QVERIFY(form->editorFor("optimizer.lr")->property("hasError").toBool());
    QCOMPARE(ended.count(), 1);
    QCOMPARE(ended.at(0).at(1).toString(), QString("diverged"));
    if (const QByteArray shot = qgetenv("GS_DASHBOARD_BANNER_SCREENSHOT"); !shot.isEmpty()) {
      d.show();
      QVERIFY(QTest::qWaitForWindowExposed(&d));
      QVERIFY(d.grab().save(QString::fromLocal8Bit(shot)));
    }
    QVERIFY(!d.isActive());
    QVERIFY(d.startAction()->isEnabled());  // a new run may start
  }

  void smoothingAndLogScale() {
    gs::TrainingCharts charts;
    charts.append(recordedRun(10));
    QCOMPARE(charts.lossPlot()->graph(1)->dataCount(), 10);
    charts.setSmoothing(0);
    for (int i = 0; i < 10; ++i)
      QCOMPARE(charts.lossPlot()->graph(1)->data()->at(i)->value, charts.lossPlot()->graph(0)->data()->at(i)->value);
    charts.setLogLoss(true);
    QCOMPARE(charts.lossPlot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    QVERIFY(charts.lossPlot()->yAxis->range().lower > 0);
    for (QCustomPlot* p : {charts.lossPlot(), charts.epochLossPlot(), charts.accuracyPlot(), charts.learningRatePlot()}) {
      QVERIFY(!p->xAxis->label().isEmpty() && !p->yAxis->label().isEmpty());
      QVERIFY(p->legend->visible());
    }
    charts.clear();
    QCOMPARE(charts.lossPlot()->graph(0)->dataCount(), 0);
  }

  void invalidLearningRateMarksTheField() {
    gs::TrainingDashboard d;
    auto* form = d.findChild<gs::RunForm*>();
    auto* lr = qobject_cast<QLineEdit*>(form->editorFor("optimizer.lr"));
    QVERIFY(lr);
    QCOMPARE(lr->accessibleName(), QString("Learning rate"));
    lr->setText("-1");
    QCOMPARE(form->error(), QString("optimizer.lr: expected a positive number, got -1"));
    QCOMPARE(form->errorPath(), QString("optimizer.lr"));
    QVERIFY(lr->property("hasError").toBool());
    QVERIFY(!d.startAction()->isEnabled());
    QVERIFY(d.startAction()->toolTip().contains("optimizer.lr"));
    auto* section = form->findChild<QLabel*>("Optimizerproblem");
    QVERIFY(section && !section->isHidden() && section->text().contains("expected a positive number"));
    lr->setText("fast");
    QCOMPARE(form->error(), QString("optimizer.lr: expected a positive number, got \"fast\""));
    lr->setText("0.05");
    QVERIFY(form->error().isEmpty());
    QVERIFY(!lr->property("hasError").toBool());
    QVERIFY(section->isHidden());
    QVERIFY(d.startAction()->isEnabled());
    // A cross-field rule lands on its field too.
    form->findChild<QSpinBox*>("Batchsize")->setValue(100);
    form->findChild<QSpinBox*>("Examplelimit")->setValue(50);
    QCOMPARE(form->errorPath(), QString("dataset.limit"));
    QVERIFY(form->editorFor("dataset.limit")->property("hasError").toBool());
  }

  void optimizerChangeRebuildsItsFields() {
    gs::RunForm form;
    auto* opt = form.findChild<QComboBox*>("Optimizer");
    QVERIFY(form.editorFor("optimizer.momentum"));
    qobject_cast<QLineEdit*>(form.editorFor("optimizer.lr"))->setText("0.01");
    opt->setCurrentText("adamw");
    for (const train::FieldSpec& f : train::find_optimizer("adamw")->fields)
      QVERIFY2(form.editorFor("optimizer." + QString::fromStdString(f.name)), f.name.c_str());
    QVERIFY(!form.editorFor("optimizer.momentum"));
    const json c = form.config();
    QCOMPARE(c["optimizer"]["name"], json("adamw"));
    QCOMPARE(c["optimizer"]["lr"].get<double>(), 0.01);  // kept across the change
    QCOMPARE(c["optimizer"]["weight_decay"].get<double>(), 1e-4);
    QVERIFY(form.error().isEmpty());
    // The schedule's fields likewise.
    form.findChild<QComboBox*>("Schedule")->setCurrentText("warmup_cosine_decay");
    QVERIFY(form.editorFor("schedule.warmup_steps") && form.editorFor("schedule.unit"));
    QCOMPARE(form.config()["schedule"]["decay_steps"], json(1000));
    QVERIFY(form.error().isEmpty());
  }

  void setRunConfigFillsTheForm() {
    gs::TrainingDashboard d;
    QSignalSpy requested(&d, &gs::TrainingDashboard::modelSpecRequested);
    json c = {{"model", "builtin:cnn"},
              {"dataset", {{"name", "fashion-mnist"}, {"limit", 500}}},
              {"optimizer", {{"name", "adam"}, {"lr", 0.003}, {"b1", 0.8}}},
              {"schedule", {{"type", "cosine_decay"}, {"decay_steps", 7}, {"unit", "epochs"}}},
              {"batch_size", 50},
              {"epochs", 3},
              {"seed", 4},
              {"name", "again"},
              {"tags", {"a", "b"}},
              {"eval_every", 2}};
    d.setRunConfig(c);
    QCOMPARE(requested.count(), 1);
    QCOMPARE(requested.at(0).at(0).value<json>()["name"], json("cnn"));
    const json back = train::RunConfig::from_json(d.runConfig()).to_json();
    const json want = train::RunConfig::from_json(c).to_json();
    QCOMPARE(back.dump(), want.dump());
  }

  void datasetModelPassesTheTester() {
    gs::DatasetCatalogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.rowCount() >= 3);
    QVERIFY(model.rowOf("fashion-mnist") >= 0);
    // A missing dataset stays listed, disabled, naming its package.
    const QString none = dir_.path() + "/none";
    model.reload({.fashion_mnist_dir = none.toStdString(), .mnist_digits_dir = none.toStdString()});
    const QModelIndex fm = model.index(model.rowOf("fashion-mnist"));
    QVERIFY(!(model.flags(fm) & Qt::ItemIsEnabled));
    QVERIFY(model.data(fm, Qt::ToolTipRole).toString().contains("dataset-fashion-mnist"));
    QVERIFY(model.data(fm).toString().contains("not installed"));
  }

  // A real run: Fashion-MNIST, 2000 examples, one epoch, through the Start action.
  void realRunFinishes() {
    if (!engine::train::describe_dataset("fashion-mnist").present) QSKIP("Fashion-MNIST is not installed");
    gs::TrainingDashboard d;
    d.resize(1280, 800);
    const QString db = dir_.path() + "/runs.db";
    d.setDatabasePath(db);
    json c = d.runConfig();
    c["dataset"]["limit"] = 2000;
    c["epochs"] = 1;
    c["name"] = "dashboard-real";
    d.setRunConfig(c);
    QSignalSpy started(&d, &gs::TrainingDashboard::runStarted);
    QSignalSpy ended(&d, &gs::TrainingDashboard::runEnded);
    QVERIFY(d.startAction()->isEnabled());
    d.startAction()->trigger();
    QVERIFY(d.isActive());
    QVERIFY(!d.startAction()->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(ended.count() == 1, 120000);
    QCOMPARE(started.count(), 1);
    const qint64 run = started.at(0).at(0).toLongLong();
    QCOMPARE(ended.at(0).at(0).toLongLong(), run);
    QCOMPARE(ended.at(0).at(1).toString(), QString("finished"));
    auto* charts = d.findChild<gs::TrainingCharts*>();
    // 2000 / 32 = 62 steps, a step event every 10 and at the epoch's end: 7 points.
    QCOMPARE(charts->lossPlot()->graph(0)->dataCount(), 7);
    QCOMPARE(charts->learningRatePlot()->graph(0)->dataCount(), 7);
    QCOMPARE(charts->accuracyPlot()->graph(1)->dataCount(), 1);
    QCOMPARE(d.findChild<QProgressBar*>("Progress")->value(), 62);
    QVERIFY(d.findChild<QLabel*>("Phase")->text().contains("Finished"));
    QVERIFY(!d.isActive());
    engine::runs::RunStore store(db.toStdString());
    QCOMPARE(store.get_run(run).status, engine::runs::RunStatus::finished);
    QCOMPARE(store.get_run(run).name, std::string("dashboard-real"));
    QCOMPARE(store.metrics(run, "train/learning_rate").size(), size_t(7));
    if (const QByteArray shot = qgetenv("GS_DASHBOARD_SCREENSHOT"); !shot.isEmpty()) {
      d.show();
      QVERIFY(QTest::qWaitForWindowExposed(&d));
      QVERIFY(d.grab().save(QString::fromLocal8Bit(shot)));
    }
  }

  // Pause, resume and stop on a real run; stopAndWait leaves it 'stopped' with a checkpoint.
  void pauseResumeStop() {
    if (!engine::train::describe_dataset("fashion-mnist").present) QSKIP("Fashion-MNIST is not installed");
    gs::TrainingDashboard d;
    const QString db = dir_.path() + "/runs.db";
    d.setDatabasePath(db);
    json c = d.runConfig();
    c["dataset"]["limit"] = 2000;
    c["epochs"] = 50;
    d.setRunConfig(c);
    QSignalSpy started(&d, &gs::TrainingDashboard::runStarted);
    QSignalSpy ended(&d, &gs::TrainingDashboard::runEnded);
    d.startAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(d.pauseAction()->isEnabled() && started.count() == 1, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(d.findChild<gs::TrainingCharts*>()->lossPlot()->graph(0)->dataCount() > 0, 60000);
    d.pauseAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(d.resumeAction()->isEnabled(), 60000);
    QVERIFY(!d.pauseAction()->isEnabled());
    d.resumeAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(d.pauseAction()->isEnabled(), 60000);
    d.stopAndWait();
    QCOMPARE(ended.count(), 1);
    QCOMPARE(ended.at(0).at(1).toString(), QString("stopped"));
    const qint64 run = started.at(0).at(0).toLongLong();
    engine::runs::RunStore store(db.toStdString());
    QCOMPARE(store.get_run(run).status, engine::runs::RunStatus::stopped);
    QVERIFY(!store.checkpoints(run).empty());
    // resumeRun continues it: the curve starts from the stored history.
    const int before = d.findChild<gs::TrainingCharts*>()->lossPlot()->graph(0)->dataCount();
    d.resumeRun(run);
    QVERIFY(d.isActive());
    QCOMPARE(d.findChild<gs::TrainingCharts*>()->lossPlot()->graph(0)->dataCount(),
             int(store.metrics(run, "train/loss").size()));
    QVERIFY(before > 0);
    QTRY_VERIFY_WITH_TIMEOUT(started.count() == 2, 60000);
    QCOMPARE(started.at(1).at(0).toLongLong(), run);
    // The Stop action: "stopping" until the run has checkpointed and ended.
    QSignalSpy states(&d, &gs::TrainingDashboard::stateChanged);
    d.stopAction()->trigger();
    QCOMPARE(states.first().at(0).toString(), QString("stopping"));
    QVERIFY(d.isActive() && !d.stopAction()->isEnabled() && !d.startAction()->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(ended.count() == 2, 60000);
    QVERIFY(!d.isActive() && d.startAction()->isEnabled());
    QCOMPARE(ended.at(1).at(1).toString(), QString("stopped"));
  }
};

QTEST_MAIN(TrainingDashboardTest)
#include "training_dashboard_test.moc"
