// The Training Dashboard: the run form (RunForm), Start/Pause/Resume/Stop, the live charts
// (TrainingCharts), progress, phase, throughput, elapsed time and ETA, and an error banner that
// names the setting to change when a run diverges or fails. A TrainingController runs the engine's
// Trainer and brings its events in batches on a coalescing timer (at most 25 Hz).
//
// The default state trains at once: the built-in MLP on Fashion-MNIST with SGD at 0.1.
#pragma once
#include <cstdint>
#include <vector>

#include <QString>
#include <QWidget>
#include <nlohmann/json.hpp>

#include "engine/train/events.h"

class QAction;
class QLabel;
class QProgressBar;
class QToolButton;

namespace gs {

class RunForm;
class TrainingCharts;
class TrainingController;

class TrainingDashboard : public QWidget {
  Q_OBJECT
 public:
  explicit TrainingDashboard(QWidget* parent = nullptr);
  ~TrainingDashboard() override;
  void setDatabasePath(const QString& path);
  // The model to train; when !valid, Start is disabled and its tooltip says `problem`.
  void setModelSpec(const nlohmann::json& spec, bool valid, const QString& problem);
  nlohmann::json runConfig() const;                 // the form + model as RunConfig JSON
  void setRunConfig(const nlohmann::json& config);  // fills the form (Re-run); emits modelSpecRequested(config["model"])
  std::vector<int64_t> inputShape() const;          // of the chosen dataset, without batch
  bool isActive() const;                            // a run is starting/running/paused
  // The main window puts these in its Run menu and toolbar; they are enabled as the state allows.
  QAction* startAction() const;  // F5
  QAction* pauseAction() const;
  QAction* resumeAction() const;
  QAction* stopAction() const;  // Shift+F5
  void resumeRun(qint64 runId);  // continue a stopped/interrupted run from its checkpoint
  // Stops the active run with a checkpoint and waits for it to end (closing the window).
  void stopAndWait();
  TrainingController* controller() const { return controller_; }  // the main window's wiring
 signals:
  void inputShapeChanged(const std::vector<int64_t>& shapeWithoutBatch);
  void modelSpecRequested(const nlohmann::json& spec);
  void runStarted(qint64 runId);
  void runEnded(qint64 runId, const QString& status);
  // For the status bar: "training", "paused", ... and the throughput.
  void stateChanged(const QString& state, double examplesPerSecond);

 private:
  void start();
  void showEvents(const std::vector<engine::train::Event>& events);
  void loadHistory(qint64 runId);
  void setState(const QString& state);
  void showBanner(const QString& message);
  void updateActions();
  QString databasePath() const;

  RunForm* form_ = nullptr;
  TrainingCharts* charts_ = nullptr;
  TrainingController* controller_ = nullptr;
  QAction* start_ = nullptr;
  QAction* pause_ = nullptr;
  QAction* resume_ = nullptr;
  QAction* stop_ = nullptr;
  QLabel* phase_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* steps_ = nullptr;
  QLabel* throughput_ = nullptr;
  QLabel* elapsed_ = nullptr;
  QLabel* eta_ = nullptr;
  QLabel* banner_ = nullptr;
  QString dbPath_;
  bool modelValid_ = true;
  QString modelProblem_;
  QString state_ = QStringLiteral("idle");
  qint64 runId_ = 0;
  double examplesPerSecond_ = 0;
  int64_t epochs_ = 0;
};

}  // namespace gs
