// Trainer: one training run in its own std::thread (DESIGN.md, "Training runtime, runs and the
// GUI"). It builds the data, model, optimizer and the jitted train step from a RunConfig, runs the
// epochs, records everything in a RunStore (its own connection, on its own thread) and reports
// Events through a queue that the caller drains without ever blocking the training.
//
//   train::Trainer t(config, {.db_path = "runs.db"});   // validates; throws engine::Error
//   t.start();
//   while (!t.done()) for (const train::Event& e : t.wait_events(100ms)) show(e);
//   for (const train::Event& e : t.events()) show(e);   // what came after the last wait
//
// pause(), resume() and stop() may be called from any thread; they take effect between steps.
// stop() saves a checkpoint and marks the run 'stopped'; a loss that becomes NaN or infinite
// marks it 'diverged'; an exception marks it 'failed' with the message (one found while checking
// the data, model, batch and checkpoint folder comes before the run's row exists: none is made,
// and run_id() stays 0). The destructor stops and joins. Several trainers may run at once (each
// has its own thread, step and store).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/train/events.h"
#include "engine/train/run_config.h"

namespace engine::train {

struct TrainerOptions {
  std::string db_path{};  // "" = runs::default_database_path()
  // Where checkpoints go: "" = <database folder>/<database name>.checkpoints/run-<id>/
  // (runs.db -> runs.checkpoints/run-7/).
  std::string checkpoint_dir{};
  // Continue this run from its last checkpoint instead of creating a new run (gradient-cli
  // resume). Its stored config is used; `config` must be that config.
  std::optional<int64_t> resume_run{};
  // OpenMP threads of the run's thread (its kernels' parallel regions); 0 = OpenMP's default
  // (OMP_NUM_THREADS, else every core). Not part of the config: it changes speed, not results.
  int threads = 0;
  size_t event_capacity = 10000;
  // Each epoch event carries a deep copy of the variables and optimizer state (Event::snapshot,
  // engine/train/snapshot.h) for the studio's Pytree Inspector: one memcpy of the state per epoch.
  bool snapshots = false;
  // Metric rows per transaction and the longest a row waits for one (RunStoreOptions).
  size_t flush_rows = 256;
  int flush_interval_ms = 500;
};

struct TrainResult {
  TrainerStatus status = TrainerStatus::idle;
  int64_t run_id = 0;
  int64_t steps = 0;
  std::map<std::string, double> final_metrics{};  // test/loss, test/accuracy, train/... at the end
  std::string message{};                        // why it stopped, for diverged and failed
};

class Trainer {
 public:
  Trainer(RunConfig config, TrainerOptions options = {});
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  void start();  // once
  void pause();
  void resume();
  void stop();
  // Waits for the thread to end (after start()).
  void join();
  bool done() const { return is_final(status()); }

  TrainerStatus status() const { return status_.load(); }
  int64_t run_id() const { return run_id_.load(); }  // 0 until the run is created
  const RunConfig& config() const { return config_; }
  // Valid once done().
  TrainResult result() const;

  std::vector<Event> events() { return queue_.drain(); }
  std::vector<Event> wait_events(std::chrono::milliseconds timeout) { return queue_.wait_drain(timeout); }
  EventQueue& queue() { return queue_; }

 private:
  friend class TrainingLoop;
  void run();
  void publish(Event event);
  void set_status(TrainerStatus status);

  RunConfig config_;
  TrainerOptions options_;
  EventQueue queue_;
  std::thread thread_;
  std::atomic<TrainerStatus> status_{TrainerStatus::idle};
  std::atomic<int64_t> run_id_{0};
  std::atomic<bool> stop_{false};
  std::mutex control_mutex_;
  std::condition_variable control_cv_;
  bool pause_requested_ = false;
  mutable std::mutex result_mutex_;
  TrainResult result_;
};

}  // namespace engine::train
