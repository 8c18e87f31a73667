#include "engine/train/trainer.h"

#include <omp.h>

#include "engine/core/error.h"
#include "engine/train/training_loop.h"

namespace engine::train {

Trainer::Trainer(RunConfig config, TrainerOptions options)
    : config_(std::move(config)), options_(std::move(options)), queue_(options_.event_capacity) {
  // A config built in code skipped from_json's checks: refuse it here, before any thread or
  // allocation, with the same messages.
  config_.validate();
}

Trainer::~Trainer() {
  stop();
  join();
}

void Trainer::start() {
  GS_CHECK(!thread_.joinable() && status_.load() == TrainerStatus::idle, "Trainer::start: already started");
  status_ = TrainerStatus::starting;
  thread_ = std::thread([this] { run(); });
}

void Trainer::pause() {
  std::lock_guard lock(control_mutex_);
  pause_requested_ = true;
}

void Trainer::resume() {
  {
    std::lock_guard lock(control_mutex_);
    pause_requested_ = false;
  }
  control_cv_.notify_all();
}

void Trainer::stop() {
  {
    std::lock_guard lock(control_mutex_);
    stop_ = true;
  }
  control_cv_.notify_all();
}

void Trainer::join() {
  if (thread_.joinable()) thread_.join();
}

TrainResult Trainer::result() const {
  std::lock_guard lock(result_mutex_);
  return result_;
}

void Trainer::publish(Event event) { queue_.push(std::move(event)); }

void Trainer::set_status(TrainerStatus status) { status_ = status; }

void Trainer::run() {
  // OpenMP's thread count is per thread: set on this one, it governs every kernel of the run.
  if (options_.threads > 0) omp_set_num_threads(options_.threads);
  TrainResult r;
  try {
    TrainingLoop loop(*this);
    r = loop.run();
  } catch (const std::exception& e) {
    // Failures before the run existed (e.g. resuming a run without checkpoints) end up here;
    // the loop records later ones in the store itself.
    r.status = TrainerStatus::failed;
    r.run_id = run_id_.load();
    r.message = e.what();
    Event err;
    err.type = EventType::error;
    err.status = TrainerStatus::failed;
    err.run_id = r.run_id;
    err.message = r.message;
    publish(err);
  }
  {
    std::lock_guard lock(result_mutex_);
    result_ = r;
  }
  // The final status event comes last, after the result is readable, so a watcher that sees it
  // can call result() at once.
  status_ = r.status;
  Event done;
  done.type = EventType::status;
  done.status = r.status;
  done.run_id = r.run_id;
  done.step = r.steps;
  done.message = r.message;
  done.metrics = r.final_metrics;
  publish(done);
}

}  // namespace engine::train
