// Run History: the item models under QAbstractItemModelTester, sorting, filters, lazy paging,
// the overlay chart, the config diff, editing, delete with checkpoint files, CSV export and the
// live update from another connection, all offscreen over a temporary database.
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QProcess>
#include <QLineEdit>
#include <QMenu>
#include <QToolButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>
#include <qcustomplot.h>

#include "widgets/common/plot_style.h"
#include "widgets/run_history/config_diff_model.h"
#include "widgets/run_history/run_details_view.h"
#include "widgets/run_history/run_history_panel.h"
#include "widgets/run_history/run_overlay_view.h"
#include "widgets/run_history/run_table_model.h"

using namespace engine::runs;
using gs::RunTableModel;
using nlohmann::json;

namespace {

json config(const std::string& model, const std::string& opt, double lr, int batch) {
  return {{"name", ""},
          {"model", {{"name", model}, {"input_shape", {28, 28, 1}}}},
          {"dataset", {{"name", "fashion-mnist"}, {"limit", 0}}},
          {"optimizer", {{"name", opt}, {"lr", lr}}},
          {"batch_size", batch},
          {"epochs", 2},
          {"seed", 0}};
}

struct Spec {
  const char* name;
  const char* model;
  const char* opt;
  double lr;
  RunStatus status;
  double acc, loss;
};

// Six runs of known values (ids 1..6) with 50 steps of train/loss and two test/accuracy rows.
void fill(RunStore& store) {
  const Spec specs[] = {{"mlp-sgd", "mlp", "sgd", 0.1, RunStatus::finished, 0.86, 0.40},
                        {"mlp-adam", "mlp", "adam", 0.001, RunStatus::finished, 0.88, 0.35},
                        {"cnn-sgd", "cnn", "sgd", 0.01, RunStatus::stopped, 0.90, 0.30},
                        {"cnn-crash", "cnn", "sgd", 0.05, RunStatus::failed, 0.20, 2.10},
                        {"linear", "linear", "sgd", 0.3, RunStatus::finished, 0.50, 0.90},
                        {"cnn-big", "cnn", "adam", 0.002, RunStatus::interrupted, 0.91, 0.25}};
  for (const Spec& s : specs) {
    const int64_t id = store.create_run({.name = s.name, .config = config(s.model, s.opt, s.lr, 32),
                                         .model_spec = {{"name", s.model}}, .dataset = "fashion-mnist",
                                         .tags = {std::string(s.model) == "cnn" ? "conv" : "dense"}});
    for (int step = 1; step <= 50; ++step)
      store.log_metric(id, step, step / 25, "train/loss", s.loss + 2.0 / step, step * 0.1);
    store.log_metric(id, 25, 1, "test/accuracy", s.acc - 0.05, 2.5);
    store.log_metric(id, 50, 2, "test/accuracy", s.acc, 5.0);
    store.flush();
    if (s.status == RunStatus::finished)
      store.finish_run(id, {{"test/accuracy", s.acc}});
    else
      store.set_status(id, s.status, s.status == RunStatus::failed ? "loss became NaN" : "");
  }
}

QStringList column(const QAbstractItemModel* m, int col) {
  QStringList out;
  for (int r = 0; r < m->rowCount(); ++r) out << m->index(r, col).data().toString();
  return out;
}

}  // namespace

class RunHistoryTest : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  int counter_ = 0;
  QString freshDb() { return dir_.path() + QStringLiteral("/runs-%1.db").arg(++counter_); }

 private slots:
  void tableModelPassesTheTester() {
    const QString path = freshDb();
    RunStore store(path.toStdString());
    fill(store);
    RunTableModel model;
    model.setPageSize(4);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setStore(&store);
    QCOMPARE(model.rowCount(), 4);
    QVERIFY(model.canFetchMore({}));
    model.fetchMore({});  // queued for the event loop
    QTRY_COMPARE(model.rowCount(), 6);
    QVERIFY(!model.canFetchMore({}));
    model.sort(RunTableModel::FinalLoss, Qt::AscendingOrder);
    model.setTextFilter(QStringLiteral("cnn"));
    model.setStatusFilter({RunStatus::stopped, RunStatus::failed});
    QCOMPARE(model.rowCount(), 2);
    model.refreshLoaded();  // nothing changed: rows updated in place
    {
      // A new run sorted last joins the loaded rows (insert); one sorted first resets them.
      RunStore other(path.toStdString());
      model.setTextFilter({});
      model.setStatusFilter({});
      model.sort(RunTableModel::Created, Qt::AscendingOrder);
      QTRY_COMPARE(model.rowCount(), 6);
      other.create_run({.name = "appended"});
      model.refreshLoaded();
      QCOMPARE(model.rowCount(), 7);
      QCOMPARE(model.index(6, RunTableModel::Name).data().toString(), QStringLiteral("appended"));
      model.sort(RunTableModel::Created, Qt::DescendingOrder);
      other.create_run({.name = "first"});
      model.refreshLoaded();
      QCOMPARE(model.index(0, RunTableModel::Name).data().toString(), QStringLiteral("first"));
      other.delete_run(7);
      other.delete_run(8);
      model.refreshLoaded();
      model.setTextFilter(QStringLiteral("cnn"));
      model.setStatusFilter({RunStatus::stopped, RunStatus::failed});
    }
    QVERIFY(model.setData(model.index(0, RunTableModel::Name), QStringLiteral("renamed")));
    QCOMPARE(store.get_run(model.runId(0)).name, std::string("renamed"));
    QVERIFY(!model.setData(model.index(0, RunTableModel::Status), QStringLiteral("x")));
    QCOMPARE(model.index(0, RunTableModel::Status).data(Qt::ForegroundRole).value<QColor>(),
             RunTableModel::statusColor(static_cast<RunStatus>(model.index(0, 0).data(RunTableModel::StatusRole).toInt())));
    model.setStore(nullptr);
    QCOMPARE(model.rowCount(), 0);
  }

  void diffModelPassesTheTester() {
    RunStore store(freshDb().toStdString());
    fill(store);
    gs::ConfigDiffModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setDiff(store.config_diff({1, 2, 3}));
    QCOMPARE(model.columnCount(), 4);
    QCOMPARE(model.headerData(1, Qt::Horizontal).toString(), QStringLiteral("mlp-sgd"));
    model.setDiff(store.config_diff({1}, true));
    model.setDiff({});
    QCOMPARE(model.rowCount(), 0);
  }

  void sortsOnSeveralColumns() {
    const QString path = freshDb();
    { RunStore store(path.toStdString()); fill(store); }
    gs::RunHistoryPanel panel;
    QCOMPARE(panel.setDatabasePath(path), QString());
    QTableView* table = panel.table();
    QCOMPARE(table->accessibleName(), QStringLiteral("Run history table"));
    auto* m = panel.tableModel();
    table->sortByColumn(RunTableModel::Name, Qt::AscendingOrder);
    QCOMPARE(column(m, RunTableModel::Name),
             QStringList({"cnn-big", "cnn-crash", "cnn-sgd", "linear", "mlp-adam", "mlp-sgd"}));
    table->sortByColumn(RunTableModel::BestAccuracy, Qt::DescendingOrder);
    QCOMPARE(column(m, RunTableModel::Name).first(), QStringLiteral("cnn-big"));
    QCOMPARE(column(m, RunTableModel::BestAccuracy).first(), QStringLiteral("91.00 %"));
    QCOMPARE(column(m, RunTableModel::Name).last(), QStringLiteral("cnn-crash"));
    table->sortByColumn(RunTableModel::Lr, Qt::AscendingOrder);
    QCOMPARE(column(m, RunTableModel::Lr), QStringList({"0.001", "0.002", "0.01", "0.05", "0.1", "0.3"}));
    table->sortByColumn(RunTableModel::FinalLoss, Qt::AscendingOrder);
    QCOMPARE(column(m, RunTableModel::Name).first(), QStringLiteral("cnn-big"));  // 0.25 + 2/50
    table->sortByColumn(RunTableModel::Status, Qt::AscendingOrder);
    QCOMPARE(column(m, RunTableModel::Status).first(), QStringLiteral("failed"));
    table->sortByColumn(RunTableModel::Model, Qt::DescendingOrder);
    QCOMPARE(column(m, RunTableModel::Model).first(), QStringLiteral("mlp"));
  }

  void filtersByTextAndStatus() {
    const QString path = freshDb();
    { RunStore store(path.toStdString()); fill(store); }
    gs::RunHistoryPanel panel;
    panel.setDatabasePath(path);
    QCOMPARE(panel.runCount(), 6);
    auto* filter = panel.findChild<QLineEdit*>(QStringLiteral("Filterruns"));
    QVERIFY(filter);
    QCOMPARE(filter->accessibleName(), QStringLiteral("Filter runs"));
    filter->setText(QStringLiteral("conv"));  // a tag
    QCOMPARE(panel.runCount(), 3);
    filter->setText(QStringLiteral("MLP"));  // model or name, any case
    QCOMPARE(panel.runCount(), 2);
    filter->clear();
    // The status menu's checkable entries build the status set.
    auto* button = panel.findChild<QToolButton*>(QStringLiteral("Statusfilter"));
    QVERIFY(button && button->menu());
    for (QAction* a : button->menu()->actions())
      if (a->text() == "finished" || a->text() == "failed") a->setChecked(true);
    QCOMPARE(panel.runCount(), 4);
    QCOMPARE(button->text(), QStringLiteral("Status: finished, failed"));
    for (QAction* a : button->menu()->actions()) a->setChecked(false);
    QCOMPARE(panel.runCount(), 6);
    panel.tableModel()->setStatusFilter({RunStatus::finished});
    QCOMPARE(panel.runCount(), 3);
    panel.tableModel()->setStatusFilter({RunStatus::stopped, RunStatus::interrupted});
    QCOMPARE(panel.runCount(), 2);
    QCOMPARE(panel.tableModel()->rowCount(), 2);
  }

  void pagesLazily() {
    const QString path = freshDb();
    {
      RunStore store(path.toStdString());
      for (int i = 0; i < 450; ++i) store.create_run({.name = "run-" + std::to_string(i)});
    }
    gs::RunHistoryPanel panel;
    panel.setDatabasePath(path);
    auto* m = panel.tableModel();
    QCOMPARE(panel.runCount(), 450);
    QCOMPARE(m->rowCount(), 200);
    QVERIFY(m->canFetchMore({}));
    m->fetchMore({});
    QTRY_COMPARE(m->rowCount(), 400);
    m->fetchPage();
    QCOMPARE(m->rowCount(), 450);
    QVERIFY(!m->canFetchMore({}));
    // selectRuns loads the pages it needs.
    gs::RunHistoryPanel other;
    other.setDatabasePath(path);
    other.selectRuns({1});
    QCOMPARE(other.selectedRuns(), QList<qint64>({1}));
    QCOMPARE(other.tableModel()->rowCount(), 450);
  }

  void overlaysTwoRunsInTheirColours() {
    const QString path = freshDb();
    { RunStore store(path.toStdString()); fill(store); }
    gs::RunHistoryPanel panel;
    panel.setDatabasePath(path);
    panel.selectRuns({2, 5});
    QCOMPARE(panel.selectedRuns().size(), 2);
    QCustomPlot* plot = panel.overlay()->plot();
    QCOMPARE(panel.overlay()->metric(), QStringLiteral("train/loss"));
    QCOMPARE(panel.overlay()->metricNames(), QStringList({"test/accuracy", "train/loss"}));
    QCOMPARE(plot->graphCount(), 2);
    QSet<QRgb> colors;
    for (int i = 0; i < plot->graphCount(); ++i) {
      colors << plot->graph(i)->pen().color().rgb();
      QCOMPARE(plot->graph(i)->dataCount(), 50);
    }
    QCOMPARE(colors, QSet<QRgb>({gs::runColor(2).rgb(), gs::runColor(5).rgb()}));
    QVERIFY(plot->legend->visible());
    QCOMPARE(plot->xAxis->label(), QStringLiteral("Step"));
    QCOMPARE(plot->yAxis->label(), QStringLiteral("train/loss"));
    panel.overlay()->setMetric(QStringLiteral("test/accuracy"));
    QCOMPARE(plot->graph(0)->dataCount(), 2);
    panel.overlay()->setSmoothing(0.6);  // a faint raw curve behind each smoothed one
    QCOMPARE(plot->graphCount(), 4);
    QCOMPARE(plot->legend->itemCount(), 2);
    panel.overlay()->setXAxis(gs::RunOverlayView::ByWallTime);
    QCOMPARE(plot->xAxis->label(), QStringLiteral("Wall time (s)"));
  }

  void diffShowsOnlyDifferingFields() {
    const QString path = freshDb();
    { RunStore store(path.toStdString()); fill(store); }
    gs::RunHistoryPanel panel;
    panel.setDatabasePath(path);
    panel.selectRuns({1, 4});  // mlp sgd 0.1 against cnn sgd 0.05
    auto* diff = panel.diffModel();
    QCOMPARE(column(diff, 0), QStringList({"model.name", "optimizer.lr"}));
    QCOMPARE(diff->index(1, 1).data().toString(), QStringLiteral("0.1"));
    QCOMPARE(diff->index(1, 2).data().toString(), QStringLiteral("0.05"));
    auto* only = panel.findChild<QCheckBox*>(QStringLiteral("Onlydifferences"));
    QVERIFY(only && only->isChecked());
    only->setChecked(false);
    QVERIFY(diff->rowCount() > 5);
    QVERIFY(column(diff, 0).contains(QStringLiteral("batch_size")));
  }

  void editsAndSignals() {
    const QString path = freshDb();
    { RunStore store(path.toStdString()); fill(store); }
    gs::RunHistoryPanel panel;
    panel.setDatabasePath(path);
    panel.selectRuns({3});  // stopped: resumable
    QCOMPARE(panel.details()->run(), qint64(3));
    panel.findChild<QLineEdit*>(QStringLiteral("Runname"))->setText(QStringLiteral("cnn-renamed"));
    panel.findChild<QLineEdit*>(QStringLiteral("Runtags"))->setText(QStringLiteral("conv, keep"));
    QCOMPARE(panel.details()->save(), QString());
    const RunRecord r = panel.store()->get_run(3);
    QCOMPARE(r.name, std::string("cnn-renamed"));
    QCOMPARE(r.tags, (std::vector<std::string>{"conv", "keep"}));
    const int row = panel.tableModel()->rowOfRun(3);
    QCOMPARE(panel.tableModel()->index(row, RunTableModel::Name).data().toString(), QStringLiteral("cnn-renamed"));
    QCOMPARE(panel.selectedRuns(), QList<qint64>({3}));  // kept across the refresh

    QSignalSpy rerun(&panel, &gs::RunHistoryPanel::rerunRequested);
    QSignalSpy builder(&panel, &gs::RunHistoryPanel::openInBuilderRequested);
    QSignalSpy resume(&panel, &gs::RunHistoryPanel::resumeRequested);
    const auto action = [&](const QString& text) {
      for (QAction* a : panel.actions())
        if (a->text() == text) return a;
      return static_cast<QAction*>(nullptr);
    };
    QVERIFY(action("Resume")->isEnabled());
    action("Re-run")->trigger();
    action("Open in builder")->trigger();
    action("Resume")->trigger();
    QCOMPARE(rerun.size(), 1);
    QCOMPARE(rerun[0][0].value<json>()["optimizer"]["lr"].get<double>(), 0.01);
    QCOMPARE(builder[0][0].value<json>()["name"].get<std::string>(), std::string("cnn"));
    QCOMPARE(resume[0][0].value<qint64>(), qint64(3));
    panel.selectRuns({1});  // finished: not resumable
    QVERIFY(!action("Resume")->isEnabled());

    panel.selectRuns({1, 2});
    const QString csv = dir_.path() + "/export.csv";
    QCOMPARE(panel.exportCsv(csv, panel.selectedRuns()), QString());
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().split('\n');
    QCOMPARE(lines[0], QByteArray("run_id,run_name,step,epoch,name,value,wall_time"));
    QVERIFY(lines[1].startsWith("1,mlp-sgd,25,1,test/accuracy,"));
    QCOMPARE(lines.size(), 1 + 2 * 52 + 1);  // header, 52 rows per run, final newline
    QVERIFY(panel.exportCsvAction()->isEnabled());
  }

  void deleteRemovesRowAndCheckpoints() {
    const QString path = freshDb();
    const QString ckdir = dir_.path() + "/ckpt/run-3";
    QVERIFY(QDir().mkpath(ckdir));
    {
      RunStore store(path.toStdString());
      fill(store);
      for (int step : {25, 50}) {
        const QString file = ckdir + QStringLiteral("/step-%1.safetensors").arg(step);
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("x");
        store.add_checkpoint(3, step, file.toStdString());
      }
    }
    gs::RunHistoryPanel panel;
    panel.setDatabasePath(path);
    panel.selectRuns({3});
    QCOMPARE(panel.deleteRuns(panel.selectedRuns()), QString());
    QCOMPARE(panel.runCount(), 5);
    QCOMPARE(panel.tableModel()->rowOfRun(3), -1);
    QVERIFY(!QFile::exists(ckdir + "/step-25.safetensors"));
    QVERIFY(!QDir(ckdir).exists());  // the emptied folder too
    QVERIFY(QDir(dir_.path() + "/ckpt").exists());
    QVERIFY(panel.deleteRuns({3}).contains("no run with id 3"));
  }

  void showsRunsAnotherConnectionWrites() {
    const QString path = freshDb();
    { RunStore store(path.toStdString()); fill(store); }
    gs::RunHistoryPanel panel;
    panel.setDatabasePath(path);
    panel.selectRuns({2});
    RunStore trainer(RunStoreOptions{.path = path.toStdString(), .flush_rows = 1000});
    const int64_t id = trainer.create_run({.name = "live", .config = config("mlp", "adam", 0.003, 64)});
    QTRY_COMPARE_WITH_TIMEOUT(panel.runCount(), 7, 3000);  // the 500 ms poll, not a manual refresh
    const int row = panel.tableModel()->rowOfRun(id);
    QVERIFY(row >= 0);
    QCOMPARE(panel.tableModel()->index(row, RunTableModel::Status).data().toString(), QStringLiteral("running"));
    QCOMPARE(panel.selectedRuns(), QList<qint64>({2}));  // selection kept
    for (int step = 1; step <= 10; ++step) trainer.log_metric(id, step, 0, "train/loss", 1.0 / step, step);
    trainer.flush();
    QTRY_COMPARE_WITH_TIMEOUT(
        panel.tableModel()->index(panel.tableModel()->rowOfRun(id), RunTableModel::FinalLoss).data().toString(),
        QStringLiteral("0.1"), 3000);
    QCOMPARE(panel.selectedRuns(), QList<qint64>({2}));
    QVERIFY(!panel.pollNow());  // nothing new since
  }

  void showsRunsAnotherProcessWrites() {
    const QString path = freshDb();
    { RunStore store(path.toStdString()); fill(store); }
    gs::RunHistoryPanel panel;
    panel.setDatabasePath(path);
    panel.selectRuns({1});
    // This test program again, as a writer process (see main below).
    QProcess writer;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("GS_HISTORY_WRITER_DB"), path);
    writer.setProcessEnvironment(env);
    writer.start(QCoreApplication::applicationFilePath(), {});
    QVERIFY(writer.waitForFinished(30000));
    QCOMPARE(writer.exitCode(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(panel.runCount(), 7, 3000);
    const int row = panel.tableModel()->rowOfRun(7);
    QVERIFY(row >= 0);
    QCOMPARE(panel.tableModel()->index(row, RunTableModel::Name).data().toString(), QStringLiteral("from-process"));
    QCOMPARE(panel.tableModel()->index(row, RunTableModel::BestAccuracy).data().toString(), QStringLiteral("77.00 %"));
    QCOMPARE(panel.selectedRuns(), QList<qint64>({1}));
  }

  void rendersWithTwoRunsOverlaid() {
    const QString path = freshDb();
    { RunStore store(path.toStdString()); fill(store); }
    gs::RunHistoryPanel panel;
    panel.resize(1280, 800);
    panel.setDatabasePath(path);
    panel.show();
    panel.selectRuns({2, 3});
    QVERIFY(QTest::qWaitForWindowExposed(&panel) || qgetenv("QT_QPA_PLATFORM") == "offscreen");
    const QPixmap shot = panel.grab();
    QCOMPARE(shot.size(), QSize(1280, 800));
    const QByteArray out = qgetenv("GS_HISTORY_SCREENSHOT");
    if (!out.isEmpty()) {
      QVERIFY(shot.save(QString::fromLocal8Bit(out)));
      panel.tabs()->setCurrentIndex(1);  // the details pane too, beside it
      QVERIFY(panel.grab().save(QString::fromLocal8Bit(out).replace(".png", "-details.png")));
    }
    QVERIFY(panel.overlay()->plot()->graphCount() == 2);
  }
};

// With GS_HISTORY_WRITER_DB set, the program is the other process of
// showsRunsAnotherProcessWrites: it records one finished run there, as gradient-cli train would.
int main(int argc, char** argv) {
  const QByteArray writerDb = qgetenv("GS_HISTORY_WRITER_DB");
  if (!writerDb.isEmpty()) {
    RunStore store(writerDb.toStdString());
    const int64_t id = store.create_run({.name = "from-process", .config = config("mlp", "sgd", 0.2, 16)});
    for (int step = 1; step <= 20; ++step) store.log_metric(id, step, step / 10, "train/loss", 1.0 / step, step);
    store.log_metric(id, 20, 2, "test/accuracy", 0.77, 20);
    store.finish_run(id, {{"test/accuracy", 0.77}});
    return 0;
  }
  QApplication app(argc, argv);
  RunHistoryTest test;
  QTEST_SET_MAIN_SOURCE_PATH
  return QTest::qExec(&test, argc, argv);
}
#include "run_history_test.moc"
