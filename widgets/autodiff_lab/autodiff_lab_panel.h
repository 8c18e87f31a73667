// The Autodiff Lab: type a function (or pick a preset), set its variables, and step through its
// derivative computation equation by equation, in three modes:
//   Forward  the primal jaxpr
//   JVP      the primal jaxpr with a tangent beside every value (tangents of ones)
//   VJP      forward, then the linear jaxpr transposed from the bottom up (output cotangent 1)
// with Step / Back / Run / Reset. The current equation is highlighted in the jaxpr text and the
// graph; the step's values are listed, the selected one drawn as a heatmap; the inputs' current
// tangents or cotangents are shown beneath. The Derivatives tab plots f and f′ for a scalar
// function of one scalar, or the Jacobians by jacfwd and jacrev side by side; the Training step
// tab shows (searchable) the jaxpr of a model's whole training step (showTrainingStep()).
// The engine work is engine/transforms/autodiff_walk.h; this panel only shows it.
#pragma once
#include <QWidget>
#include <memory>
#include <nlohmann/json.hpp>

#include "engine/transforms/autodiff_walk.h"
#include "widgets/autodiff_lab/lab_function.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTableView;
class QTableWidget;
class QTabWidget;
class QTimer;
class QCustomPlot;

namespace gs {

class JaxprGraphView;
class TensorView;
class WalkValuesModel;

class AutodiffLabPanel : public QWidget {
  Q_OBJECT
 public:
  explicit AutodiffLabPanel(QWidget* parent = nullptr);
  ~AutodiffLabPanel() override;

  void loadPreset(int index);  // index into lab_presets()
  void setExpression(const QString& text);  // rebuilds at once (no typing delay)
  // Sets one variable's shape and values ("" draws from the key) and rebuilds.
  void setVariable(const QString& name, const QString& shape, const QString& values);
  // JVP's tangent of one input and VJP's cotangent of the output (numbers; "" is ones); rebuild.
  void setTangent(const QString& name, const QString& tangent);
  void setOutputCotangent(const QString& cotangent);
  void setMode(engine::WalkMode mode);
  engine::WalkMode mode() const { return mode_; }

  void step();
  void back();
  void run();
  void reset();

  // The walk being shown (nullptr when the function has an error).
  const engine::AutodiffWalk* walk() const { return walk_.get(); }
  const LabError& error() const { return error_; }  // message empty: no error
  QString errorText() const;
  QString inputDerivativesText() const;
  int highlightedTextLine() const { return highlightedLine_; }
  int highlightedGraphEquation() const;
  JaxprGraphView* graphView() const { return graph_; }
  QTabWidget* views() const { return views_; }

  // The jaxpr of one training step of the model `spec` (engine::nn model spec JSON) in the
  // Training step tab. Errors are shown there, naming what is wrong.
  void showTrainingStep(const nlohmann::json& spec);
  // The same, deferred until the Training step tab is shown (the main window calls this on every
  // edit in the Model Builder; tracing a step of a large model is not free).
  void setModelSpec(const nlohmann::json& spec);
  int trainingStepEquations() const { return trainingEqns_; }

 signals:
  void walkChanged();  // a new function or mode
  void stepped();      // the position changed

 private:
  void buildUi();
  void rebuild();                // from the expression and the variables table
  void syncVariableRows();       // one row per free variable of the expression
  void showError(const LabError& e);
  void startWalk();
  void showPosition();
  void showDerivatives();
  void findInTrainingStep(bool backwards);
  void setVariableCells(const QString& name, const QList<QPair<int, QString>>& cells);
  void setVariableRows(const std::vector<LabVariable>& rows);
  std::vector<LabVariable> variablesFromTable() const;

  engine::WalkMode mode_ = engine::WalkMode::vjp;
  std::optional<LabFunction> function_;
  std::unique_ptr<engine::AutodiffWalk> walk_;
  LabError error_;
  int highlightedLine_ = -1;
  int linearTextOffset_ = -1;  // first line of the linear jaxpr in the text (VJP)
  int trainingEqns_ = 0;
  bool syncing_ = false;
  std::optional<nlohmann::json> pendingSpec_;
  QWidget* trainingTab_ = nullptr;

  QComboBox* presets_;
  QPlainTextEdit* expression_;
  QLabel* errorLabel_;
  QTableWidget* variables_;
  QSpinBox* seed_;
  QLineEdit* cotangent_;
  QRadioButton *forward_, *jvp_, *vjp_;
  QPushButton *step_, *back_, *run_, *reset_;
  QLabel* position_;
  QLabel* inputDerivatives_;
  QTabWidget* views_;
  QPlainTextEdit* jaxprText_;
  JaxprGraphView* graph_;
  QCustomPlot* curve_;
  TensorView *jacFwd_, *jacRev_;
  QLabel* derivativesNote_;
  QWidget* jacobians_;
  QLineEdit* search_;
  QPlainTextEdit* trainingText_;
  QLabel* trainingNote_;
  QTableView* valuesView_;
  WalkValuesModel* values_;
  TensorView* selected_;
  QTimer* typing_;
};

}  // namespace gs
