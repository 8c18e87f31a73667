// What a Trainer reports while it runs, and the queue that carries it to whoever watches (the
// CLI's progress bar, the GUI's dashboard).
//
// The queue is bounded and never blocks the trainer: when it is full the oldest *step* event is
// dropped (epoch, status and error events are always kept), and dropped() counts the losses. A
// watcher either polls (drain() on a GUI timer) or waits (wait_drain(timeout) in a CLI loop); an
// optional notify callback runs on the trainer's thread after each push, for a GUI to post one
// queued signal (it must not block or touch widgets).
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace engine::train {

struct TrainSnapshot;  // engine/train/snapshot.h

// idle: not started; starting: loading data, building and compiling; then running/paused; the
// last four are final (the run's status in the store has the same name).
enum class TrainerStatus { idle, starting, running, paused, finished, stopped, diverged, failed };
std::string_view status_name(TrainerStatus status);
bool is_final(TrainerStatus status);

enum class EventType {
  started,     // the run exists (run_id set) and training is about to begin
  step,        // every log_every steps: window means of train/loss, train/accuracy; throughput
  epoch,       // end of an epoch: train and test loss/accuracy, epoch seconds
  checkpoint,  // a checkpoint was written (message: its path)
  status,      // the status changed (paused, running, finished, stopped, diverged, failed)
  error,       // something failed (message says what); followed by status 'failed'
  phase,       // the loop entered a phase (phase and message name it; see kPhases)
};
// The phases a run goes through, in the order a run first enters them: "loading data",
// "compiling" (the first step of the process traces and compiles it), "training", "evaluating"
// (the test split after an epoch), "checkpointing"; then training, evaluating, ... again.
inline constexpr const char* kPhases[] = {"loading data", "compiling", "training", "evaluating", "checkpointing"};
std::string_view event_type_name(EventType type);

struct Event {
  EventType type = EventType::status;
  TrainerStatus status = TrainerStatus::idle;  // the trainer's status once this event happened
  // 0 while a new run is starting: its row is made only once the data, model and batch passed
  // their checks; set from the 'started' event on (a resumed run has its id throughout).
  int64_t run_id = 0;
  int64_t step = 0;         // optimizer steps done, over the whole run
  int64_t total_steps = 0;  // steps the run will take (epochs x steps per epoch)
  int64_t epoch = 0;        // the epoch this event belongs to, from 1
  int64_t epochs = 0;
  int64_t steps_per_epoch = 0;
  // step: train/loss, train/accuracy (means over the steps since the last step event).
  // epoch: train/loss, train/accuracy (epoch means), test/loss, test/accuracy, epoch/seconds.
  std::map<std::string, double> metrics;
  double elapsed_seconds = 0;       // since the trainer started
  // Training throughput since the first step of this process (which compiles) or the last
  // resume from a pause; 0 until measured.
  double examples_per_second = 0;
  double eta_seconds = -1;          // time left at that throughput; -1 unknown
  int64_t stored_metrics = 0;       // metric rows committed to the run database so far
  // The phase the loop is in when this event happens ("" before the first one).
  std::string phase;
  // step: the learning rate of the step just taken, exactly as the optimizer computed it (float32,
  // the schedule at that step); also recorded as the metric row train/learning_rate. 0 otherwise.
  double learning_rate = 0;
  std::string message;
  // epoch, when TrainerOptions::snapshots is on: a copy of the variables and optimizer state as
  // the epoch ended (shared, immutable; to_json leaves it out).
  std::shared_ptr<const TrainSnapshot> snapshot;
};

nlohmann::json to_json(const Event& event);

class EventQueue {
 public:
  explicit EventQueue(size_t capacity = 10000) : capacity_(capacity) {}

  void push(Event event);
  // Everything queued, oldest first; never blocks.
  std::vector<Event> drain();
  // Waits until something is queued or the timeout passes, then drains.
  std::vector<Event> wait_drain(std::chrono::milliseconds timeout);
  size_t size() const;
  int64_t dropped() const;
  void set_notify(std::function<void()> notify);

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Event> events_;
  size_t capacity_;
  int64_t dropped_ = 0;
  std::function<void()> notify_;
};

}  // namespace engine::train
