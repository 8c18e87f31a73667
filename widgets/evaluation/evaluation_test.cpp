// Evaluation panel: a run whose checkpoint holds hand-set weights (a Dense layer that maps the
// bright pixel k of a 4x4 image to class k) on an IDX fixture written here, so the confusion
// matrix, per-class accuracy and the misclassified examples are known; the models under
// QAbstractItemModelTester; and the error states (no checkpoint, a damaged one, a missing dataset).
#include <QAbstractItemModelTester>
#include <QDir>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <qcustomplot.h>

#include "engine/data/idx.h"
#include "engine/runs/run_store.h"
#include "engine/train/run_config.h"
#include "engine/train/train_steps.h"
#include "widgets/dataset_browser/class_bar_chart.h"
#include "widgets/evaluation/confusion_matrix_plot.h"
#include "widgets/evaluation/evaluation_panel.h"
#include "widgets/evaluation/misclassified_model.h"

using namespace gs;
using engine::data::IdxArray;
namespace train = engine::train;

namespace {
// Images whose pixel bright[i] is 255 (and dim[i], if >= 0, 128); everything else 0.
void writeSplit(const std::string& dir, const std::string& prefix, const std::vector<uint8_t>& labels,
                const std::vector<int>& bright, const std::vector<int>& dim) {
  const int64_t n = static_cast<int64_t>(labels.size());
  IdxArray images{IdxArray::Type::u8, {n, 4, 4}, std::vector<uint8_t>(static_cast<size_t>(n * 16), 0)};
  for (int64_t i = 0; i < n; ++i) {
    images.bytes[static_cast<size_t>(i * 16 + bright[static_cast<size_t>(i)])] = 255;
    if (dim[static_cast<size_t>(i)] >= 0) images.bytes[static_cast<size_t>(i * 16 + dim[static_cast<size_t>(i)])] = 128;
  }
  engine::data::write_idx(dir + "/" + prefix + "-images-idx3-ubyte", images, false);
  engine::data::write_idx(dir + "/" + prefix + "-labels-idx1-ubyte", IdxArray{IdxArray::Type::u8, {n}, labels}, false);
}

// Train: one example per class. Test: 20, two per class, each bright at its label, except
// example 3 (a 3, bright at 5: predicted 5, loss log(e^10 + 9) = 10.0) and example 17 (a 7,
// bright at 1 and half-bright at 7: logits 10 for 1 and 5.02 for 7, predicted 1, loss 4.99).
void writeFixture(const std::string& dir) {
  QDir().mkpath(QString::fromStdString(dir));
  std::vector<uint8_t> train, test;
  std::vector<int> trainBright, testBright, testDim;
  for (int i = 0; i < 10; ++i) train.push_back(static_cast<uint8_t>(i)), trainBright.push_back(i);
  for (int i = 0; i < 20; ++i) test.push_back(static_cast<uint8_t>(i % 10)), testBright.push_back(i % 10), testDim.push_back(-1);
  testBright[3] = 5;
  testBright[17] = 1;
  testDim[17] = 7;
  writeSplit(dir, "train", train, trainBright, std::vector<int>(10, -1));
  writeSplit(dir, "t10k", test, testBright, testDim);
}

train::RunConfig configFor(const std::string& dataDir) {
  return train::RunConfig::from_json(
      {{"name", "hand-set"},
       {"model",
        {{"name", "tiny"}, {"input_shape", {4, 4, 1}},
         {"layers", {{{"type", "flatten"}}, {{"type", "dense"}, {"features", 10}}}}}},
       {"dataset", {{"name", "mnist-idx:" + dataDir}, {"limit", 0}}},
       {"optimizer", {{"name", "sgd"}, {"lr", 0.1}}},
       {"batch_size", 8},
       {"eval_batch_size", 8},
       {"epochs", 1}});
}

// A run recorded with a checkpoint of the hand-set weights: kernel[k][c] = 10 if k == c.
int64_t recordRun(const std::string& db, const std::string& dataDir, const std::string& ckpt) {
  train::RunConfig config = configFor(dataDir);
  engine::nn::Sequential model = config.build_model();
  train::TrainState state = train::initial_state(config, model);
  std::vector<float> kernel(160, 0.0f);
  for (int k = 0; k < 10; ++k) kernel[static_cast<size_t>(k * 10 + k)] = 10.0f;
  engine::PyTree params = engine::PyTree::dict(
      {{"Dense_0", engine::PyTree::dict({{"kernel", engine::Array::from_vector<float>(kernel, {16, 10})},
                                         {"bias", engine::Array::from_vector<float>(std::vector<float>(10, 0.0f), {10})}})}});
  engine::runs::RunStore store(db);
  const int64_t id = store.create_run({.name = "hand-set", .config = config.to_json()});
  if (!ckpt.empty()) {
    train::save_checkpoint(ckpt, state.with_params(params), 1, id);
    store.add_checkpoint(id, 1, ckpt);
  }
  store.finish_run(id, {});
  return id;
}
}  // namespace

class EvaluationTest : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string path(const char* name) { return dir_.filePath(name).toStdString(); }

 private slots:
  void initTestCase() { writeFixture(path("data")); }

  void confusionOfAHandSetModel() {
    const std::string db = path("runs.db");
    const int64_t id = recordRun(db, path("data"), path("good.safetensors"));
    EvaluationPanel panel;
    QAbstractItemModelTester tester(panel.misclassifiedModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    panel.resize(1000, 700);
    panel.show();
    QCOMPARE(panel.state(), EvaluationPanel::State::empty);
    QVERIFY(panel.statusText().contains("Run History"));
    QSignalSpy done(&panel, &EvaluationPanel::evaluated);
    QSignalSpy progress(&panel, &EvaluationPanel::progressed);
    panel.evaluateRun(QString::fromStdString(db), id);
    QCOMPARE(panel.state(), EvaluationPanel::State::running);
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 30000);
    QCOMPARE(panel.state(), EvaluationPanel::State::done);
    QVERIFY(progress.count() >= 1);
    QCOMPARE(progress.last().at(0).toLongLong(), 20LL);  // the last batch is always reported

    ConfusionMatrixPlot* cm = panel.confusionPlot();
    QCOMPARE(cm->cellCount(0, 0), 2);
    QCOMPARE(cm->cellCount(3, 3), 1);
    QCOMPARE(cm->cellCount(3, 5), 1);
    QCOMPARE(cm->cellCount(7, 1), 1);
    QCOMPARE(cm->cellCount(7, 7), 1);
    QCOMPARE(cm->cellCount(5, 3), 0);
    QCOMPARE(cm->xAxis->label(), QString("Predicted class"));
    QCOMPARE(cm->yAxis->label(), QString("True class"));
    QCPBarsDataContainer* acc = panel.accuracyChart()->bars()->data().data();
    QCOMPARE(acc->size(), 10);
    QCOMPARE(acc->at(3)->value, 0.5);
    QCOMPARE(acc->at(7)->value, 0.5);
    QCOMPARE(acc->at(0)->value, 1.0);

    MisclassifiedModel* m = panel.misclassifiedModel();
    QCOMPARE(m->rowCount(), 2);
    QCOMPARE(m->exampleAt(0), int64_t{3});  // loss 10.0 before 4.99
    QCOMPARE(m->exampleAt(1), int64_t{17});
    QCOMPARE(m->index(0, MisclassifiedModel::TrueColumn).data().toString(), QString("3"));
    QCOMPARE(m->index(0, MisclassifiedModel::PredictedColumn).data().toString(), QString("5"));
    QCOMPARE(m->index(1, MisclassifiedModel::PredictedColumn).data().toString(), QString("1"));
    QCOMPARE(m->index(0, MisclassifiedModel::LossColumn).data().toString(), QString("10.000"));
    QVERIFY(m->index(1, MisclassifiedModel::TopColumn).data().toString().startsWith("1 0.99"));
    QVERIFY(!m->index(0, MisclassifiedModel::ImageColumn).data(Qt::DecorationRole).value<QImage>().isNull());
    QVERIFY(panel.statusText().contains("checkpoint at step 1"));
  }

  void errorStates() {
    const std::string db = path("errors.db");
    EvaluationPanel panel;
    QSignalSpy failed(&panel, &EvaluationPanel::failed);
    auto expectFailure = [&](int64_t id, const QString& needle) {
      const int before = failed.count();
      panel.evaluateRun(QString::fromStdString(db), id);
      QTRY_COMPARE_WITH_TIMEOUT(failed.count(), before + 1, 30000);
      QCOMPARE(panel.state(), EvaluationPanel::State::failed);
      QVERIFY2(panel.statusText().contains(needle), qPrintable(panel.statusText()));
      qInfo("%s", qPrintable(panel.statusText()));  // what a person reads
      QCOMPARE(panel.misclassifiedModel()->rowCount(), 0);
    };
    expectFailure(recordRun(db, path("data"), ""), "has no checkpoint");
    // A damaged checkpoint is named.
    const int64_t damaged = recordRun(db, path("data"), path("bad.safetensors"));
    std::ofstream(path("bad.safetensors"), std::ios::trunc) << "not a safetensors file";
    expectFailure(damaged, "bad.safetensors");
    // A dataset folder that has gone.
    writeFixture(path("gone"));
    const int64_t orphan = recordRun(db, path("gone"), path("orphan.safetensors"));
    QDir(dir_.filePath("gone")).removeRecursively();
    expectFailure(orphan, "gone");
    expectFailure(999, "999");
    // A regression run has no classes to confuse.
    train::RunConfig reg = train::RunConfig::from_json(
        {{"model", {{"name", "lin"}, {"input_shape", {10}}, {"layers", {{{"type", "dense"}, {"features", 5}}}}}},
         {"dataset", {{"name", "synthetic-regression:20"}}}});
    engine::runs::RunStore store(db);
    const int64_t regression = store.create_run({.name = "lin", .config = reg.to_json()});
    train::save_checkpoint(path("lin.safetensors"), train::initial_state(reg, reg.build_model()), 1, regression);
    store.add_checkpoint(regression, 1, path("lin.safetensors"));
    expectFailure(regression, "regression run");
  }
};

QTEST_MAIN(EvaluationTest)
#include "evaluation_test.moc"
