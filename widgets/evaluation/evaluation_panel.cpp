#include "widgets/evaluation/evaluation_panel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <chrono>

#include "engine/core/error.h"
#include "engine/train/run_checkpoint.h"
#include "widgets/common/controls.h"
#include "widgets/common/qt_convert.h"
#include "widgets/dataset_browser/class_bar_chart.h"
#include "widgets/evaluation/confusion_matrix_plot.h"
#include "widgets/evaluation/misclassified_model.h"

namespace gs {

EvaluationPanel::EvaluationPanel(QWidget* parent) : QWidget(parent) {
  setObjectName("EvaluationPanel");
  status_ = named(new QLabel, tr("Evaluation status"), tr("Which run is evaluated, or why it cannot be"));
  status_->setWordWrap(true);
  evaluateButton_ = named(new QPushButton(tr("Evaluate")), tr("Evaluate"),
                          tr("Apply the run's last checkpoint to its test split"));
  cancelButton_ = named(new QPushButton(tr("Cancel")), tr("Cancel evaluation"), tr("Stop the evaluation"));
  progress_ = named(new QProgressBar, tr("Evaluation progress"), tr("Test examples evaluated"));
  progress_->setMaximumWidth(220);
  summary_ = named(new QLabel, tr("Evaluation summary"), tr("Accuracy, loss and errors of the evaluated run"));
  summary_->setWordWrap(true);

  confusion_ = new ConfusionMatrixPlot;
  named(confusion_, tr("Confusion matrix"), tr("Test examples by true class (rows) and predicted class (columns)"));
  accuracy_ = new ClassBarChart(tr("Accuracy"), tr("Per-class accuracy"));
  named(accuracy_, tr("Per-class accuracy chart"), tr("The share of each class's test examples predicted right"));
  model_ = new MisclassifiedModel(this);
  table_ = named(new QTableView, tr("Misclassified examples"), tr("The test examples predicted wrong, highest loss first"));
  table_->setModel(model_);
  table_->setIconSize(QSize(56, 56));
  table_->verticalHeader()->setDefaultSectionSize(60);
  table_->verticalHeader()->setVisible(false);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setColumnWidth(MisclassifiedModel::ImageColumn, 64);

  auto* bar = new QHBoxLayout;
  bar->addWidget(evaluateButton_);
  bar->addWidget(cancelButton_);
  bar->addWidget(progress_);
  bar->addWidget(status_, 1);
  auto* charts = new QSplitter(Qt::Horizontal);
  charts->addWidget(confusion_);
  charts->addWidget(accuracy_);
  charts->setStretchFactor(0, 3);
  charts->setStretchFactor(1, 2);
  auto* bottom = new QWidget;
  auto* bl = new QVBoxLayout(bottom);
  bl->setContentsMargins(0, 0, 0, 0);
  bl->addWidget(summary_);
  bl->addWidget(table_, 1);
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(charts);
  split->addWidget(bottom);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addWidget(split, 1);

  connect(evaluateButton_, &QPushButton::clicked, this, [this] { evaluate(); });
  connect(cancelButton_, &QPushButton::clicked, this, [this] { cancel(); });
  connect(this, &EvaluationPanel::progressed, progress_, [this](qint64 done, qint64 total) {
    progress_->setRange(0, static_cast<int>(total));
    progress_->setValue(static_cast<int>(done));
    status_->setText(tr("Evaluating run %1: %2 of %3 test examples…").arg(run_).arg(done).arg(total));
  });
  setState(State::empty, {});
}

EvaluationPanel::~EvaluationPanel() = default;

void EvaluationPanel::setDatabasePath(const QString& path) {
  if (path == db_) return;
  db_ = path;
  setRun(0);
}

void EvaluationPanel::setRun(qint64 id) {
  if (id == run_ && state_ != State::empty) return;
  run_ = id;
  if (state_ == State::running) return;  // the choice waits for Evaluate
  if (id <= 0) return setState(State::empty, {});
  setState(State::ready, tr("Run %1 selected: press Evaluate to see where it errs on its test split.").arg(id));
}

void EvaluationPanel::evaluateRun(const QString& databasePath, qint64 id) {
  db_ = databasePath;
  run_ = id;
  evaluate();
}

void EvaluationPanel::evaluate() {
  if (run_ <= 0 || db_.isEmpty()) return setState(State::empty, {});
  if (job_.busy()) {
    pending_ = run_;
    job_.cancel();
    return;
  }
  start();
}

void EvaluationPanel::cancel() {
  pending_ = 0;
  cancelled_ = true;
  job_.cancel();
}

void EvaluationPanel::start() {
  const qint64 id = run_;
  cancelled_ = false;
  setState(State::running, tr("Evaluating run %1: loading its checkpoint and test split…").arg(id));
  progress_->setRange(0, 0);
  job_.start([this, id, db = stdstr(db_)](const std::atomic<bool>& cancel) -> std::function<void()> {
    try {
      const auto t0 = std::chrono::steady_clock::now();
      engine::train::LoadedRun r = engine::train::load_run_for_eval(db, id);
      const auto t1 = std::chrono::steady_clock::now();
      if (!r.task.classification)
        throw engine::Error("run " + std::to_string(id) + " is a regression run on '" + r.dataset_name +
                            "': it has no classes to confuse");
      auto last = std::chrono::steady_clock::now();
      engine::train::EvalProgress progress{
          .on_batch =
              [this, &last](int64_t done, int64_t total) {
                // At most 20 updates a second reach the GUI thread.
                const auto now = std::chrono::steady_clock::now();
                if (done < total && now - last < std::chrono::milliseconds(50)) return;
                last = now;
                QMetaObject::invokeMethod(this, [this, done, total] { emit progressed(done, total); },
                                          Qt::QueuedConnection);
              },
          .cancel = &cancel};
      auto eval = std::make_shared<const engine::train::ClassifierEval>(engine::train::evaluate_classifier(
          r.model, r.state.variables(), r.dataset.test, r.task.num_classes, r.config.eval_batch_size, progress));
      const double loadS = std::chrono::duration<double>(t1 - t0).count();
      const double evalS = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
      auto data = std::make_shared<const engine::data::Dataset>(std::move(r.dataset));
      return [=, this, name = qstr(r.config.name), step = r.checkpoint_step, ds = qstr(r.dataset_name)] {
        if (startPending()) return;
        timing_ = tr("loaded in %1 s, evaluated in %2 s").arg(loadS, 0, 'f', 2).arg(evalS, 0, 'f', 2);
        showResult(id, name, step, ds, eval, data);
      };
    } catch (const std::exception& e) {
      return [this, id, message = QString::fromUtf8(e.what())] {
        if (startPending()) return;
        if (cancelled_)
          setState(State::ready, tr("Evaluation of run %1 cancelled; press Evaluate to start it again.").arg(id));
        else
          setState(State::failed, tr("Cannot evaluate run %1: %2").arg(id).arg(message));
        emit failed(id, message);
      };
    }
  });
}

// A run asked for while another was evaluated replaces it (the old one was cancelled).
bool EvaluationPanel::startPending() {
  if (pending_ <= 0) return false;
  run_ = std::exchange(pending_, 0);
  start();
  return true;
}

void EvaluationPanel::showResult(qint64 run, const QString& runName, qint64 step, const QString& dataset,
                                 std::shared_ptr<const engine::train::ClassifierEval> eval,
                                 std::shared_ptr<const engine::data::Dataset> data) {
  eval_ = eval;
  QStringList names;
  for (const std::string& c : data->class_names) names << qstr(c);
  while (names.size() < eval->num_classes) names << QString::number(names.size());
  confusion_->setMatrix(names, eval->confusion);
  QVector<double> acc;
  for (double a : eval->per_class_accuracy()) acc.push_back(a);
  accuracy_->setValues(names, acc, 1.0);
  model_->setEvaluation(eval, std::shared_ptr<const engine::data::Split>(data, &data->test), names);
  table_->resizeColumnsToContents();
  table_->setColumnWidth(MisclassifiedModel::ImageColumn, 64);
  const qint64 wrong = model_->rowCount();
  summary_->setText(tr("%1 of %2 test examples misclassified (accuracy %3, mean loss %4), worst first:")
                        .arg(QLocale().toString(wrong))
                        .arg(QLocale().toString(static_cast<qlonglong>(eval->examples())))
                        .arg(eval->accuracy(), 0, 'f', 4)
                        .arg(eval->mean_loss(), 0, 'f', 4));
  setState(State::done, tr("Run %1%2 on %3 (checkpoint at step %4; %5)")
                            .arg(run)
                            .arg(runName.isEmpty() ? QString() : QStringLiteral(" “%1”").arg(runName), dataset)
                            .arg(step)
                            .arg(timing_));
  emit evaluated(run);
}

void EvaluationPanel::setState(State s, const QString& text) {
  state_ = s;
  const bool running = s == State::running;
  evaluateButton_->setEnabled(!running && run_ > 0 && !db_.isEmpty());
  cancelButton_->setVisible(running);
  progress_->setVisible(running);
  if (s == State::empty)
    status_->setText(tr("Select a finished run in Run History, then press Evaluate to see its confusion matrix, "
                        "per-class accuracy and misclassified examples."));
  else
    status_->setText(text);
  QPalette pal = status_->palette();
  pal.setColor(QPalette::WindowText, s == State::failed ? QColor(200, 40, 40) : palette().color(QPalette::WindowText));
  status_->setPalette(pal);
  if (s != State::done && s != State::running) {
    eval_.reset();
    confusion_->clearMatrix();
    accuracy_->clearValues();
    model_->clear();
    summary_->clear();
  }
}

QString EvaluationPanel::statusText() const { return status_->text(); }

}  // namespace gs
