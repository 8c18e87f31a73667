// Pytree Inspector: the tree model under QAbstractItemModelTester against a known pytree (names,
// shapes, sizes, bytes and the statistics columns' values), statistics of a big tree computed off
// the GUI thread, the leaf-by-leaf comparison of two checkpoints, the histogram's contents, the
// weight images of a Dense layer on images and of conv kernels, the live snapshot following the
// run, and a checkpoint that cannot be read. Offscreen.
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTreeView>
#include <QtTest>
#include <cmath>
#include <numeric>

#include "engine/nn/model_spec.h"
#include "engine/train/run_config.h"
#include "engine/train/train_steps.h"
#include "widgets/pytree_inspector/leaf_charts.h"
#include "widgets/pytree_inspector/pytree_diff_model.h"
#include "widgets/pytree_inspector/pytree_inspector_panel.h"
#include "widgets/pytree_inspector/pytree_model.h"
#include "widgets/pytree_inspector/weight_images.h"

using namespace engine;
using gs::PytreeDiffModel;
using gs::PytreeModel;
using nlohmann::json;

namespace {

// {'opt_state': [{'mu': f32[3]}, None], 'params': {'Dense_0': {'bias': f32[3], 'kernel': f32[2, 3]}}}
PyTree knownTree() {
  const Array kernel = Array::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  const Array bias = Array::from_vector<float>({-1, 0, 1});
  const Array mu = Array::from_vector<float>({0.5f, 0.5f, 0.5f});
  return PyTree::dict({{"params", PyTree::dict({{"Dense_0", PyTree::dict({{"kernel", kernel}, {"bias", bias}})}})},
                       {"opt_state", PyTree::list({PyTree::dict({{"mu", mu}}), PyTree::none()})}});
}

QString cell(const PytreeModel& m, const QString& path, int column) {
  return m.data(m.indexOfPath(path).siblingAtColumn(column)).toString();
}
double value(const PytreeModel& m, const QString& path, int column) {
  return m.data(m.indexOfPath(path).siblingAtColumn(column), PytreeModel::ValueRole).toDouble();
}

json mlpConfig() {
  return {{"model", nn::builtin_spec("mlp")},
          {"dataset", "fashion-mnist"},
          {"optimizer", {{"name", "sgd"}, {"lr", 0.1}, {"momentum", 0.9}}},
          {"batch_size", 32},
          {"epochs", 1}};
}

}  // namespace

class PytreeInspectorTest : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private slots:
  void knownTreeUnderModelTester() {
    PytreeModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.setTree(knownTree());
    QVERIFY(m.statsReady());  // small: computed at once
    QCOMPARE(m.rowCount(), 2);
    QCOMPARE(m.data(m.index(0, 0)).toString(), QString("opt_state"));  // dict keys sorted
    QCOMPARE(m.data(m.index(1, 0)).toString(), QString("params"));
    QCOMPARE(m.leafCount(), 3);
    QCOMPARE(m.totalValues(), 12);
    QCOMPARE(cell(m, "params/Dense_0/kernel", PytreeModel::ShapeColumn), QString("(2, 3)"));
    QCOMPARE(cell(m, "params/Dense_0/bias", PytreeModel::ShapeColumn), QString("(3,)"));
    QCOMPARE(cell(m, "params/Dense_0/kernel", PytreeModel::DTypeColumn), QString("float32"));
    QCOMPARE(cell(m, "opt_state", PytreeModel::ShapeColumn), QString("list of 2"));
    QCOMPARE(cell(m, "opt_state/1", PytreeModel::ShapeColumn), QString("None"));
    QCOMPARE(value(m, "params", PytreeModel::SizeColumn), 9.0);
    QCOMPARE(value(m, "params/Dense_0/kernel", PytreeModel::BytesColumn), 24.0);
    // 1..6: mean 3.5, population std sqrt(35/12), min 1, max 6.
    QCOMPARE(value(m, "params/Dense_0/kernel", PytreeModel::MeanColumn), 3.5);
    QVERIFY(std::abs(value(m, "params/Dense_0/kernel", PytreeModel::StdColumn) - std::sqrt(35.0 / 12)) < 1e-12);
    QCOMPARE(cell(m, "params/Dense_0/kernel", PytreeModel::StdColumn), QString("1.708"));
    QCOMPARE(value(m, "params/Dense_0/bias", PytreeModel::MinColumn), -1.0);
    QCOMPARE(value(m, "opt_state/0/mu", PytreeModel::MaxColumn), 0.5);
    QVERIFY(cell(m, "params", PytreeModel::MeanColumn).isEmpty());  // containers have no stats
    // Parents and paths agree.
    const QModelIndex k = m.indexOfPath("params/Dense_0/kernel");
    QCOMPARE(m.pathAt(k.parent()), QString("params/Dense_0"));
    QCOMPARE(m.leafAt(k)->shape(), (Shape{2, 3}));
    QVERIFY(!m.leafAt(k.parent()));
    // A second tree resets the model (the tester checks the reset).
    m.setTree(PyTree::dict({{"w", Array::from_vector<float>({std::nanf(""), 2})}}));
    QCOMPARE(m.rowCount(), 1);
    QCOMPARE(value(m, "w", PytreeModel::MeanColumn), 2.0);
    QVERIFY(m.data(m.indexOfPath("w").siblingAtColumn(PytreeModel::MeanColumn), Qt::ToolTipRole)
                .toString()
                .contains("1 NaN"));
  }

  void bigTreeStatsArriveLater() {
    PytreeModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    std::vector<float> v(300000);
    std::iota(v.begin(), v.end(), 0.0f);
    QSignalSpy spy(&m, &PytreeModel::statsComputed);
    m.setTree(PyTree::dict({{"big", Array::from_vector<float>(v, {600, 500})}}));
    QVERIFY(spy.wait(10000) || m.statsReady());
    QVERIFY(m.statsReady());
    QCOMPARE(value(m, "big", PytreeModel::MeanColumn), 149999.5);
    QCOMPARE(value(m, "big", PytreeModel::MaxColumn), 299999.0);
  }

  void diffOfTwoTrees() {
    PytreeDiffModel d;
    QAbstractItemModelTester tester(&d, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const PyTree a = PyTree::dict({{"same", Array::from_vector<float>({1, 2})},
                                   {"moved", Array::from_vector<float>({1, -2, 4})},
                                   {"gone", Array::from_vector<float>({1})},
                                   {"reshaped", Array::zeros(DType::f32, {2, 3})}});
    const PyTree b = PyTree::dict({{"same", Array::from_vector<float>({1, 2})},
                                   {"moved", Array::from_vector<float>({1.5f, -2, 3})},
                                   {"new", Array::from_vector<float>({1})},
                                   {"reshaped", Array::zeros(DType::f32, {3, 2})}});
    d.setTrees(a, b);
    QCOMPARE(d.rowCount(), 5);
    QCOMPARE(d.changedCount(), 1);
    auto row = [&](const QString& p) {
      for (int r = 0; r < d.rowCount(); ++r)
        if (d.data(d.index(r, PytreeDiffModel::PathColumn)).toString() == p) return r;
      return -1;
    };
    const int moved = row("moved");
    QCOMPARE(d.data(d.index(moved, PytreeDiffModel::MaxAbsColumn), PytreeDiffModel::ValueRole).toDouble(), 1.0);
    QCOMPARE(d.data(d.index(moved, PytreeDiffModel::RelativeColumn), PytreeDiffModel::ValueRole).toDouble(), 0.25);
    QCOMPARE(d.data(d.index(moved, PytreeDiffModel::StatusColumn)).toString(), QString("changed"));
    QCOMPARE(d.data(d.index(row("same"), PytreeDiffModel::StatusColumn)).toString(), QString("equal"));
    QCOMPARE(d.data(d.index(row("gone"), PytreeDiffModel::StatusColumn)).toString(), QString("only in A"));
    QCOMPARE(d.data(d.index(row("new"), PytreeDiffModel::StatusColumn)).toString(), QString("only in B"));
    QVERIFY(d.data(d.index(row("reshaped"), PytreeDiffModel::StatusColumn)).toString().contains("(3, 2)"));
  }

  // The MLP at init: the first matrix is selected; its histogram holds every value of the leaf
  // in 50 bins spanning its min and max; Dense_0's 512 units are drawn as 28×28 images.
  void histogramAndWeightImagesAtInit() {
    gs::PytreeInspectorPanel p;
    p.resize(1200, 700);
    p.setInitModel(nn::builtin_spec("mlp"), 0);
    QCOMPARE(p.sourceCount(), 1);
    QCOMPARE(p.selectedPath(), QString("params/Dense_0/kernel"));
    const QCPBars* bars = p.histogram()->bars();
    QCOMPARE(bars->data()->size(), gs::LeafHistogramPlot::kBins);
    double total = 0;
    for (auto it = bars->data()->constBegin(); it != bars->data()->constEnd(); ++it) total += it->value;
    QCOMPARE(total, 784.0 * 512);
    const Array kernel = *p.model()->leafAt(p.model()->indexOfPath("params/Dense_0/kernel"));
    const LeafStats s = leaf_stats(kernel);
    QVERIFY(bars->data()->constBegin()->key < s.min + bars->width());
    QVERIFY((bars->data()->constEnd() - 1)->key > s.max - bars->width());
    QVERIFY(p.histogram()->xAxis->label() == "value" && p.histogram()->yAxis->label() == "count");
    QVERIFY(p.weightCaption()->text().contains("512 units of 28×28"));
    QVERIFY(!p.weightImage()->pixmap().isNull());
    QCOMPARE(p.heatmap()->colorMap()->data()->keySize(), 512);
    QCOMPARE(p.heatmap()->colorMap()->data()->valueSize(), 784);
    // A bias has no heatmap; its histogram has its 512 values (all zeros at init: one bin).
    QVERIFY(p.selectPath("params/Dense_0/bias"));
    QVERIFY(!p.tabs()->isTabEnabled(1));
    QCOMPARE(p.histogram()->bars()->data()->at(25)->value, 512.0);
  }

  void convFilters() {
    const std::optional<gs::WeightImages> w =
        gs::weightImages(Array::zeros(DType::f32, {3, 3, 1, 32}), std::nullopt, 100, 4);
    QVERIFY(w);
    QCOMPARE(w->total, 32);
    QCOMPARE(w->tileWidth, 3);
    // 32 tiles in a 6×6 grid of 12-pixel tiles with 1-pixel gaps.
    QCOMPARE(w->image.width(), 6 * 13 + 1);
    QVERIFY(!gs::weightImages(Array::zeros(DType::f32, {10, 5}), std::nullopt));  // not an image
    QVERIFY(!gs::weightImages(Array::zeros(DType::f32, {784, 5}), Shape{10, 10, 1}));  // not this input
    // One unit's weights land in its tile: +1 at pixel (0, 0) of unit 1 is red there.
    std::vector<float> k(16 * 2, 0.0f);
    k[0 * 2 + 1] = 1;  // input pixel 0, unit 1
    const auto img = gs::weightImages(Array::from_vector<float>(k, {16, 2}), Shape{4, 4, 1}, 100, 1);
    QVERIFY(img);
    QCOMPARE(img->image.pixelColor(1 + 4 + 1, 1), gs::divergingColor(1));
    QCOMPARE(img->image.pixelColor(1, 1), gs::divergingColor(0));

    gs::PytreeInspectorPanel p;
    p.setInitModel(nn::builtin_spec("cnn"), 0);
    QVERIFY(p.selectPath("params/Conv_0/kernel"));
    QVERIFY2(p.weightCaption()->text().contains("32 filters of 3×3"), qPrintable(p.weightCaption()->text()));
  }

  // Two checkpoints of a run: the later one compared against the earlier one leaf by leaf. With
  // SGD (lr 0.1) and every gradient 1, each parameter moves by exactly -0.1.
  void checkpointsComparedLeafByLeaf() {
    const train::RunConfig config = train::RunConfig::from_json(mlpConfig());
    const train::TrainState s0 = train::initial_state(config, config.build_model());
    const train::TrainState s1 = s0.apply_gradients(tree_map([](const Tensor& p) {
      std::vector<float> ones(static_cast<size_t>(p.size()), 1.0f);
      return Array::from_vector<float>(ones, p.shape());
    }, s0.params));
    const std::string p0 = (dir_.path() + "/step-0.safetensors").toStdString();
    const std::string p1 = (dir_.path() + "/step-1.safetensors").toStdString();
    train::save_checkpoint(p0, s0, 0, 7);
    train::save_checkpoint(p1, s1, 0, 7);
    gs::PytreeInspectorPanel p;
    p.setRunCheckpoints(7, {{.step = 0, .path = p0}, {.step = 1, .path = p1}}, config.model);
    QCOMPARE(p.sourceCount(), 2);
    QCOMPARE(p.sourceBox()->currentIndex(), 1);  // the latest is shown
    QVERIFY(p.model()->indexOfPath("opt_state").isValid());
    QCOMPARE(p.compareWith(0), QString());
    const PytreeDiffModel* d = p.diffModel();
    int params = 0;
    for (const auto& r : d->rows()) {
      if (!r.path.startsWith("params/")) continue;
      ++params;
      QVERIFY(r.diff);
      QVERIFY2(std::abs(r.diff->diff.mean + 0.1) < 1e-6 && r.diff->diff.std < 1e-6, qPrintable(r.path));
    }
    QCOMPARE(params, 4);
    QCOMPARE(p.compareBox()->currentIndex(), 1);
  }

  void liveSnapshotFollowsTheRun() {
    gs::PytreeInspectorPanel p;
    p.setInitModel(nn::builtin_spec("mlp"), 0);
    QVERIFY(p.selectPath("params/Dense_1/kernel"));
    auto snap = std::make_shared<train::TrainSnapshot>(train::snapshot_at_init(nn::builtin_spec("mlp"), 1));
    snap->epoch = 3;
    snap->step = 300;
    p.setLiveSnapshot(snap, 5, nn::builtin_spec("mlp"));
    QCOMPARE(p.sourceCount(), 2);
    QCOMPARE(p.sourceName(p.sourceBox()->currentIndex()), QString("Training run #5, epoch 3"));
    QCOMPARE(p.selectedPath(), QString("params/Dense_1/kernel"));  // the same leaf, followed
    QVERIFY(p.statusLabel()->text().contains("step 300"));
  }

  void unreadableCheckpointSaysWhich() {
    gs::PytreeInspectorPanel p;
    QVERIFY(p.findChild<QLabel*>("Inspectoremptystate")->text().contains("Model Builder"));
    QSignalSpy errors(&p, &gs::PytreeInspectorPanel::errorOccurred);
    p.setRunCheckpoints(3, {{.step = 10, .path = "/nonexistent/step-10.safetensors"}}, json::object());
    QCOMPARE(errors.count(), 1);
    const QString shown = p.findChild<QLabel*>("Inspectoremptystate")->text();
    QVERIFY2(shown.contains("/nonexistent/step-10.safetensors"), qPrintable(shown));
  }
};

QTEST_MAIN(PytreeInspectorTest)
#include "pytree_inspector_test.moc"
