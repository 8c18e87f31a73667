#include "widgets/training_dashboard/training_dashboard.h"

#include <cmath>

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QRegularExpression>
#include <QScrollArea>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

#include "engine/core/error.h"
#include "engine/runs/run_store.h"
#include "engine/train/run_config.h"
#include "widgets/common/controls.h"
#include "widgets/common/qt_convert.h"
#include "widgets/training_dashboard/run_form.h"
#include "widgets/training_dashboard/training_charts.h"
#include "widgets/training_dashboard/training_controller.h"

namespace gs {

using nlohmann::json;
namespace train = engine::train;

namespace {

QString clock(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return QStringLiteral("--:--");
  const qint64 s = qRound64(seconds);
  if (s >= 3600) return QString::asprintf("%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  return QString::asprintf("%lld:%02lld", s / 60, s % 60);
}

QString statusName(train::TrainerStatus s) {
  const auto n = train::status_name(s);
  return QString::fromUtf8(n.data(), int(n.size()));
}

// The config field a failure names: "... (optimizer.lr)" at the end, or "dataset.name: ..." first.
QString settingIn(const QString& message) {
  static const QRegularExpression trailing(QStringLiteral("\\(([a-z_]+(?:\\.[a-z_]+)*)\\)\\s*$"));
  static const QRegularExpression leading(QStringLiteral("^([a-z_]+(?:\\.[a-z_]+)*): "));
  QRegularExpressionMatch m = trailing.match(message);
  if (m.hasMatch()) return m.captured(1);
  m = leading.match(message);
  return m.hasMatch() ? m.captured(1) : QString();
}

QToolButton* button(QAction* action) {
  auto* b = new QToolButton;
  b->setDefaultAction(action);
  b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  b->setAccessibleName(action->text().remove('&'));
  b->setObjectName(action->objectName() + "Button");
  return b;
}

}  // namespace

TrainingDashboard::TrainingDashboard(QWidget* parent) : QWidget(parent) {
  controller_ = new TrainingController(this);
  form_ = new RunForm;
  charts_ = new TrainingCharts;

  auto action = [&](const QString& text, const QString& id, QStyle::StandardPixmap icon, const QKeySequence& key,
                    const QString& tip) {
    auto* a = new QAction(style()->standardIcon(icon), text, this);
    a->setObjectName(id);
    a->setShortcut(key);
    a->setShortcutContext(Qt::WindowShortcut);
    addAction(a);
    return gs::described(a, tip);
  };
  start_ = action(tr("&Start"), "startAction", QStyle::SP_MediaPlay, QKeySequence(Qt::Key_F5),
                  tr("Start training with these settings"));
  pause_ = action(tr("&Pause"), "pauseAction", QStyle::SP_MediaPause, QKeySequence(),
                  tr("Pause the run between steps"));
  resume_ = action(tr("&Resume"), "resumeAction", QStyle::SP_MediaSeekForward, QKeySequence(),
                   tr("Resume the paused run"));
  stop_ = action(tr("S&top"), "stopAction", QStyle::SP_MediaStop, QKeySequence(Qt::SHIFT | Qt::Key_F5),
                 tr("Stop the run with a checkpoint (it can be resumed later)"));

  // Left: the form, scrollable. Right: controls, progress, the banner and the charts.
  auto* scroll = gs::named(new QScrollArea, tr("Run settings"), tr("The settings of the next run"));
  scroll->setWidget(form_);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setMinimumWidth(300);
  scroll->setMaximumWidth(380);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

  auto* top = new QHBoxLayout;
  for (QAction* a : {start_, pause_, resume_, stop_}) top->addWidget(button(a));
  top->addSpacing(12);
  phase_ = gs::named(new QLabel(tr("Ready")), tr("Phase"), tr("What the run is doing"));
  QFont bold = phase_->font();
  bold.setBold(true);
  phase_->setFont(bold);
  top->addWidget(phase_, 1);

  auto* progressRow = new QHBoxLayout;
  progress_ = gs::named(new QProgressBar, tr("Progress"), tr("Optimizer steps done of the run's total"));
  progress_->setRange(0, 1);
  progress_->setValue(0);
  progress_->setFormat(QStringLiteral("%p%"));
  steps_ = gs::named(new QLabel(tr("step 0 / 0")), tr("Steps"), tr("Optimizer steps done / total"));
  throughput_ = gs::named(new QLabel(tr("— examples/s")), tr("Throughput"), tr("Training examples per second"));
  elapsed_ = gs::named(new QLabel(tr("elapsed --:--")), tr("Elapsed"), tr("Time since the run started"));
  eta_ = gs::named(new QLabel(tr("ETA --:--")), tr("ETA"), tr("Time left at the current throughput"));
  progressRow->addWidget(progress_, 1);
  for (QLabel* l : {steps_, throughput_, elapsed_, eta_}) progressRow->addWidget(l);

  banner_ = gs::named(new QLabel, tr("Error banner"), tr("Why the last run did not finish, and what to change"));
  banner_->setWordWrap(true);
  banner_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  banner_->setStyleSheet(QStringLiteral(
      "QLabel { background: #FDEDEC; color: #7B241C; border: 1px solid #C0392B; border-radius: 4px; padding: 6px; }"));
  banner_->hide();

  auto* right = new QVBoxLayout;
  right->addLayout(top);
  right->addLayout(progressRow);
  right->addWidget(banner_);
  right->addWidget(charts_, 1);

  auto* layout = new QHBoxLayout(this);
  layout->addWidget(scroll);
  layout->addLayout(right, 1);

  connect(start_, &QAction::triggered, this, &TrainingDashboard::start);
  connect(pause_, &QAction::triggered, this, [this] {
    controller_->pause();
  });
  connect(resume_, &QAction::triggered, this, [this] { controller_->resume(); });
  connect(stop_, &QAction::triggered, this, [this] {
    controller_->stop();
    setState(QStringLiteral("stopping"));
    phase_->setText(tr("Stopping after this step…"));
  });
  connect(controller_, &TrainingController::eventsArrived, this, &TrainingDashboard::showEvents);
  connect(form_, &RunForm::validated, this, &TrainingDashboard::updateActions);
  connect(form_, &RunForm::datasetChanged, this, &TrainingDashboard::inputShapeChanged);
  updateActions();
}

TrainingDashboard::~TrainingDashboard() { stopAndWait(); }

void TrainingDashboard::setDatabasePath(const QString& path) { dbPath_ = path; }

QString TrainingDashboard::databasePath() const {
  return dbPath_.isEmpty() ? qstr(engine::runs::default_database_path()) : dbPath_;
}

void TrainingDashboard::setModelSpec(const json& spec, bool valid, const QString& problem) {
  modelValid_ = valid;
  modelProblem_ = problem;
  form_->setModel(spec);
  updateActions();
}

json TrainingDashboard::runConfig() const { return form_->config(); }

void TrainingDashboard::setRunConfig(const json& config) {
  form_->setConfig(config);
  if (config.is_object() && config.contains("model")) {
    json spec = config["model"];
    if (spec.is_string()) {
      try {
        spec = train::resolve_model_spec(spec.get<std::string>());
      } catch (const engine::Error& e) {
        showBanner(qstr(e.what()));
      }
    }
    form_->setModel(spec);
    emit modelSpecRequested(spec);
  }
  updateActions();
}

std::vector<int64_t> TrainingDashboard::inputShape() const { return form_->inputShape(); }

bool TrainingDashboard::isActive() const {
  return controller_->isActive() || state_ == "starting" || state_ == "training" || state_ == "paused" ||
         state_ == "stopping";
}

QAction* TrainingDashboard::startAction() const { return start_; }
QAction* TrainingDashboard::pauseAction() const { return pause_; }
QAction* TrainingDashboard::resumeAction() const { return resume_; }
QAction* TrainingDashboard::stopAction() const { return stop_; }

void TrainingDashboard::start() {
  if (isActive() || !form_->error().isEmpty() || !modelValid_) return;
  banner_->hide();
  charts_->clear();
  runId_ = 0;
  examplesPerSecond_ = 0;
  progress_->setRange(0, 1);
  progress_->setValue(0);
  try {
    controller_->start(form_->config(), databasePath(), form_->threads());
  } catch (const engine::Error& e) {
    showBanner(tr("Could not start: %1").arg(qstr(e.what())));
    if (const QString path = settingIn(qstr(e.what())); !path.isEmpty()) form_->showError(path, qstr(e.what()));
    return;
  }
  phase_->setText(tr("Starting…"));
  setState(QStringLiteral("starting"));
}

void TrainingDashboard::resumeRun(qint64 runId) {
  if (isActive()) return;
  banner_->hide();
  try {
    json config;
    {
      engine::runs::RunStore store(engine::runs::RunStoreOptions{.path = stdstr(databasePath()), .read_only = true});
      config = store.get_run(runId).config;
    }
    setRunConfig(config);
    charts_->clear();
    loadHistory(runId);
    runId_ = 0;  // runStarted comes with the first event
    controller_->resumeRun(runId, databasePath(), form_->threads());
  } catch (const engine::Error& e) {
    showBanner(tr("Could not resume run %1: %2").arg(runId).arg(qstr(e.what())));
    return;
  }
  phase_->setText(tr("Resuming run %1…").arg(runId));
  setState(QStringLiteral("starting"));
}

// The curves a resumed run already has, from the database, so they go on where they stopped.
void TrainingDashboard::loadHistory(qint64 runId) {
  engine::runs::RunStore store(engine::runs::RunStoreOptions{.path = stdstr(databasePath()), .read_only = true});
  std::vector<train::Event> history;
  const auto lr = store.metrics(runId, "train/learning_rate");
  size_t j = 0;
  for (const engine::runs::MetricPoint& p : store.metrics(runId, "train/loss")) {
    train::Event e;
    e.type = train::EventType::step;
    e.step = p.step;
    e.metrics["train/loss"] = p.value;
    while (j < lr.size() && lr[j].step < p.step) ++j;
    if (j < lr.size() && lr[j].step == p.step) e.learning_rate = lr[j].value;
    history.push_back(e);
  }
  std::map<int64_t, train::Event> epochs;
  for (const auto& [stored, shown] : std::vector<std::pair<const char*, const char*>>{
           {"epoch/loss", "train/loss"}, {"epoch/accuracy", "train/accuracy"}, {"test/loss", "test/loss"},
           {"test/accuracy", "test/accuracy"}})
    for (const engine::runs::MetricPoint& p : store.metrics(runId, stored)) {
      train::Event& e = epochs[p.epoch];
      e.type = train::EventType::epoch;
      e.epoch = p.epoch;
      e.metrics[shown] = p.value;
    }
  for (auto& [epoch, e] : epochs) history.push_back(e);
  charts_->append(history);
}

void TrainingDashboard::stopAndWait() {
  if (!controller_->isActive()) return;
  controller_->stopAndWait();  // delivers the last events through showEvents
}

void TrainingDashboard::setState(const QString& state) {
  if (state == state_) return;
  state_ = state;
  updateActions();
  emit stateChanged(state_, examplesPerSecond_);
}

void TrainingDashboard::showBanner(const QString& message) {
  banner_->setText(message);
  banner_->show();
}

void TrainingDashboard::updateActions() {
  const bool active = isActive();
  const bool ready = !active && form_->error().isEmpty() && modelValid_;
  start_->setEnabled(ready);
  QString tip = tr("Start training with these settings");
  if (!modelValid_) tip = modelProblem_;
  else if (!form_->error().isEmpty() && !active) tip = form_->error();
  else if (active) tip = tr("A run is active");
  start_->setToolTip(tip + QStringLiteral(" (F5)"));
  pause_->setEnabled(state_ == "training" || state_ == "starting");
  resume_->setEnabled(state_ == "paused");
  stop_->setEnabled(state_ == "training" || state_ == "starting" || state_ == "paused");
  form_->setEnabled(!active);
}

void TrainingDashboard::showEvents(const std::vector<train::Event>& events) {
  const QLocale loc;
  QString state = state_;
  for (const train::Event& e : events) {
    if (e.run_id > 0 && e.run_id != runId_) {
      runId_ = e.run_id;
      emit runStarted(runId_);
    }
    if (e.epochs > 0) epochs_ = e.epochs;
    const QString epochText = tr("epoch %1/%2").arg(e.epoch).arg(epochs_);
    if (e.total_steps > 0) {
      progress_->setRange(0, int(std::min<int64_t>(e.total_steps, INT_MAX)));
      progress_->setValue(int(std::min<int64_t>(e.step, INT_MAX)));
      steps_->setText(tr("step %1 / %2").arg(loc.toString(qlonglong(e.step)), loc.toString(qlonglong(e.total_steps))));
    }
    if (e.elapsed_seconds > 0) elapsed_->setText(tr("elapsed %1").arg(clock(e.elapsed_seconds)));
    if (e.examples_per_second > 0) {
      examplesPerSecond_ = e.examples_per_second;
      throughput_->setText(tr("%1 examples/s").arg(loc.toString(e.examples_per_second, 'f', 0)));
      eta_->setText(tr("ETA %1").arg(clock(e.eta_seconds)));
    }
    switch (e.type) {
      case train::EventType::phase:
        if (e.phase == "loading data") phase_->setText(tr("Loading data…"));
        else if (e.phase == "compiling") phase_->setText(tr("Compiling…"));
        else if (e.phase == "training") phase_->setText(tr("Training %1").arg(epochText));
        else if (e.phase == "evaluating") phase_->setText(tr("Evaluating %1").arg(epochText));
        else if (e.phase == "checkpointing") phase_->setText(tr("Saving a checkpoint…"));
        break;
      case train::EventType::started: state = QStringLiteral("training"); break;
      case train::EventType::step:
        if (state_ != "stopping") phase_->setText(tr("Training %1").arg(epochText));
        break;
      case train::EventType::epoch:
      case train::EventType::checkpoint: break;
      case train::EventType::error: showBanner(tr("Run failed: %1").arg(qstr(e.message))); break;
      case train::EventType::status: {
        if (e.status == train::TrainerStatus::paused) {
          state = QStringLiteral("paused");
          phase_->setText(tr("Paused at step %1").arg(e.step));
        } else if (e.status == train::TrainerStatus::running) {
          state = QStringLiteral("training");
        } else if (e.status == train::TrainerStatus::starting) {
          state = QStringLiteral("starting");
        } else if (train::is_final(e.status)) {
          state = statusName(e.status);
          const QString message = qstr(e.message);
          eta_->setText(tr("ETA --:--"));  // nothing is left to run
          if (e.status == train::TrainerStatus::finished) {
            progress_->setValue(progress_->maximum());
            QString text = tr("Finished run %1").arg(e.run_id);
            if (auto it = e.metrics.find("test/accuracy"); it != e.metrics.end())
              text += tr(": test accuracy %1%").arg(it->second * 100, 0, 'f', 1);
            else if (auto l = e.metrics.find("test/loss"); l != e.metrics.end())
              text += tr(": test loss %1").arg(l->second, 0, 'g', 4);
            phase_->setText(text);
            eta_->setText(tr("ETA 0:00"));
          } else if (e.status == train::TrainerStatus::stopped) {
            phase_->setText(tr("Stopped at step %1 (run %2 can be resumed)").arg(e.step).arg(e.run_id));
          } else {
            // Diverged or failed: the engine's message names the setting; mark it in the form.
            const QString path = settingIn(message);
            QWidget* editor = path.isEmpty() ? nullptr : form_->editorFor(path);
            QString text = (e.status == train::TrainerStatus::diverged ? tr("Run %1 diverged: %2")
                                                                        : tr("Run %1 failed: %2"))
                               .arg(e.run_id)
                               .arg(message);
            if (editor) text += tr("\nChange “%1” in the run settings and start again.").arg(editor->accessibleName());
            showBanner(text);
            if (!path.isEmpty()) form_->showError(path, message);
            phase_->setText(e.status == train::TrainerStatus::diverged ? tr("Diverged at step %1").arg(e.step)
                                                                      : tr("Failed"));
          }
          state_ = state;  // so that runEnded's receivers see isActive() false
          updateActions();
          emit stateChanged(state_, examplesPerSecond_);  // the status bar shows the final state
          emit runEnded(e.run_id, state);
        }
        break;
      }
    }
  }
  // A stop was asked for: the run stays "stopping" until its final status arrives.
  if (state_ == "stopping" && state != "stopped" && state != "finished" && state != "diverged" && state != "failed")
    state = state_;
  charts_->append(events);
  // Replotting 200,000 points takes ~10 ms. On a machine whose cores the run's OpenMP threads
  // fill, every GUI millisecond is taken from training (and stalls the other threads at their
  // barrier): ticks slow down to keep the charts near 3% of the time, but never below 2 per second.
  controller_->setMinimumInterval(std::min(500, int(30 * charts_->lastAppendMs())));
  const bool changed = state != state_;
  state_ = state;
  updateActions();
  if (changed || state_ == "training") emit stateChanged(state_, examplesPerSecond_);
}

}  // namespace gs
