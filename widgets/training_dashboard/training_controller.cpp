#include "widgets/training_dashboard/training_controller.h"

#include "engine/core/error.h"
#include "engine/runs/run_store.h"

namespace gs {

namespace train = engine::train;

TrainingController::TrainingController(QObject* parent) : QObject(parent) {
  timer_.setSingleShot(true);
  timer_.setInterval(kTickMs);
  connect(&timer_, &QTimer::timeout, this, &TrainingController::drain);
}

TrainingController::~TrainingController() {
  if (trainer_) {
    trainer_->queue().set_notify(nullptr);
    trainer_->stop();
    trainer_->join();
  }
}

void TrainingController::start(const nlohmann::json& config, const QString& dbPath, int threads) {
  GS_CHECK(!isActive(), "a run is already active; stop it first");
  train::RunConfig c = train::RunConfig::from_json(config);
  launch(std::make_unique<train::Trainer>(std::move(c),
                                          train::TrainerOptions{.db_path = dbPath.toStdString(), .threads = threads, .snapshots = true}));
}

void TrainingController::resumeRun(qint64 runId, const QString& dbPath, int threads) {
  GS_CHECK(!isActive(), "a run is already active; stop it first");
  train::RunConfig config;
  {
    engine::runs::RunStore store(engine::runs::RunStoreOptions{.path = dbPath.toStdString()});
    const engine::runs::RunRecord rec = store.get_run(runId);
    GS_CHECK(rec.status != engine::runs::RunStatus::finished,
             "run " + std::to_string(runId) + " already finished; nothing to resume");
    GS_CHECK(!store.checkpoints(runId).empty(), "run " + std::to_string(runId) + " has no checkpoint to resume from");
    config = train::RunConfig::from_json(rec.config);
  }
  launch(std::make_unique<train::Trainer>(
      std::move(config),
      train::TrainerOptions{.db_path = dbPath.toStdString(), .resume_run = runId, .threads = threads,
                            .snapshots = true}));
}

void TrainingController::launch(std::unique_ptr<train::Trainer> trainer) {
  if (trainer_) {  // the last run ended: its thread is done or about to be
    trainer_->queue().set_notify(nullptr);
    trainer_->join();
    timer_.stop();
  }
  trainer_ = std::move(trainer);
  posted_ = false;
  // Runs on the trainer thread after each push: one queued call per tick at most, nothing else.
  trainer_->queue().set_notify([this] {
    if (!posted_.exchange(true)) QMetaObject::invokeMethod(this, &TrainingController::arm, Qt::QueuedConnection);
  });
  trainer_->start();
  lastState_ = QStringLiteral("starting");
  emit stateChanged(lastState_);
}

void TrainingController::arm() {
  if (!timer_.isActive()) timer_.start();
}

void TrainingController::drain() {
  if (!trainer_) return;
  posted_ = false;  // pushes from now on post a new call (after this drain's batch)
  std::vector<train::Event> batch = trainer_->events();
  if (batch.empty()) return;
  bool ended = false;
  QString state = lastState_;
  for (const train::Event& e : batch) {
    if (e.type == train::EventType::status || e.type == train::EventType::started)
      state = QString::fromUtf8(train::status_name(e.status).data(), int(train::status_name(e.status).size()));
    if (e.type == train::EventType::status && train::is_final(e.status)) ended = true;
  }
  // The final status event is the trainer's last act: its thread ends right after.
  if (ended) trainer_->join();
  emit eventsArrived(batch);
  // The newest epoch's snapshot only: an inspector shows one tree, and older ones are stale.
  for (auto it = batch.rbegin(); it != batch.rend(); ++it)
    if (it->snapshot) {
      emit snapshotArrived(it->snapshot, it->run_id);
      break;
    }
  if (state != lastState_) {
    lastState_ = state;
    emit stateChanged(state);
  }
}

void TrainingController::setMinimumInterval(int ms) { timer_.setInterval(std::max(kTickMs, ms)); }

void TrainingController::pause() {
  if (trainer_) trainer_->pause();
}

void TrainingController::resume() {
  if (trainer_) trainer_->resume();
}

void TrainingController::stop() {
  if (trainer_) trainer_->stop();
}

void TrainingController::stopAndWait() {
  if (!trainer_) return;
  trainer_->stop();
  trainer_->join();
  timer_.stop();
  drain();
}

QString TrainingController::state() const {
  if (!trainer_) return QStringLiteral("idle");
  const auto name = train::status_name(trainer_->status());
  return QString::fromUtf8(name.data(), int(name.size()));
}

bool TrainingController::isActive() const { return trainer_ && !trainer_->done(); }

qint64 TrainingController::runId() const { return trainer_ ? trainer_->run_id() : 0; }

nlohmann::json TrainingController::runConfig() const {
  return trainer_ ? trainer_->config().to_json() : nlohmann::json();
}

}  // namespace gs
