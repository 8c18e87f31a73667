// Trainer: the event sequence of a whole run and what it leaves in the runs database, pause and
// stop between steps, resume from the stop's checkpoint giving the same result as an unbroken
// run, divergence, failure, determinism from the seed, two trainers at once, and BatchNorm's
// statistics in the checkpoint. Runs use tiny data (synthetic regression, a Fashion-MNIST slice).
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "engine/core/error.h"
#include "engine/runs/run_store.h"
#include "engine/runs/safetensors.h"
#include "engine/train/train_steps.h"
#include "engine/train/trainer.h"
#include "engine/optim/schedule.h"
#include "test_support.h"

using namespace engine;
using namespace engine::train;
using nlohmann::json;

namespace {

using namespace std::chrono_literals;

json regression_config(const std::string& data = "synthetic-regression:256") {
  return json{{"model", json::parse(R"({"name": "lin", "input_shape": [10], "layers": [
                 {"type": "dense", "features": 16}, {"type": "tanh"}, {"type": "dense", "features": 5}]})")},
              {"dataset", data},
              {"optimizer", {{"name", "sgd"}, {"lr", 0.05}, {"momentum", 0.9}}},
              {"batch_size", 16},
              {"epochs", 2},
              {"log_every", 4}};
}

// Runs to the end, collecting every event.
std::vector<Event> run_all(Trainer& t) {
  std::vector<Event> all;
  t.start();
  for (bool done = false; !done;) {
    for (Event& e : t.wait_events(50ms)) {
      done = done || (e.type == EventType::status && is_final(e.status));
      all.push_back(std::move(e));
    }
  }
  t.join();
  return all;
}

// Waits for the first event matching pred (pulling everything before it).
template <class P>
Event wait_for(Trainer& t, P pred) {
  for (int i = 0; i < 1200; ++i)
    for (const Event& e : t.wait_events(50ms))
      if (pred(e)) return e;
  throw Error("wait_for: no such event within a minute");
}

std::vector<double> epoch_values(const std::vector<Event>& events, const std::string& metric) {
  std::vector<double> out;
  for (const Event& e : events)
    if (e.type == EventType::epoch) out.push_back(e.metrics.at(metric));
  return out;
}

}  // namespace

class TrainerTest : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string db() { return (dir_.path() + "/runs.db").toStdString(); }
  TrainerOptions opts() { return {.db_path = db(), .flush_rows = 16, .flush_interval_ms = 100000}; }

 private slots:
  // A full queue drops its oldest step events, never the others; a notify runs per push; waiting
  // on an empty queue returns nothing after the timeout.
  void eventQueueIsBounded() {
    EventQueue q(3);
    int notified = 0;
    q.set_notify([&] { ++notified; });
    auto ev = [](EventType type, int64_t step) {
      Event e;
      e.type = type;
      e.step = step;
      return e;
    };
    q.push(ev(EventType::step, 1));
    q.push(ev(EventType::epoch, 2));
    q.push(ev(EventType::step, 3));
    q.push(ev(EventType::step, 4));  // drops step 1
    q.push(ev(EventType::status, 5));  // drops step 3
    QCOMPARE(q.dropped(), int64_t(2));
    QCOMPARE(notified, 5);
    std::vector<Event> got = q.drain();
    QCOMPARE(got.size(), size_t(3));
    QCOMPARE(got[0].step, int64_t(2));
    QCOMPARE(got[1].step, int64_t(4));
    QCOMPARE(got[2].step, int64_t(5));
    QVERIFY(q.wait_drain(10ms).empty());
    // Only non-step events: a step event arriving at a full queue is the one dropped.
    for (int i = 0; i < 3; ++i) q.push(ev(EventType::epoch, i));
    q.push(ev(EventType::step, 9));
    QCOMPARE(q.size(), size_t(3));
    QCOMPARE(q.dropped(), int64_t(3));
    const json j = to_json(q.drain()[0]);
    QCOMPARE(j["event"].get<std::string>(), std::string("epoch"));
  }

  // dataset.limit keeps a fixed random subset of each split, in file order.
  void limitTakesAFixedRandomSubset() {
    const data::Dataset full = load_run_dataset("synthetic-regression:1000", 0);
    const data::Dataset a = load_run_dataset("synthetic-regression:1000", 100);
    const data::Dataset b = load_run_dataset("synthetic-regression:1000", 100);
    QCOMPARE(a.train.size(), int64_t(100));
    QCOMPARE(a.test.size(), int64_t(100));
    QCOMPARE(a.train.x.to_vector<float>(), b.train.x.to_vector<float>());
    QVERIFY(a.train.x.to_vector<float>() != a.test.x.to_vector<float>());  // one stream per split
    // Evaluation loads the test split alone, and must draw the same subset of it.
    const data::Dataset t = load_run_dataset("synthetic-regression:1000", 100, data::Splits::test_only);
    QCOMPARE(t.train.size(), int64_t(0));
    QCOMPARE(t.test.x.to_vector<float>(), a.test.x.to_vector<float>());
    const std::vector<float> fx = full.train.x.to_vector<float>(), sx = a.train.x.to_vector<float>();
    const std::vector<float> fy = full.train.y.to_vector<float>(), sy = a.train.y.to_vector<float>();
    int64_t previous = -1;
    for (int64_t i = 0; i < 100; ++i) {  // each row is a row of the full split, later than the last
      int64_t at = -1;
      for (int64_t j = 0; j < 1000 && at < 0; ++j)
        if (std::equal(sx.begin() + i * 10, sx.begin() + i * 10 + 10, fx.begin() + j * 10)) at = j;
      QVERIFY(at > previous);
      QCOMPARE(sy[i * 5], fy[at * 5]);
      previous = at;
    }
    QVERIFY(previous > 500);  // drawn from the whole split, not its start
    QCOMPARE(load_run_dataset("synthetic-regression:50", 100).train.size(), int64_t(50));
  }

  void eventsInOrderAndRecorded() {
    Trainer t(RunConfig::from_json(regression_config()), opts());
    QCOMPARE(t.status(), TrainerStatus::idle);
    // Phase events come between the others (phasesArriveInOrder checks them); here the rest.
    std::vector<Event> ev = run_all(t);
    std::erase_if(ev, [](const Event& e) { return e.type == EventType::phase; });
    QVERIFY(ev.size() > 5);
    QCOMPARE(ev.front().type, EventType::status);
    QCOMPARE(ev.front().status, TrainerStatus::starting);
    QCOMPARE(ev[1].type, EventType::started);
    const int64_t run = ev[1].run_id;
    QVERIFY(run > 0);
    QCOMPARE(ev[1].total_steps, int64_t(2 * 256 / 16));
    QCOMPARE(ev.back().type, EventType::status);
    QCOMPARE(ev.back().status, TrainerStatus::finished);
    // Steps only grow; step events every 4 steps; two epoch events with test numbers; one
    // checkpoint per epoch (checkpoint_every 1).
    // 'starting' comes before the run exists: data, model and batch are checked first (#24).
    QCOMPARE(ev.front().run_id, int64_t(0));
    int64_t last_step = 0, steps = 0, epochs = 0, ckpts = 0;
    for (const Event& e : ev) {
      QVERIFY(e.step >= last_step);
      last_step = e.step;
      if (e.status != TrainerStatus::starting) QCOMPARE(e.run_id, run);
      if (e.type == EventType::step) {
        ++steps;
        QCOMPARE(e.step % 4, int64_t(0));
        QVERIFY(e.metrics.count("train/loss"));
        QVERIFY(!e.metrics.count("train/accuracy"));  // regression
      }
      if (e.type == EventType::epoch) {
        ++epochs;
        QVERIFY(e.metrics.count("test/loss") && e.metrics.count("train/loss"));
        QCOMPARE(e.step, e.epoch * 16);
      }
      if (e.type == EventType::checkpoint) {
        ++ckpts;
        QVERIFY(std::filesystem::exists(e.message));
      }
    }
    QCOMPARE(steps, int64_t(8));
    QCOMPARE(epochs, int64_t(2));
    QCOMPARE(ckpts, int64_t(2));
    const std::vector<double> loss = epoch_values(ev, "train/loss");
    QVERIFY2(loss[1] < loss[0], "the loss should fall from epoch 1 to 2");
    const TrainResult r = t.result();
    QCOMPARE(r.status, TrainerStatus::finished);
    QCOMPARE(r.steps, int64_t(32));
    QCOMPARE(r.final_metrics.at("test/loss"), epoch_values(ev, "test/loss")[1]);

    runs::RunStore store(db());
    const runs::RunRecord rec = store.get_run(run);
    QCOMPARE(rec.status, runs::RunStatus::finished);
    QCOMPARE(rec.name, std::string("lin-synthetic-regression:256"));
    QCOMPARE(rec.final_metrics.at("test/loss"), r.final_metrics.at("test/loss"));
    QCOMPARE(RunConfig::from_json(rec.config).to_json(), t.config().to_json());
    QCOMPARE(store.metrics(run, "train/loss").size(), size_t(8));
    QCOMPARE(store.metrics(run, "test/loss").size(), size_t(2));
    QCOMPARE(store.metrics(run, "epoch/loss").back().value, loss[1]);
    const auto ck = store.checkpoints(run);
    QCOMPARE(ck.size(), size_t(2));
    QCOMPARE(ck.back().step, int64_t(32));
    QCOMPARE(ck.back().path, (dir_.path() + "/runs.checkpoints/run-" + QString::number(run) +
                              "/step-00000032.safetensors").toStdString());
    // The checkpoint holds the state: step, params, the momentum trace.
    runs::SafetensorsFile f = runs::load_safetensors(ck.back().path);
    QCOMPARE(f.metadata.at("step"), std::string("32"));
    std::vector<std::string> names;
    for (const auto& [name, a] : f.tensors) names.push_back(name);
    QVERIFY(std::find(names.begin(), names.end(), "params/Dense_1/kernel") != names.end());
    QVERIFY(std::find(names.begin(), names.end(), "step") != names.end());
    QVERIFY(std::any_of(names.begin(), names.end(), [](const std::string& n) { return n.find("trace") != std::string::npos; }));
  }

  void sameSeedSameNumbers() {
    Trainer a(RunConfig::from_json(regression_config()), opts());
    Trainer b(RunConfig::from_json(regression_config()), opts());
    json other = regression_config();
    other["seed"] = 1;
    Trainer c(RunConfig::from_json(other), opts());
    const auto ea = run_all(a), eb = run_all(b), ec = run_all(c);
    QCOMPARE(epoch_values(ea, "train/loss"), epoch_values(eb, "train/loss"));
    QCOMPARE(epoch_values(ea, "test/loss"), epoch_values(eb, "test/loss"));
    QVERIFY(epoch_values(ea, "test/loss") != epoch_values(ec, "test/loss"));
  }

  // Two trainers in their own threads at once, each giving what it gives alone.
  void twoTrainersAtOnce() {
    json cfg2 = regression_config();
    cfg2["seed"] = 5;
    cfg2["optimizer"] = {{"name", "adam"}, {"lr", 0.01}};
    Trainer alone1(RunConfig::from_json(regression_config()), opts());
    Trainer alone2(RunConfig::from_json(cfg2), opts());
    const auto s1 = epoch_values(run_all(alone1), "test/loss");
    const auto s2 = epoch_values(run_all(alone2), "test/loss");
    Trainer t1(RunConfig::from_json(regression_config()), opts());
    Trainer t2(RunConfig::from_json(cfg2), opts());
    t1.start();
    t2.start();
    std::vector<Event> e1, e2;
    while (!(t1.done() && t2.done()) || t1.queue().size() || t2.queue().size()) {
      for (Event& e : t1.wait_events(10ms)) e1.push_back(e);
      for (Event& e : t2.wait_events(10ms)) e2.push_back(e);
    }
    t1.join();
    t2.join();
    QCOMPARE(t1.result().status, TrainerStatus::finished);
    QCOMPARE(t2.result().status, TrainerStatus::finished);
    QVERIFY(t1.run_id() != t2.run_id());
    QCOMPARE(epoch_values(e1, "test/loss"), s1);
    QCOMPARE(epoch_values(e2, "test/loss"), s2);
  }

  // Pause holds the trainer between steps; stop saves a checkpoint and the run is 'stopped';
  // resuming it finishes with exactly the numbers of a run that was never stopped.
  void pauseStopResume() {
    // 2048 steps an epoch, 4096 in all: far from done when we pause (512 once were, but a fast
    // machine runs them in 13 ms, about a thread wake-up on a busy one).
    constexpr int64_t kSteps = 4096;
    json cfg = regression_config("synthetic-regression:8192");
    cfg["batch_size"] = 4;
    cfg["log_every"] = 1;
    Trainer t(RunConfig::from_json(cfg), opts());
    t.start();
    wait_for(t, [](const Event& e) { return e.type == EventType::step; });
    t.pause();
    const Event paused = wait_for(t, [](const Event& e) { return e.status == TrainerStatus::paused; });
    QCOMPARE(t.status(), TrainerStatus::paused);
    for (const Event& e : t.wait_events(300ms)) QVERIFY(e.step == paused.step && e.type != EventType::step);
    QVERIFY(paused.step < paused.total_steps);
    t.resume();
    wait_for(t, [&](const Event& e) { return e.type == EventType::step && e.step > paused.step; });
    // Stop while paused again, so the step it stops at is known exactly.
    t.pause();
    const Event paused2 = wait_for(t, [](const Event& e) { return e.status == TrainerStatus::paused; });
    t.stop();
    const Event stopped = wait_for(t, [](const Event& e) { return is_final(e.status); });
    t.join();
    QCOMPARE(stopped.status, TrainerStatus::stopped);
    QCOMPARE(stopped.step, paused2.step);
    QVERIFY(stopped.step > paused.step && stopped.step < kSteps);
    const int64_t run = t.run_id();
    {
      runs::RunStore store(db());
      QCOMPARE(store.get_run(run).status, runs::RunStatus::stopped);
      QCOMPARE(store.checkpoints(run).back().step, stopped.step);
      QCOMPARE(store.metrics(run, "train/loss").back().step, stopped.step);
    }
    Trainer resumed(RunConfig::from_json(cfg), {.db_path = db(), .resume_run = run});
    const auto er = run_all(resumed);
    QCOMPARE(resumed.result().status, TrainerStatus::finished);
    QCOMPARE(resumed.run_id(), run);
    Trainer straight(RunConfig::from_json(cfg), opts());
    const auto es = run_all(straight);
    QCOMPARE(resumed.result().final_metrics.at("test/loss"), straight.result().final_metrics.at("test/loss"));
    runs::RunStore store(db());
    QCOMPARE(store.get_run(run).status, runs::RunStatus::finished);
    // Every step logged once: the stopped part plus the resumed part, no duplicates.
    const auto points = store.metrics(run, "train/loss");
    QCOMPARE(points.size(), size_t(kSteps));
    for (size_t i = 0; i < points.size(); ++i) QCOMPARE(points[i].step, int64_t(i + 1));
    QCOMPARE(points.back().value, store.metrics(straight.run_id(), "train/loss").back().value);
    // The epoch the stop cut through reports the means over all of its steps (#24): the
    // checkpoint carried the running sums, so they equal the unbroken run's exactly, and the mean
    // of the epoch's per-step losses in the database (log_every 1: one row per step).
    const auto straight_epoch_loss = epoch_values(es, "train/loss");
    QCOMPARE(straight_epoch_loss.size(), size_t(2));
    const int64_t stopped_epoch = stopped.step / (kSteps / 2) + 1;
    QVERIFY(std::any_of(er.begin(), er.end(),
                        [&](const Event& e) { return e.type == EventType::epoch && e.epoch == stopped_epoch; }));
    for (const Event& e : er) {
      if (e.type != EventType::epoch) continue;
      const size_t index = static_cast<size_t>(e.epoch - 1);
      QCOMPARE(e.metrics.at("train/loss"), straight_epoch_loss[index]);
      double sum = 0;
      int64_t count = 0;
      for (const auto& p : points)
        if (p.epoch == e.epoch) sum += p.value, ++count;
      QCOMPARE(count, kSteps / 2);
      QVERIFY(std::abs(sum / double(count) - e.metrics.at("train/loss")) <= 1e-9 * std::abs(sum / double(count)));
      QCOMPARE(store.metrics(run, "epoch/loss")[index].value, e.metrics.at("train/loss"));
    }
    QCOMPARE(store.metrics(run, "epoch/loss").size(), size_t(2));
  }

  // The loop names each phase as it enters it; every later event carries the phase it happened in.
  void phasesArriveInOrder() {
    Trainer t(RunConfig::from_json(regression_config()), opts());  // 2 epochs, eval + checkpoint each
    const std::vector<Event> ev = run_all(t);
    std::vector<std::string> phases;
    std::string current;
    for (const Event& e : ev) {
      if (e.type == EventType::phase) {
        QCOMPARE(e.phase, e.message);
        phases.push_back(e.phase);
        current = e.phase;
      } else if (e.type != EventType::status || !is_final(e.status)) {
        QCOMPARE(e.phase, current);
      }
      if (e.type == EventType::step) QCOMPARE(e.phase, std::string("training"));
      if (e.type == EventType::checkpoint) QCOMPARE(e.phase, std::string("checkpointing"));
      if (e.type == EventType::started) QCOMPARE(e.phase, std::string("compiling"));
    }
    const std::vector<std::string> want = {"loading data", "compiling",     "training", "evaluating",
                                           "checkpointing", "training",     "evaluating", "checkpointing"};
    QCOMPARE(phases, want);
    QCOMPARE(to_json(ev[1])["phase"], json("loading data"));
  }

  // Strict JSON has no NaN: a non-finite metric is one of the strings gradient-cli prints for them
  // everywhere (#24), not null, which would not say which one it was.
  void nonFiniteMetricsAreJsonStrings() {
    Event e;
    e.type = EventType::step;
    e.metrics = {{"a", std::nan("")}, {"b", INFINITY}, {"c", -INFINITY}, {"d", 0.5}};
    const json m = to_json(e)["metrics"];
    QCOMPARE(m["a"], json("NaN"));
    QCOMPARE(m["b"], json("Infinity"));
    QCOMPARE(m["c"], json("-Infinity"));
    QCOMPARE(m["d"], json(0.5));
  }

  // Step events carry the learning rate the optimizer used for the step just taken: optax's
  // schedule at count = step - 1, in float32; the same numbers go to the store as
  // train/learning_rate.
  void learningRateFollowsTheSchedule() {
    json cfg = regression_config();
    cfg["schedule"] = {{"type", "exponential_decay"}, {"transition_steps", 5}, {"decay_rate", 0.5}};
    cfg["log_every"] = 1;
    Trainer t(RunConfig::from_json(cfg), opts());
    const std::vector<Event> ev = run_all(t);
    QCOMPARE(t.result().status, TrainerStatus::finished);
    const optim::Schedule schedule = optim::exponential_decay(0.05, 5, 0.5);
    std::vector<double> seen;
    for (const Event& e : ev) {
      if (e.type != EventType::step) continue;
      const double want = schedule(Tensor(Array::scalar(double(e.step - 1), DType::i32))).item();
      QCOMPARE(e.learning_rate, want);
      QVERIFY(std::abs(e.learning_rate - 0.05 * std::pow(0.5, double(e.step - 1) / 5)) < 1e-8);
      QCOMPARE(to_json(e)["learning_rate"].get<double>(), e.learning_rate);
      seen.push_back(e.learning_rate);
    }
    QCOMPARE(seen.size(), size_t(32));
    QCOMPARE(seen[0], double(0.05f));   // count 0: the initial rate
    QCOMPARE(seen[5], double(0.025f));  // count 5: one transition, exactly half
    runs::RunStore store(db());
    const auto rows = store.metrics(t.run_id(), "train/learning_rate");
    QCOMPARE(rows.size(), seen.size());
    for (size_t i = 0; i < rows.size(); ++i) QCOMPARE(rows[i].value, seen[i]);
    // A constant rate is the float32 the update multiplies by.
    Trainer c(RunConfig::from_json(regression_config()), opts());
    for (const Event& e : run_all(c))
      if (e.type == EventType::step) QCOMPARE(e.learning_rate, double(0.05f));
  }

  void divergenceStopsTheRun() {
    json cfg = regression_config();
    cfg["optimizer"] = {{"name", "sgd"}, {"lr", 1e9}};
    Trainer t(RunConfig::from_json(cfg), opts());
    const auto ev = run_all(t);
    const TrainResult r = t.result();
    QCOMPARE(r.status, TrainerStatus::diverged);
    QVERIFY2(r.message.find("try a lower learning rate than 1e+09 (optimizer.lr)") != std::string::npos,
             r.message.c_str());
    QVERIFY(r.steps < 32);
    QCOMPARE(ev.back().status, TrainerStatus::diverged);
    runs::RunStore store(db());
    const runs::RunRecord rec = store.get_run(r.run_id);
    QCOMPARE(rec.status, runs::RunStatus::diverged);
    QCOMPARE(rec.error, r.message);
    QVERIFY(std::isnan(store.metrics(r.run_id, "train/loss").back().value) ||
            std::isinf(store.metrics(r.run_id, "train/loss").back().value));
  }

  void failureIsRecorded() {
    json cfg = regression_config();
    cfg["dataset"] = "mnist-idx:/no/such/folder";
    cfg["model"] = "builtin:mlp";
    const size_t runs_before = runs::RunStore(db()).list_runs().size();
    Trainer t(RunConfig::from_json(cfg), opts());
    const auto ev = run_all(t);
    QCOMPARE(t.result().status, TrainerStatus::failed);
    QVERIFY(std::any_of(ev.begin(), ev.end(), [](const Event& e) {
      return e.type == EventType::error && e.message.find("/no/such/folder") != std::string::npos;
    }));
    // Missing data is found before the run exists (#24): no failed row is left behind.
    QCOMPARE(t.run_id(), int64_t(0));
    QCOMPARE(runs::RunStore(db()).list_runs().size(), runs_before);
    // So is a batch larger than the training split, and a checkpoint folder that cannot be made.
    json big_batch = regression_config("synthetic-regression:20");
    big_batch["batch_size"] = 32;
    Trainer b(RunConfig::from_json(big_batch), opts());
    run_all(b);
    QCOMPARE(b.result().status, TrainerStatus::failed);
    QVERIFY2(b.result().message.find("has 20 training examples: not one batch of 32") != std::string::npos,
             b.result().message.c_str());
    const std::string file = (dir_.path() + "/a-file").toStdString();
    std::ofstream(file) << "x";
    TrainerOptions no_dir = opts();
    no_dir.checkpoint_dir = file + "/checkpoints";
    Trainer c(RunConfig::from_json(regression_config()), no_dir);
    run_all(c);
    QCOMPARE(c.result().status, TrainerStatus::failed);
    QVERIFY2(c.result().message.find("is not a folder") != std::string::npos, c.result().message.c_str());
    QCOMPARE(runs::RunStore(db()).list_runs().size(), runs_before);
    // A bad config never gets a thread: the constructor refuses it.
    RunConfig bad = RunConfig::from_json(regression_config());
    bad.batch_size = 0;
    QVERIFY_THROWS_EXCEPTION(Error, Trainer(bad, opts()));
  }

  // A classifier with BatchNorm on a Fashion-MNIST slice: accuracy is reported, and the
  // checkpoint carries the updated batch statistics.
  void cnnWithBatchNorm() {
    if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist")) QSKIP("Fashion-MNIST is not installed");
    json cfg = json{{"model", json::parse(R"({"name": "small-cnn", "input_shape": [28, 28, 1], "layers": [
                      {"type": "conv", "features": 4, "kernel_size": [3, 3]}, {"type": "batch_norm"},
                      {"type": "relu"}, {"type": "avg_pool", "window": [2, 2], "strides": [2, 2]},
                      {"type": "flatten"}, {"type": "dense", "features": 10}]})")},
                    {"dataset", {{"name", "fashion-mnist"}, {"limit", 64}}},
                    {"batch_size", 16},
                    {"log_every", 2}};
    Trainer t(RunConfig::from_json(cfg), opts());
    const auto ev = run_all(t);
    QCOMPARE(t.result().status, TrainerStatus::finished);
    const double acc = t.result().final_metrics.at("test/accuracy");
    QVERIFY(acc >= 0 && acc <= 1);
    QVERIFY(std::any_of(ev.begin(), ev.end(), [](const Event& e) { return e.metrics.count("train/accuracy"); }));
    runs::RunStore store(db());
    runs::SafetensorsFile f = runs::load_safetensors(store.checkpoints(t.run_id()).back().path);
    bool found = false;
    for (const auto& [name, a] : f.tensors) {
      if (name != "extra/batch_stats/BatchNorm_0/mean") continue;
      found = true;
      double moved = 0;
      for (float v : a.to_vector<float>()) moved += std::abs(v);
      QVERIFY(moved > 0);  // initialized to zeros; training moved them
    }
    QVERIFY(found);
  }
};

QTEST_APPLESS_MAIN(TrainerTest)
#include "trainer_test.moc"
