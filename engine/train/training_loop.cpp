#include "engine/train/training_loop.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <unistd.h>

#include "engine/backend/backend.h"
#include "engine/core/error.h"
#include "engine/data/batcher.h"
#include "engine/random/random.h"
#include "engine/train/metrics.h"
#include "engine/train/snapshot.h"
#include "engine/train/train_steps.h"

namespace engine::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Restores the thread's default backend when the loop ends, however it ends.
struct BackendScope {
  explicit BackendScope(const std::string& name) {
    Backend* b = find_backend(name);
    GS_CHECK(b, "backend: unknown backend '" + name + "'");
    set_default_backend(b);
  }
  ~BackendScope() { set_default_backend(nullptr); }
};

std::string checkpoint_path(const std::string& dir, int64_t step) {
  char name[64];
  std::snprintf(name, sizeof name, "step-%08" PRId64 ".safetensors", step);
  return (fs::path(dir) / name).string();
}

// Beside the database and named after it, so two databases in one folder never share a folder
// of checkpoints (their run ids overlap): runs.db -> runs.checkpoints/run-7/.
std::string default_checkpoint_dir(const std::string& db_path, int64_t run_id) {
  const fs::path db(db_path);
  return (db.parent_path() / (db.stem().string() + ".checkpoints") / ("run-" + std::to_string(run_id))).string();
}

// The checkpoint folder is made at the first checkpoint: refuse now, before the run exists,
// when it could not be (its nearest existing ancestor is no writable folder).
void check_can_create_folder(const fs::path& dir) {
  std::error_code ec;
  fs::path existing = fs::absolute(dir, ec);
  if (ec) existing = dir;
  while (!existing.empty() && !fs::exists(existing, ec) && existing != existing.parent_path())
    existing = existing.parent_path();
  GS_CHECK(fs::is_directory(existing, ec),
           "checkpoint folder '" + dir.string() + "' cannot be made: '" + existing.string() + "' is not a folder");
  GS_CHECK(::access(existing.c_str(), W_OK) == 0,
           "checkpoint folder '" + dir.string() + "' cannot be made: '" + existing.string() + "' is not writable");
}

}  // namespace

struct TrainingLoop::Prepared {
  data::Dataset ds;
  nn::Sequential model = nn::Sequential({});
  Task task;
  TrainState state;
};

TrainingLoop::TrainingLoop(Trainer& trainer) : t_(trainer), config_(trainer.config_), started_(Clock::now()) {}

double TrainingLoop::elapsed() const { return std::chrono::duration<double>(Clock::now() - started_).count(); }

Event TrainingLoop::event(EventType type) const {
  Event e;
  e.type = type;
  e.status = t_.status();
  e.run_id = run_id_;
  e.step = step_;
  e.total_steps = total_steps_;
  e.epoch = epoch_ + 1;
  e.epochs = config_.epochs;
  e.steps_per_epoch = steps_per_epoch_;
  e.elapsed_seconds = elapsed();
  e.examples_per_second = examples_per_second_;
  e.eta_seconds = eta_;
  e.stored_metrics = stored_;
  e.phase = phase_;
  return e;
}

void TrainingLoop::enter_phase(const char* phase) {
  phase_ = phase;
  Event e = event(EventType::phase);
  e.message = phase_;
  t_.publish(e);
}

void TrainingLoop::log(runs::RunStore& store, const std::string& name, double value) {
  store.log_metric(run_id_, step_, epoch_ + 1, name, value, elapsed());
  ++logged_;
  stored_ = logged_ - static_cast<int64_t>(store.pending_metrics());
}

bool TrainingLoop::between_steps() {
  std::unique_lock lock(t_.control_mutex_);
  if (t_.stop_) return false;
  if (!t_.pause_requested_) return true;
  // Events go out without the control lock held: a notify callback may call pause() or stop().
  lock.unlock();
  t_.set_status(TrainerStatus::paused);
  t_.publish(event(EventType::status));
  lock.lock();
  t_.control_cv_.wait(lock, [&] { return !t_.pause_requested_ || t_.stop_; });
  const bool stop = t_.stop_;
  lock.unlock();
  if (stop) return false;
  t_.set_status(TrainerStatus::running);
  t_.publish(event(EventType::status));
  waited_ = true;
  return true;
}

TrainResult TrainingLoop::run() {
  BackendScope backend(config_.backend);
  // The mode is process-wide: a run in partitionable mode switches it for its duration.
  random::ScopedPrngMode prng(random::parse_prng_mode(config_.prng, "prng"));
  runs::RunStore store(runs::RunStoreOptions{
      .path = t_.options_.db_path,
      .flush_rows = t_.options_.flush_rows,
      .flush_interval = std::chrono::milliseconds(t_.options_.flush_interval_ms)});
  if (t_.options_.resume_run) {
    run_id_ = *t_.options_.resume_run;
    store.get_run(run_id_);  // throws naming the database when there is no such run
  }
  t_.run_id_ = run_id_;
  t_.publish(event(EventType::status));  // starting (run 0 until a new run exists)
  Prepared prepared = prepare(store);
  if (!t_.options_.resume_run) {
    runs::RunInfo info{.name = config_.display_name(),
                       .config = config_.to_json(),
                       .model_spec = config_.model,
                       .dataset = config_.dataset,
                       .backend = config_.backend,
                       .device = "cpu",
                       .seed = config_.seed,
                       .tags = config_.tags,
                       .notes = config_.notes};
    run_id_ = store.create_run(info);
    t_.run_id_ = run_id_;
  }
  try {
    return train(store, run_id_, prepared);
  } catch (const std::exception& e) {
    TrainResult r;
    r.status = TrainerStatus::failed;
    r.run_id = run_id_;
    r.steps = step_;
    r.message = e.what();
    Event err = event(EventType::error);
    err.status = TrainerStatus::failed;
    err.message = r.message;
    t_.publish(err);
    // A resumed run that failed before it was taken over keeps its old status.
    try {
      if (!t_.options_.resume_run || store.get_run(run_id_).status == runs::RunStatus::running)
        store.set_status(run_id_, runs::RunStatus::failed, r.message);
    } catch (const std::exception& again) {
      r.message += std::string(" (and recording the failure failed: ") + again.what() + ")";
    }
    return r;
  }
}

TrainingLoop::Prepared TrainingLoop::prepare(const runs::RunStore& store) {
  enter_phase("loading data");
  Prepared p;
  p.ds = load_run_dataset(config_.dataset, config_.limit);
  p.model = config_.build_model();
  p.task = task_for(p.model, p.ds, config_.batch_size);
  // drop_remainder: a short last batch is dropped (the Batcher agrees).
  const int64_t batches = p.ds.train.size() / config_.batch_size;
  GS_CHECK(batches > 0, "dataset '" + config_.dataset + "' has " + std::to_string(p.ds.train.size()) +
                            " training examples: not one batch of " + std::to_string(config_.batch_size) +
                            " (batch_size); lower the batch size or use more examples");
  p.state = initial_state(config_, p.model, batches);
  check_can_create_folder(!t_.options_.checkpoint_dir.empty()
                              ? fs::path(t_.options_.checkpoint_dir)
                              : fs::path(default_checkpoint_dir(store.path(), 0)).parent_path());
  return p;
}

TrainResult TrainingLoop::train(runs::RunStore& store, int64_t run_id, Prepared& p) {
  data::Dataset& ds = p.ds;
  const nn::Sequential& model = p.model;
  const Task task = p.task;
  TrainState& state = p.state;

  const std::string ckpt_dir =
      !t_.options_.checkpoint_dir.empty()
          ? t_.options_.checkpoint_dir
          : default_checkpoint_dir(store.path(), run_id);
  runs::Metadata resumed_metadata;
  if (t_.options_.resume_run) {
    std::vector<runs::Checkpoint> ckpts = store.checkpoints(run_id);
    GS_CHECK(!ckpts.empty(), "run " + std::to_string(run_id) + " has no checkpoint to resume from");
    state = load_checkpoint(ckpts.back().path, state, &resumed_metadata);
    step_ = static_cast<int64_t>(state.step.item());
    store.resume_run(run_id, step_);
  }

  const Array seed_key = random::PRNGKey(config_.seed);
  data::Batcher batcher(ds.train, config_.batch_size, random::fold_in(seed_key, 1), /*shuffle=*/true,
                        /*drop_remainder=*/true);
  const Array dropout_root = random::fold_in(seed_key, 2);
  steps_per_epoch_ = batcher.num_batches();
  GS_CHECK(steps_per_epoch_ > 0, "dataset '" + config_.dataset + "' has " + std::to_string(ds.train.size()) +
                                     " training examples: not one batch of " + std::to_string(config_.batch_size));
  total_steps_ = config_.epochs * steps_per_epoch_;
  GS_CHECK(step_ <= total_steps_, "the checkpoint is at step " + std::to_string(step_) + ", past the run's " +
                                      std::to_string(total_steps_) + " steps");
  epoch_ = std::min(step_ / steps_per_epoch_, config_.epochs - 1);
  // The running means of the epoch so far: a checkpoint taken mid-epoch (a stop) carries the
  // sums of its steps, so the resumed epoch's train/loss and train/accuracy are the means over
  // all of its steps, not only those since the restart.
  MetricsAccumulator epoch_means;
  if (auto it = resumed_metadata.find("epoch_metrics");
      it != resumed_metadata.end() && step_ > epoch_ * steps_per_epoch_ &&
      resumed_metadata["epoch"] == std::to_string(epoch_)) {
    try {
      epoch_means.restore(nlohmann::json::parse(it->second));
    } catch (const std::exception& e) {
      throw Error("checkpoint of run " + std::to_string(run_id) + ": bad epoch_metrics: " + e.what());
    }
  }
  // The first step of the process traces and compiles the step: "training" begins after it.
  enter_phase("compiling");
  bool compiled = false;
  // What the optimizer multiplies by, evaluated at each logged step (the state's step count).
  const optim::ScalarOrSchedule learning_rate =
      config_.build_learning_rate(std::max<int64_t>(1, ds.train.size() / config_.batch_size));
  const JitFn train_step = make_train_step(state, model, task);
  const JitFn eval_step = make_eval_step(model, task);

  t_.set_status(TrainerStatus::running);
  t_.publish(event(EventType::started));

  int64_t saved_step = t_.options_.resume_run ? step_ : -1;  // the newest checkpoint's step
  auto save = [&](const TrainState& s) {
    if (saved_step == step_) return;  // e.g. stopped right after an epoch's checkpoint
    saved_step = step_;
    enter_phase("checkpointing");
    fs::create_directories(ckpt_dir);
    const std::string path = checkpoint_path(ckpt_dir, step_);
    save_checkpoint(path, s, epoch_, run_id, {{"epoch_metrics", epoch_means.totals().dump()}});
    store.add_checkpoint(run_id, step_, path);
    Event e = event(EventType::checkpoint);
    e.message = path;
    t_.publish(e);
  };
  auto finish = [&](TrainerStatus status, std::string message, std::map<std::string, double> metrics = {}) {
    TrainResult r{.status = status, .run_id = run_id, .steps = step_, .final_metrics = std::move(metrics),
                  .message = std::move(message)};
    if (status == TrainerStatus::finished) store.finish_run(run_id, r.final_metrics);
    else store.set_status(run_id, runs::status_from_name(status_name(status)), r.message);
    return r;
  };

  PyTree tree = state.to_tree();
  std::map<std::string, double> last;  // the latest epoch's metrics: the run's final ones
  // Throughput is measured from the end of the first step of this process (which compiles) and
  // from every resume after a pause, so neither counts as training time.
  bool window_open = false;
  Clock::time_point window_start{};
  int64_t window_examples = 0;
  for (; epoch_ < config_.epochs; ++epoch_) {
    batcher.start_epoch(epoch_);
    if (step_ == epoch_ * steps_per_epoch_) epoch_means.reset();  // else resumed mid-epoch: restored above
    MetricsAccumulator window_means;
    const auto epoch_start = Clock::now();
    if (compiled) enter_phase("training");
    for (int64_t i = step_ - epoch_ * steps_per_epoch_; i < steps_per_epoch_; ++i) {
      if (!between_steps()) {
        save(state.from_tree(tree));
        return finish(TrainerStatus::stopped, "stopped at step " + std::to_string(step_));
      }
      if (waited_) window_open = false;
      waited_ = false;
      auto [x, y] = batcher.batch(i);
      const Array dropout_key = random::fold_in(dropout_root, static_cast<uint32_t>(step_));
      // The tree is donated: from an epoch's second step on nothing else holds its arrays, so
      // the step updates parameters and optimizer state in place (Executable::run).
      PyTree out = train_step(std::move(tree), Tensor(x), Tensor(y), Tensor(dropout_key));
      const double loss = out[1].leaf().item(), acc = out[2].leaf().item();
      ++step_;
      if (!compiled) {
        compiled = true;
        enter_phase("training");
      }
      const double n = static_cast<double>(x.shape()[0]);
      if (!std::isfinite(loss)) {
        log(store, "train/loss", loss);
        char lr[32];
        std::snprintf(lr, sizeof lr, "%g", config_.optimizer.lr);
        return finish(TrainerStatus::diverged, "the loss became " + std::string(std::isnan(loss) ? "NaN" : "infinite") +
                                                   " at step " + std::to_string(step_) + " (epoch " +
                                                   std::to_string(epoch_ + 1) + "); try a lower learning rate than " +
                                                   lr + " (optimizer.lr)");
      }
      tree = out[0];
      epoch_means.add("loss", loss, n);
      window_means.add("loss", loss, n);
      if (task.classification) {
        epoch_means.add("accuracy", acc, n);
        window_means.add("accuracy", acc, n);
      }
      if (!window_open) {
        window_open = true;
        window_start = Clock::now();
        window_examples = 0;
      } else {
        window_examples += static_cast<int64_t>(n);
        const double secs = std::chrono::duration<double>(Clock::now() - window_start).count();
        if (secs > 0) {
          examples_per_second_ = static_cast<double>(window_examples) / secs;
          eta_ = static_cast<double>(total_steps_ - step_) * config_.batch_size / examples_per_second_;
        }
      }
      if (step_ % config_.log_every == 0 || i + 1 == steps_per_epoch_) {
        Event e = event(EventType::step);
        for (const auto& [name, value] : window_means.means()) {
          log(store, "train/" + name, value);
          e.metrics["train/" + name] = value;
        }
        e.learning_rate = learning_rate_at(learning_rate, step_ - 1);
        log(store, "train/learning_rate", e.learning_rate);
        e.stored_metrics = stored_;
        window_means.reset();
        t_.publish(e);
      }
    }
    // End of an epoch: its means, the test split, a checkpoint.
    state = state.from_tree(tree);
    Event e = event(EventType::epoch);
    // Copied now, before the next step is donated the tree (see snapshot.h).
    if (t_.options_.snapshots) e.snapshot = std::make_shared<const TrainSnapshot>(take_snapshot(state, epoch_ + 1));
    for (const auto& [name, value] : epoch_means.means()) e.metrics["train/" + name] = value;
    const bool last_epoch = epoch_ + 1 == config_.epochs;
    const bool eval_due = (config_.eval_every > 0 && (epoch_ + 1) % config_.eval_every == 0) || last_epoch;
    if (eval_due && ds.test.size() > 0) {
      enter_phase("evaluating");
      EvalResult r = evaluate(eval_step, state.variables(), ds.test, task, config_.eval_batch_size);
      e.metrics["test/loss"] = r.loss;
      if (task.classification) e.metrics["test/accuracy"] = r.accuracy;
    }
    e.metrics["epoch/seconds"] = std::chrono::duration<double>(Clock::now() - epoch_start).count();
    for (const auto& [name, value] : e.metrics) {
      const std::string stored = name.rfind("train/", 0) == 0 ? "epoch/" + name.substr(6) : name;
      log(store, stored, value);
    }
    store.flush();  // an epoch's numbers are never left buffered
    stored_ = logged_;
    e.stored_metrics = stored_;
    e.phase = phase_;  // made before the evaluation
    for (const auto& [name, value] : e.metrics)
      if (name != "epoch/seconds") last[name] = value;
    t_.publish(e);
    if (last_epoch || (config_.checkpoint_every > 0 && (epoch_ + 1) % config_.checkpoint_every == 0)) save(state);
  }
  --epoch_;  // events after the loop belong to the last epoch
  last["steps"] = static_cast<double>(step_);
  last["seconds"] = elapsed();
  return finish(TrainerStatus::finished, "", last);
}

}  // namespace engine::train
