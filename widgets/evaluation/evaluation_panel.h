// EvaluationPanel: the Evaluation panel (issue #21): where a trained classifier errs. For a run
// of the history (a database path and a run id, which the main window passes on as the Run
// History's selection changes) it loads the last checkpoint and the run's test split and applies
// the model on a worker thread, with progress, then shows the confusion matrix as a heatmap, the
// per-class accuracy as a bar chart and the misclassified examples sorted by loss. A run without
// a checkpoint, a regression run, a damaged checkpoint or a missing dataset is an error state
// naming what is at fault.
#pragma once
#include <QString>
#include <QWidget>
#include <memory>

#include "engine/data/dataset.h"
#include "engine/train/classifier_eval.h"
#include "widgets/common/background_job.h"

class QLabel;
class QProgressBar;
class QPushButton;
class QTableView;

namespace gs {

class ClassBarChart;
class ConfusionMatrixPlot;
class MisclassifiedModel;

class EvaluationPanel : public QWidget {
  Q_OBJECT
 public:
  enum class State { empty, ready, running, done, failed };
  explicit EvaluationPanel(QWidget* parent = nullptr);
  ~EvaluationPanel() override;

  void setDatabasePath(const QString& path);
  QString databasePath() const { return db_; }
  // Chooses the run to evaluate (Evaluate then starts); id <= 0 clears the choice.
  void setRun(qint64 id);
  qint64 run() const { return run_; }
  // Chooses and evaluates at once (what setRun + Evaluate do). A call while one evaluation runs
  // is started when it ends.
  void evaluateRun(const QString& databasePath, qint64 id);
  void evaluate();
  void cancel();

  State state() const { return state_; }
  QString statusText() const;
  std::shared_ptr<const engine::train::ClassifierEval> result() const { return eval_; }

  ConfusionMatrixPlot* confusionPlot() const { return confusion_; }
  ClassBarChart* accuracyChart() const { return accuracy_; }
  MisclassifiedModel* misclassifiedModel() const { return model_; }
  QTableView* misclassifiedTable() const { return table_; }
  QPushButton* evaluateButton() const { return evaluateButton_; }

 signals:
  void evaluated(qint64 run);
  void failed(qint64 run, const QString& message);
  void progressed(qint64 done, qint64 total);

 private:
  void start();
  bool startPending();
  void setState(State s, const QString& text);
  void showResult(qint64 run, const QString& runName, qint64 step, const QString& dataset,
                  std::shared_ptr<const engine::train::ClassifierEval> eval,
                  std::shared_ptr<const engine::data::Dataset> data);

  BackgroundJob job_{this};
  QString db_;
  qint64 run_ = 0, pending_ = 0;
  bool cancelled_ = false;
  QString timing_;  // of the last evaluation: "loaded in 4.1 s, evaluated in 0.5 s"
  State state_ = State::empty;
  std::shared_ptr<const engine::train::ClassifierEval> eval_;

  QLabel* status_;
  QLabel* summary_;
  QProgressBar* progress_;
  QPushButton* evaluateButton_;
  QPushButton* cancelButton_;
  ConfusionMatrixPlot* confusion_;
  ClassBarChart* accuracy_;
  MisclassifiedModel* model_;
  QTableView* table_;
};

}  // namespace gs
