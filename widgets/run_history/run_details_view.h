// RunDetailsView: the current run's details (name, tags, notes editable; status, error text,
// final metrics and checkpoints shown), written back to the store by "Save".
#pragma once
#include <QWidget>

#include "engine/runs/run_store.h"

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace gs {

class RunDetailsView : public QWidget {
  Q_OBJECT
 public:
  explicit RunDetailsView(QWidget* parent = nullptr);
  void setStore(engine::runs::RunStore* store) { store_ = store; }
  // Shows a run (-1: none); reads it from the store.
  void showRun(qint64 id);
  qint64 run() const { return run_; }
  // Writes name, tags (comma-separated) and notes; returns "" or the store's error.
  QString save();

 signals:
  void edited(qint64 runId);
  void errorOccurred(const QString& message);

 private:
  engine::runs::RunStore* store_ = nullptr;
  qint64 run_ = -1;
  QLineEdit* name_;
  QLineEdit* tags_;
  QPlainTextEdit* notes_;
  QLabel* status_;
  QLabel* error_;
  QLabel* metrics_;
  QLabel* checkpoints_;
  QPushButton* save_;
};

}  // namespace gs
