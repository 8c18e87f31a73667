// Leaf statistics and histograms against values worked out by hand (and NumPy's conventions),
// checkpoints read back as trees without a structure to fit, and the Trainer's per-epoch
// snapshot: equal to the epoch's checkpoint, and unchanged by the steps that follow it.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <limits>

#include "engine/nn/model_spec.h"
#include "engine/runs/run_store.h"
#include "engine/runs/safetensors.h"
#include "engine/train/snapshot.h"
#include "engine/train/trainer.h"
#include "engine/tree/key_path.h"
#include "engine/tree/leaf_stats.h"
#include "test_support.h"

using namespace engine;
using nlohmann::json;

class LeafStatsTest : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private slots:
  void statsOfKnownValues() {
    // 1..4: mean 2.5, population variance 1.25, norm sqrt(30).
    const LeafStats s = leaf_stats(Array::from_vector<float>({1, 2, 3, 4}, {2, 2}));
    QCOMPARE(s.count, 4);
    QCOMPARE(s.finite, 4);
    QCOMPARE(s.mean, 2.5);
    QVERIFY(std::abs(s.std - std::sqrt(1.25)) < 1e-12);
    QCOMPARE(s.min, 1.0);
    QCOMPARE(s.max, 4.0);
    QVERIFY(std::abs(s.norm - std::sqrt(30.0)) < 1e-12);
    // Integers and booleans read as their values.
    const LeafStats i = leaf_stats(Array::from_vector<int32_t>({-3, 5}));
    QCOMPARE(i.mean, 1.0);
    QCOMPARE(i.min, -3.0);
    QCOMPARE(i.std, 4.0);
    QCOMPARE(leaf_stats(Array::from_vector<bool>({true, false, true, true})).mean, 0.75);
  }

  // A small spread around a large mean keeps its digits (sums around a shift).
  void varianceOfAnOffsetLeaf() {
    std::vector<double> v;
    for (int i = 0; i < 1000; ++i) v.push_back(1e8 + (i % 2 ? 1e-3 : -1e-3));
    const LeafStats s = leaf_stats(Array::from_vector<double>(v));
    QVERIFY2(std::abs(s.std - 1e-3) < 1e-7, std::to_string(s.std).c_str());
  }

  void nonFiniteValuesAreCountedApart() {
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    const Array a = Array::from_vector<float>({nan, 1, -inf, 3, inf});
    const LeafStats s = leaf_stats(a);
    QCOMPARE(s.nan, 1);
    QCOMPARE(s.inf, 2);
    QCOMPARE(s.finite, 2);
    QCOMPARE(s.mean, 2.0);
    QCOMPARE(s.max, 3.0);
    const Histogram h = histogram(a, 2);
    QCOMPARE(h.nonfinite, 3);
    QCOMPARE(h.counts, (std::vector<int64_t>{1, 1}));
    const LeafStats none = leaf_stats(Array::from_vector<float>({nan}));
    QVERIFY(std::isnan(none.mean) && std::isnan(none.min));
    const LeafStats empty = leaf_stats(Array::zeros(DType::f32, {0, 3}));
    QCOMPARE(empty.count, 0);
    QVERIFY(std::isnan(empty.mean));
  }

  // np.histogram([0, 1, 1, 2, 3, 4], bins=4) -> [1, 2, 1, 2]: equal bins over [min, max], the last
  // bin closed.
  void histogramBinsLikeNumPy() {
    const Histogram h = histogram(Array::from_vector<float>({0, 1, 1, 2, 3, 4}), 4);
    QCOMPARE(h.lo, 0.0);
    QCOMPARE(h.hi, 4.0);
    QCOMPARE(h.counts, (std::vector<int64_t>{1, 2, 1, 2}));
    QCOMPARE(h.bin_width(), 1.0);
    QCOMPARE(h.bin_center(0), 0.5);
    // A given range leaves out what falls outside it.
    const Histogram r = histogram(Array::from_vector<float>({-5, 0.1f, 0.9f, 7}), 2, 0, 1);
    QCOMPARE(r.counts, (std::vector<int64_t>{1, 1}));
    // All equal: one value in the middle bin of [v - 0.5, v + 0.5].
    const Histogram c = histogram(Array::from_vector<float>({2, 2, 2}), 3);
    QCOMPARE(c.counts, (std::vector<int64_t>{0, 3, 0}));
    QVERIFY(error_of([] { histogram(Array::from_vector<float>({1}), 0); }).find("at least 1") != std::string::npos);
  }

  void diffOfTwoLeaves() {
    const LeafDiff d = leaf_diff(Array::from_vector<float>({1, -2, 4}), Array::from_vector<float>({1.5f, -2, 3}));
    QCOMPARE(d.diff.mean, (0.5 + 0 - 1) / 3);
    QCOMPARE(d.max_abs, 1.0);
    QCOMPARE(d.relative, 0.25);
    QCOMPARE(leaf_diff(Array::zeros(DType::f32, {2}), Array::zeros(DType::f32, {2})).relative, 0.0);
    const std::string e =
        error_of([] { leaf_diff(Array::zeros(DType::f32, {2, 3}), Array::zeros(DType::f32, {3, 2})); });
    QVERIFY2(e.find("f32[2,3]") != std::string::npos && e.find("f32[3,2]") != std::string::npos, e.c_str());
  }

  void checkpointAsTree() {
    const std::string path = (dir_.path() + "/c.safetensors").toStdString();
    runs::save_safetensors(path, {{"step", Array::scalar(3, DType::i32)},
                                  {"params/Dense_0/kernel", Array::zeros(DType::f32, {4, 2})},
                                  {"params/Dense_0/bias", Array::zeros(DType::f32, {2})},
                                  {"opt_state/0/mu/Dense_0/bias", Array::zeros(DType::f32, {2})}},
                           {{"epoch", "1"}});
    runs::Metadata meta;
    const PyTree t = runs::load_safetensors_as_tree(path, &meta);
    QCOMPARE(meta.at("epoch"), std::string("1"));
    QCOMPARE(t["params"]["Dense_0"]["kernel"].leaf().shape(), (Shape{4, 2}));
    QCOMPARE(tree_get(t, "opt_state/0/mu/Dense_0/bias").leaf().shape(), (Shape{2}));
    QCOMPARE(t["step"].leaf().item(), 3.0);
    const std::string bad = (dir_.path() + "/bad.safetensors").toStdString();
    runs::save_safetensors(bad, {{"a", Array::zeros(DType::f32, {1})}, {"a/b", Array::zeros(DType::f32, {1})}});
    const std::string e = error_of([&] { runs::load_safetensors_as_tree(bad); });
    QVERIFY2(e.find("bad.safetensors") != std::string::npos && e.find("'a'") != std::string::npos, e.c_str());
  }

  // The builder's view of a model: init's variables for the run's seed, no optimizer state.
  void snapshotAtInit() {
    const train::TrainSnapshot s = train::snapshot_at_init(nn::builtin_spec("cnn"), 0);
    const PyTree t = s.tree();
    QVERIFY(!t.contains("opt_state"));
    QVERIFY(t.contains("batch_stats"));
    QCOMPARE(tree_get(t, "params/Conv_0/kernel").leaf().shape(), (Shape{3, 3, 1, 32}));
    const train::TrainSnapshot again = train::snapshot_at_init(nn::builtin_spec("cnn"), 0);
    QVERIFY(tree_get(again.tree(), "params/Conv_0/kernel").leaf().array().same_values(
        tree_get(t, "params/Conv_0/kernel").leaf().array()));
    const std::string e = error_of([] { train::snapshot_at_init(nlohmann::json::parse(R"({"layers": [{"type": "dense"}]})"), 0); });
    QVERIFY2(e.find("features") != std::string::npos, e.c_str());
  }

  void deepCopyOwnsItsMemory() {
    const Array w = Array::from_vector<float>({1, 2, 3});
    const PyTree t = PyTree::dict({{"w", w}});
    const PyTree c = train::tree_deep_copy(t);
    QVERIFY(c["w"].leaf().array().same_values(w));
    QVERIFY(c["w"].leaf().array().buffer() != w.buffer());
  }

  // Each epoch event carries a snapshot equal to that epoch's checkpoint; the first epoch's stays
  // as it was through the second epoch's donated steps, which change the parameters.
  void trainerSnapshotsEachEpoch() {
    using namespace std::chrono_literals;
    const json config = {{"model", json::parse(R"({"name": "lin", "input_shape": [10], "layers": [
                            {"type": "dense", "features": 8}, {"type": "tanh"}, {"type": "dense", "features": 5}]})")},
                         {"dataset", "synthetic-regression:128"},
                         {"optimizer", {{"name", "sgd"}, {"lr", 0.05}, {"momentum", 0.9}}},
                         {"batch_size", 16},
                         {"epochs", 2},
                         {"checkpoint_every", 1}};
    const std::string db = (dir_.path() + "/runs.db").toStdString();
    train::Trainer t(train::RunConfig::from_json(config), {.db_path = db, .snapshots = true});
    std::vector<std::shared_ptr<const train::TrainSnapshot>> snaps;
    t.start();
    for (bool done = false; !done;)
      for (const train::Event& e : t.wait_events(50ms)) {
        done = done || (e.type == train::EventType::status && train::is_final(e.status));
        if (e.type == train::EventType::epoch) {
          QVERIFY(e.snapshot);
          snaps.push_back(e.snapshot);
        } else {
          QVERIFY(!e.snapshot);
        }
      }
    t.join();
    QCOMPARE(t.result().status, train::TrainerStatus::finished);
    QCOMPARE(snaps.size(), size_t{2});
    const std::vector<runs::Checkpoint> ckpts = runs::RunStore(runs::RunStoreOptions{.path = db}).checkpoints(t.run_id());
    QCOMPARE(ckpts.size(), size_t{2});
    for (size_t i = 0; i < 2; ++i) {
      // The checkpoint read back as a snapshot has the same tree, leaf for leaf.
      const train::TrainSnapshot ck = train::snapshot_from_checkpoint(ckpts[i].path);
      QCOMPARE(snaps[i]->step, ckpts[i].step);
      QCOMPARE(ck.step, ckpts[i].step);
      QCOMPARE(snaps[i]->epoch, static_cast<int64_t>(i + 1));
      QCOMPARE(ck.epoch, static_cast<int64_t>(i + 1));
      const auto leaves = tree_flatten_with_path(snaps[i]->tree());
      const auto ck_leaves = tree_flatten_with_path(ck.tree());
      QCOMPARE(leaves.size(), ck_leaves.size());
      QVERIFY(tree_get(snaps[i]->tree(), "opt_state").size() > 0);
      for (size_t j = 0; j < leaves.size(); ++j) {
        QCOMPARE(leaves[j].first.slash(), ck_leaves[j].first.slash());
        QVERIFY2(leaves[j].second.array().same_values(ck_leaves[j].second.array()), leaves[j].first.slash().c_str());
      }
    }
    const Array k1 = tree_get(snaps[0]->variables, "params/Dense_0/kernel").leaf().array();
    const Array k2 = tree_get(snaps[1]->variables, "params/Dense_0/kernel").leaf().array();
    QVERIFY(!k1.same_values(k2));
  }
};

QTEST_GUILESS_MAIN(LeafStatsTest)
#include "leaf_stats_test.moc"
