#include "engine/train/events.h"

#include <algorithm>
#include <cmath>

namespace engine::train {

std::string_view status_name(TrainerStatus status) {
  switch (status) {
    case TrainerStatus::idle: return "idle";
    case TrainerStatus::starting: return "starting";
    case TrainerStatus::running: return "running";
    case TrainerStatus::paused: return "paused";
    case TrainerStatus::finished: return "finished";
    case TrainerStatus::stopped: return "stopped";
    case TrainerStatus::diverged: return "diverged";
    case TrainerStatus::failed: return "failed";
  }
  return "unknown";
}

bool is_final(TrainerStatus status) {
  return status == TrainerStatus::finished || status == TrainerStatus::stopped ||
         status == TrainerStatus::diverged || status == TrainerStatus::failed;
}

std::string_view event_type_name(EventType type) {
  switch (type) {
    case EventType::started: return "started";
    case EventType::step: return "step";
    case EventType::epoch: return "epoch";
    case EventType::checkpoint: return "checkpoint";
    case EventType::status: return "status";
    case EventType::error: return "error";
    case EventType::phase: return "phase";
  }
  return "unknown";
}

nlohmann::json to_json(const Event& e) {
  nlohmann::json metrics = nlohmann::json::object();
  // JSON has no NaN: a diverged loss is the string "NaN" (or "Infinity", "-Infinity"), the one
  // spelling of every JSON gradient-cli prints (app/cli/json_io.h).
  for (const auto& [name, value] : e.metrics)
    metrics[name] = std::isnan(value)   ? nlohmann::json("NaN")
                    : std::isinf(value) ? nlohmann::json(value > 0 ? "Infinity" : "-Infinity")
                                        : nlohmann::json(value);
  nlohmann::json j{{"event", event_type_name(e.type)},
                   {"status", status_name(e.status)},
                   {"run", e.run_id},
                   {"step", e.step},
                   {"total_steps", e.total_steps},
                   {"epoch", e.epoch},
                   {"epochs", e.epochs},
                   {"steps_per_epoch", e.steps_per_epoch},
                   {"metrics", metrics},
                   {"elapsed_s", e.elapsed_seconds},
                   {"examples_per_s", e.examples_per_second},
                   {"eta_s", e.eta_seconds},
                   {"stored_metrics", e.stored_metrics}};
  if (!e.message.empty()) j["message"] = e.message;
  if (!e.phase.empty()) j["phase"] = e.phase;
  if (e.type == EventType::step) j["learning_rate"] = e.learning_rate;
  return j;
}

void EventQueue::push(Event event) {
  std::function<void()> notify;
  {
    std::lock_guard lock(mutex_);
    if (events_.size() >= capacity_) {
      // Step events are samples of a curve: losing the oldest costs a point. The others are not.
      auto it = std::find_if(events_.begin(), events_.end(), [](const Event& e) { return e.type == EventType::step; });
      if (it != events_.end()) {
        events_.erase(it);
        ++dropped_;
      } else if (event.type == EventType::step) {
        ++dropped_;
        return;
      }
    }
    events_.push_back(std::move(event));
    notify = notify_;
  }
  cv_.notify_all();
  if (notify) notify();
}

std::vector<Event> EventQueue::drain() {
  std::lock_guard lock(mutex_);
  std::vector<Event> out(std::make_move_iterator(events_.begin()), std::make_move_iterator(events_.end()));
  events_.clear();
  return out;
}

std::vector<Event> EventQueue::wait_drain(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return !events_.empty(); });
  std::vector<Event> out(std::make_move_iterator(events_.begin()), std::make_move_iterator(events_.end()));
  events_.clear();
  return out;
}

size_t EventQueue::size() const {
  std::lock_guard lock(mutex_);
  return events_.size();
}

int64_t EventQueue::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void EventQueue::set_notify(std::function<void()> notify) {
  std::lock_guard lock(mutex_);
  notify_ = std::move(notify);
}

}  // namespace engine::train
