// TrainingController: one training run of the studio, without widgets. It owns the engine's
// Trainer (a worker thread) and brings its events to the GUI thread the PlotJuggler way: the
// queue's notify callback, on the trainer thread, only posts one queued call (at most one per
// tick, an atomic flag sees to that); that call arms a single-shot timer; when it fires the queue
// is drained once and the batch goes out as one eventsArrived(). The trainer thread never touches
// a QObject.
//
//   auto* c = new gs::TrainingController(this);
//   connect(c, &gs::TrainingController::eventsArrived, this, &View::show);
//   c->start(config, "runs.db");   // throws engine::Error for a config the engine refuses
//
// The timer's interval is 40 ms (25 Hz at most). A receiver that takes long per batch (a replot
// of 200,000 points) may ask for fewer ticks with setMinimumInterval() (the dashboard keeps its
// charts near 3% of the time); the interval never drops below 40 ms.
#pragma once
#include <atomic>
#include <memory>
#include <vector>

#include <QObject>
#include <QString>
#include <QTimer>
#include <nlohmann/json.hpp>

#include "engine/train/snapshot.h"
#include "engine/train/trainer.h"

namespace gs {

class TrainingController : public QObject {
  Q_OBJECT

 public:
  static constexpr int kTickMs = 40;

  explicit TrainingController(QObject* parent = nullptr);
  ~TrainingController() override;  // stops the run (with its checkpoint) and joins

  // A new run from RunConfig JSON; `threads` > 0 sets the run thread's OpenMP threads.
  // Throws engine::Error when the engine refuses the config or a run is active.
  void start(const nlohmann::json& config, const QString& dbPath, int threads = 0);
  // Continues a stopped or interrupted run from its last checkpoint with its stored config.
  // Throws engine::Error naming what is wrong (no such run, finished, no checkpoint).
  void resumeRun(qint64 runId, const QString& dbPath, int threads = 0);
  void pause();
  void resume();
  // Trainer::stop(): the run checkpoints between steps and ends 'stopped'.
  void stop();
  // stop(), then waits for the thread and delivers the last events at once (closing the window).
  void stopAndWait();

  // "idle", "starting", "running", "paused", "finished", "stopped", "diverged", "failed": the
  // engine's status of the current (or last) run.
  QString state() const;
  bool isActive() const;
  qint64 runId() const;
  // The stored config of the current run (what the trainer runs).
  nlohmann::json runConfig() const;

  // Ticks at most every `ms` (>= kTickMs); for receivers whose work per batch is long.
  void setMinimumInterval(int ms);
  int interval() const { return timer_.interval(); }

 signals:
  // One batch per tick, oldest first. The final status event of a run is the last one it sends.
  void eventsArrived(const std::vector<engine::train::Event>& batch);
  // The run's status changed ("running", "paused", "finished", ...).
  void stateChanged(const QString& state);
  // An epoch ended: a copy of its variables and optimizer state (the Pytree Inspector's live view).
  void snapshotArrived(std::shared_ptr<const engine::train::TrainSnapshot> snapshot, qint64 runId);

 private:
  void launch(std::unique_ptr<engine::train::Trainer> trainer);
  void arm();
  void drain();

  std::unique_ptr<engine::train::Trainer> trainer_;
  QTimer timer_;
  std::atomic<bool> posted_{false};
  QString lastState_ = QStringLiteral("idle");
};

}  // namespace gs
