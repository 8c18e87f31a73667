// The body of a Trainer's thread (internal to engine/train): build, train, evaluate, record.
#pragma once
#include <chrono>
#include <memory>

#include "engine/runs/run_store.h"
#include "engine/train/trainer.h"

namespace engine::train {

class TrainingLoop {
 public:
  explicit TrainingLoop(Trainer& trainer);
  // Runs the whole training; failures after the run was created are recorded in the store and
  // returned as status 'failed'. Failures before it throw: everything the config, model and
  // dataset can be checked for (loading the data, shapes, the optimizer, a batch, the checkpoint
  // folder) is checked before the run's row exists, so a refused run leaves no row behind.
  TrainResult run();

 private:
  struct Prepared;  // the data, model, task and initial state, built before the run exists
  Prepared prepare(const runs::RunStore& store);
  TrainResult train(runs::RunStore& store, int64_t run_id, Prepared& p);
  // Blocks while paused (reporting paused/running); false when a stop was requested.
  bool between_steps();
  Event event(EventType type) const;  // stamped with the run's progress so far
  void enter_phase(const char* phase);  // publishes a phase event
  void log(runs::RunStore& store, const std::string& name, double value);
  double elapsed() const;

  Trainer& t_;
  const RunConfig& config_;
  std::chrono::steady_clock::time_point started_;
  int64_t run_id_ = 0, step_ = 0, total_steps_ = 0, epoch_ = 0, steps_per_epoch_ = 0;
  int64_t logged_ = 0, stored_ = 0;
  double examples_per_second_ = 0, eta_ = -1;
  std::string phase_;
  bool waited_ = false;  // the last between_steps() paused: restart the throughput window
};

}  // namespace engine::train
