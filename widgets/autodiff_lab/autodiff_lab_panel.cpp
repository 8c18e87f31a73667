#include "widgets/autodiff_lab/autodiff_lab_panel.h"

#include <QComboBox>
#include <algorithm>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTextBlock>
#include <QTimer>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "engine/ops/shape_ops.h"
#include "engine/train/train_step_jaxpr.h"
#include "widgets/autodiff_lab/jaxpr_graph_view.h"
#include "widgets/autodiff_lab/tensor_view.h"
#include "widgets/autodiff_lab/walk_values_model.h"
#include "widgets/common/chart_export.h"
#include "widgets/common/controls.h"
#include "widgets/common/plot_style.h"
#include "widgets/common/qt_convert.h"

namespace gs {

namespace {
enum VarColumn { VarName, VarShape, VarValues, VarTangent };
// Graphs beyond this many equations are not laid out on every edit (the training step has its
// own text view); the text view always works.
constexpr size_t kMaxGraphEquations = 400;
}  // namespace

AutodiffLabPanel::AutodiffLabPanel(QWidget* parent) : QWidget(parent) {
  buildUi();
  loadPreset(0);
}

AutodiffLabPanel::~AutodiffLabPanel() = default;

void AutodiffLabPanel::buildUi() {
  const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);

  presets_ = named(new QComboBox, "Preset", tr("Load a classic example function with its variables"));
  for (const LabPreset& p : lab_presets()) presets_->addItem(qstr(p.title));
  connect(presets_, &QComboBox::activated, this, [this](int i) { loadPreset(i); });

  expression_ = named(new QPlainTextEdit, "Expression",
                      tr("The function, in the expression language: e.g. sum(x*x)/2, or 'h = tanh(W @ x)' "
                         "lines then a last expression. Its free names are the variables."));
  expression_->setFont(mono);
  expression_->setMaximumHeight(QFontMetrics(mono).height() * 4 + 12);
  typing_ = new QTimer(this);
  typing_->setSingleShot(true);
  typing_->setInterval(350);
  connect(typing_, &QTimer::timeout, this, [this] { rebuild(); });
  connect(expression_, &QPlainTextEdit::textChanged, this, [this] {
    if (!syncing_) typing_->start();
  });

  errorLabel_ = new QLabel;
  errorLabel_->setObjectName("ExpressionError");
  errorLabel_->setFont(mono);
  errorLabel_->setWordWrap(true);
  errorLabel_->setStyleSheet("color: #b00020;");
  errorLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  variables_ = named(new QTableWidget(0, 4), "Variables",
                     tr("One row per variable: its shape (empty for a scalar, 4,3 for a matrix), values "
                        "(numbers row by row; empty draws them from the PRNG key) and JVP's tangent "
                        "(numbers the same way; empty is ones)"));
  variables_->setHorizontalHeaderLabels(
      {tr("Variable"), tr("Shape"), tr("Values (empty: random)"), tr("Tangent for JVP (empty: ones)")});
  for (int c : {VarValues, VarTangent}) variables_->horizontalHeader()->setSectionResizeMode(c, QHeaderView::Stretch);
  variables_->verticalHeader()->hide();
  variables_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
  variables_->setMaximumHeight(fontMetrics().height() * 8);
  connect(variables_, &QTableWidget::itemChanged, this, [this] {
    if (!syncing_) rebuild();
  });
  seed_ = named(new QSpinBox, "Seed", tr("PRNG key seed for the variables whose values are left empty"));
  seed_->setRange(0, 1000000);
  connect(seed_, &QSpinBox::valueChanged, this, [this] { rebuild(); });
  cotangent_ = named(new QLineEdit, "Output cotangent",
                     tr("VJP's cotangent of the output: numbers row by row, as many as the output holds; "
                        "empty is ones (the gradient, for a scalar output)"));
  cotangent_->setPlaceholderText(tr("ones"));
  connect(cotangent_, &QLineEdit::textChanged, this, [this] {
    if (!syncing_) typing_->start();
  });

  forward_ = named(new QRadioButton(tr("Forward")), "Forward", tr("Step through the function's own jaxpr"));
  jvp_ = named(new QRadioButton(tr("JVP")), "JVP",
               tr("Forward mode: every value with its tangent (the inputs' tangents: the table's last column)"));
  vjp_ = named(new QRadioButton(tr("VJP")), "VJP",
               tr("Reverse mode: the forward pass, then cotangents flowing back through the transposed "
                  "linear jaxpr (the output's cotangent: the field beside Reset)"));
  vjp_->setChecked(true);
  for (auto [b, m] : {std::pair{forward_, engine::WalkMode::forward}, {jvp_, engine::WalkMode::jvp},
                      {vjp_, engine::WalkMode::vjp}})
    connect(b, &QRadioButton::toggled, this, [this, m = m](bool on) {
      if (on) setMode(m);
    });

  step_ = named(new QPushButton(tr("Step")), "Step", tr("Run the next equation (F10)"));
  step_->setShortcut(Qt::Key_F10);
  back_ = named(new QPushButton(tr("Back")), "Back", tr("Undo the last equation (Shift+F10)"));
  back_->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F10));
  run_ = named(new QPushButton(tr("Run")), "Run", tr("Run every remaining equation"));
  reset_ = named(new QPushButton(tr("Reset")), "Reset", tr("Back to before the first equation"));
  connect(step_, &QPushButton::clicked, this, &AutodiffLabPanel::step);
  connect(back_, &QPushButton::clicked, this, &AutodiffLabPanel::back);
  connect(run_, &QPushButton::clicked, this, &AutodiffLabPanel::run);
  connect(reset_, &QPushButton::clicked, this, &AutodiffLabPanel::reset);
  position_ = new QLabel;
  position_->setObjectName("StepPosition");

  inputDerivatives_ = new QLabel;  // its text is its accessible name: screen readers read it
  inputDerivatives_->setObjectName("InputDerivatives");
  inputDerivatives_->setFont(mono);
  inputDerivatives_->setWordWrap(true);
  inputDerivatives_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  // Views
  views_ = named(new QTabWidget, "Lab views", tr("The jaxpr as text and as a graph, derivative plots, "
                                                 "and a model's training step"));
  jaxprText_ = named(new QPlainTextEdit, "Jaxpr text", tr("The jaxpr; the current equation is highlighted"));
  jaxprText_->setReadOnly(true);
  jaxprText_->setFont(mono);
  jaxprText_->setLineWrapMode(QPlainTextEdit::NoWrap);
  views_->addTab(jaxprText_, tr("Jaxpr"));
  graph_ = named(new JaxprGraphView, "Jaxpr graph",
                 tr("Equations as boxes, variables as edges (Graphviz dot layout); wheel zooms, drag pans"));
  views_->addTab(graph_, tr("Graph"));

  auto* derivatives = new QWidget;
  auto* dl = new QVBoxLayout(derivatives);
  derivativesNote_ = new QLabel;
  derivativesNote_->setWordWrap(true);
  curve_ = named(new QCustomPlot, "Function and derivative plot",
                 tr("f and f′ (vmap of grad) around the chosen point, with the tangent line there"));
  stylePlot(curve_, tr("x"), tr("value"));
  addExportMenu(curve_, "autodiff_lab_curve");
  jacobians_ = new QWidget;
  auto* jl = new QGridLayout(jacobians_);
  jacFwd_ = named(new TensorView, "Jacobian by jacfwd", tr("The Jacobian by jacfwd (vmap of jvp)"));
  jacRev_ = named(new TensorView, "Jacobian by jacrev", tr("The Jacobian by jacrev (vmap of vjp)"));
  jl->addWidget(jacFwd_, 0, 0);
  jl->addWidget(jacRev_, 0, 1);
  dl->addWidget(derivativesNote_);
  dl->addWidget(curve_, 1);
  dl->addWidget(jacobians_, 1);
  views_->addTab(derivatives, tr("Derivatives"));

  auto* training = new QWidget;
  auto* tl = new QVBoxLayout(training);
  search_ = named(new QLineEdit, "Search training step",
                  tr("Find text in the training step's jaxpr (Enter: next, Shift+Enter: previous)"));
  search_->setPlaceholderText(tr("Search, e.g. dot_general or log"));
  connect(search_, &QLineEdit::returnPressed, this, [this] {
    findInTrainingStep(QApplication::keyboardModifiers() & Qt::ShiftModifier);
  });
  connect(search_, &QLineEdit::textChanged, this, [this] {
    trainingText_->moveCursor(QTextCursor::Start);
    findInTrainingStep(false);
  });
  trainingNote_ = new QLabel(tr("No model yet: build one in the Model Builder to see its training step here."));
  trainingNote_->setWordWrap(true);
  trainingText_ = named(new QPlainTextEdit, "Training step jaxpr",
                        tr("The jaxpr of one whole training step: forward, loss, gradients, update"));
  trainingText_->setReadOnly(true);
  trainingText_->setFont(mono);
  trainingText_->setLineWrapMode(QPlainTextEdit::NoWrap);
  tl->addWidget(trainingNote_);
  tl->addWidget(search_);
  tl->addWidget(trainingText_, 1);
  views_->addTab(training, tr("Training step"));
  trainingTab_ = training;
  connect(views_, &QTabWidget::currentChanged, this, [this] {
    if (views_->currentWidget() == trainingTab_ && pendingSpec_) {
      nlohmann::json spec = std::move(*pendingSpec_);
      pendingSpec_.reset();
      showTrainingStep(spec);
    }
  });

  values_ = new WalkValuesModel(this);
  valuesView_ = named(new QTableView, "Step values",
                      tr("What the current equation read and wrote, with tangents or cotangents; select a "
                         "row to see it below"));
  valuesView_->setModel(values_);
  valuesView_->setSelectionBehavior(QAbstractItemView::SelectRows);
  valuesView_->setSelectionMode(QAbstractItemView::SingleSelection);
  valuesView_->horizontalHeader()->setStretchLastSection(true);
  valuesView_->verticalHeader()->hide();
  selected_ = named(new TensorView, "Selected value", tr("The selected value (or its derivative) as a heatmap"));
  connect(valuesView_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& cur) {
            const engine::WalkValue* v = values_->valueAt(cur.row());
            if (!v) return selected_->setHint(tr("Select a variable to see its value"));
            const bool derivative = mode_ != engine::WalkMode::forward && v->derivative.defined();
            selected_->setTensor(derivative ? v->derivative : v->value,
                                 qstr(v->name) + (derivative ? (mode_ == engine::WalkMode::jvp ? tr(" tangent")
                                                                                           : tr(" cotangent"))
                                                             : QString()));
          });

  // Layout: function on top, views left, values right.
  auto* top = new QGridLayout;
  top->addWidget(new QLabel(tr("Preset")), 0, 0);
  top->addWidget(presets_, 0, 1);
  top->addWidget(new QLabel(tr("Seed")), 0, 2);
  top->addWidget(seed_, 0, 3);
  top->addWidget(new QLabel(tr("f =")), 1, 0, Qt::AlignTop);
  top->addWidget(expression_, 1, 1, 1, 3);
  top->addWidget(errorLabel_, 2, 1, 1, 3);
  top->addWidget(variables_, 3, 0, 1, 4);
  top->setColumnStretch(1, 1);

  auto* controls = new QHBoxLayout;
  controls->addWidget(forward_);
  controls->addWidget(jvp_);
  controls->addWidget(vjp_);
  controls->addSpacing(12);
  for (QPushButton* b : {step_, back_, run_, reset_}) controls->addWidget(b);
  controls->addSpacing(12);
  controls->addWidget(new QLabel(tr("Output cotangent")));
  controls->addWidget(cotangent_);
  controls->addWidget(position_, 1);

  auto* right = new QSplitter(Qt::Vertical);
  right->addWidget(valuesView_);
  right->addWidget(selected_);
  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(views_);
  split->addWidget(right);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 1);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addLayout(controls);
  layout->addWidget(split, 1);
  layout->addWidget(inputDerivatives_);
}

void AutodiffLabPanel::loadPreset(int index) {
  const auto& presets = lab_presets();
  if (index < 0 || index >= static_cast<int>(presets.size())) return;
  const LabPreset& p = presets[index];
  syncing_ = true;
  presets_->setCurrentIndex(index);
  expression_->setPlainText(qstr(p.expr));
  cotangent_->clear();  // the preset's output may have another shape
  setVariableRows(p.variables);
  syncing_ = false;
  typing_->stop();
  rebuild();
}

void AutodiffLabPanel::setExpression(const QString& text) {
  syncing_ = true;
  expression_->setPlainText(text);
  syncing_ = false;
  typing_->stop();
  rebuild();
}

void AutodiffLabPanel::setVariable(const QString& name, const QString& shape, const QString& values) {
  setVariableCells(name, {{VarShape, shape}, {VarValues, values}});
}

void AutodiffLabPanel::setTangent(const QString& name, const QString& tangent) {
  setVariableCells(name, {{VarTangent, tangent}});
}

// Sets cells of the variable's row (the rows follow the expression first), then rebuilds once.
void AutodiffLabPanel::setVariableCells(const QString& name, const QList<QPair<int, QString>>& cells) {
  syncVariableRows();
  syncing_ = true;
  for (int r = 0; r < variables_->rowCount(); ++r)
    if (variables_->item(r, VarName)->text() == name)
      for (const auto& [column, text] : cells) variables_->item(r, column)->setText(text);
  syncing_ = false;
  rebuild();
}

void AutodiffLabPanel::setOutputCotangent(const QString& cotangent) {
  syncing_ = true;
  cotangent_->setText(cotangent);
  syncing_ = false;
  typing_->stop();
  rebuild();
}

// One row per variable; names are fixed (the expression decides them), shapes and values editable.
void AutodiffLabPanel::setVariableRows(const std::vector<LabVariable>& rows) {
  variables_->setRowCount(0);
  for (const LabVariable& v : rows) {
    int r = variables_->rowCount();
    variables_->insertRow(r);
    auto* name = new QTableWidgetItem(qstr(v.name));
    name->setFlags(name->flags() & ~Qt::ItemIsEditable);
    variables_->setItem(r, VarName, name);
    variables_->setItem(r, VarShape, new QTableWidgetItem(qstr(v.shape)));
    variables_->setItem(r, VarValues, new QTableWidgetItem(qstr(v.values)));
    variables_->setItem(r, VarTangent, new QTableWidgetItem(qstr(v.tangent)));
  }
}

std::vector<LabVariable> AutodiffLabPanel::variablesFromTable() const {
  std::vector<LabVariable> out;
  for (int r = 0; r < variables_->rowCount(); ++r)
    out.push_back({stdstr(variables_->item(r, VarName)->text()), stdstr(variables_->item(r, VarShape)->text()),
                   stdstr(variables_->item(r, VarValues)->text()), stdstr(variables_->item(r, VarTangent)->text())});
  return out;
}

// Rows follow the expression: kept in place (with what the user typed) for names it still reads,
// appended for new names (a 3-vector 1, 2, 3 to start from), dropped for names it no longer reads.
void AutodiffLabPanel::syncVariableRows() {
  LabError err;
  std::vector<std::string> names = expression_variables(stdstr(expression_->toPlainText()), &err);
  if (!err.message.empty()) return;  // keep the rows while the text does not parse
  std::vector<LabVariable> old = variablesFromTable(), rows;
  for (const LabVariable& o : old)
    if (std::find(names.begin(), names.end(), o.name) != names.end()) rows.push_back(o);
  for (const std::string& n : names)
    if (std::none_of(rows.begin(), rows.end(), [&](const LabVariable& v) { return v.name == n; }))
      rows.push_back({n, "3", "1, 2, 3"});
  syncing_ = true;
  setVariableRows(rows);
  syncing_ = false;
}

void AutodiffLabPanel::rebuild() {
  syncVariableRows();
  LabError err;
  function_ = build_lab_function(stdstr(expression_->toPlainText()), variablesFromTable(), seed_->value(), &err,
                                 stdstr(cotangent_->text()));
  if (!function_) {
    walk_.reset();
    showError(err);
    return;
  }
  showError({});
  startWalk();
  showDerivatives();
}

QString AutodiffLabPanel::errorText() const { return errorLabel_->text(); }

// The message, and for a position in the expression its line with a caret under the column.
void AutodiffLabPanel::showError(const LabError& e) {
  error_ = e;
  errorLabel_->setVisible(!e.message.empty());
  if (e.message.empty()) {
    errorLabel_->clear();
    return;
  }
  QString text = qstr(e.message);
  if (e.line > 0) {
    QStringList lines = expression_->toPlainText().split('\n');
    if (e.line <= lines.size()) {
      text += "\n" + lines[e.line - 1] + "\n" + QString(std::max(0, e.col - 1), ' ') + "^";
      // Put the cursor there too, so the editor shows where.
      QTextCursor c(expression_->document()->findBlockByNumber(e.line - 1));
      c.movePosition(QTextCursor::Right, QTextCursor::MoveAnchor, std::max(0, e.col - 1));
      expression_->setTextCursor(c);
    }
  } else if (!e.variable.empty()) {
    for (int r = 0; r < variables_->rowCount(); ++r)
      if (variables_->item(r, VarName)->text() == qstr(e.variable)) variables_->selectRow(r);
  }
  errorLabel_->setText(text);
  values_->setRecord(nullptr, {});
  selected_->setHint(tr("No function: fix the error above"));
  jaxprText_->setExtraSelections({});
  highlightedLine_ = -1;
  jaxprText_->setPlainText(tr("(no jaxpr: fix the error above)"));
  graph_->clearGraph(tr("No graph: fix the error above."));
  position_->setText(tr("—"));
  inputDerivatives_->setText(tr("No function to differentiate: %1").arg(text.section('\n', 0, 0)));
  for (QPushButton* b : {step_, back_, run_, reset_}) b->setEnabled(false);
  emit walkChanged();
}

void AutodiffLabPanel::setMode(engine::WalkMode mode) {
  mode_ = mode;
  QRadioButton* b = mode == engine::WalkMode::forward ? forward_ : mode == engine::WalkMode::jvp ? jvp_ : vjp_;
  if (!b->isChecked()) b->setChecked(true);  // re-enters through toggled, then returns here
  if (function_) startWalk();
}

void AutodiffLabPanel::startWalk() {
  try {
    const engine::Tensors seeds = mode_ == engine::WalkMode::jvp   ? function_->tangents
                                  : mode_ == engine::WalkMode::vjp ? engine::Tensors{function_->cotangent}
                                                                   : engine::Tensors{};
    walk_ = std::make_unique<engine::AutodiffWalk>(function_->fn, function_->values, mode_, seeds);
  } catch (const std::exception& e) {
    walk_.reset();
    showError({e.what(), 0, 0, {}});
    return;
  }
  const engine::DerivativeJaxprs& d = walk_->jaxprs();
  QString text = qstr(engine::jaxpr_to_string(d.primal.jaxpr, true));
  linearTextOffset_ = -1;
  if (mode_ == engine::WalkMode::vjp) {
    linearTextOffset_ = text.count('\n') + 3;
    text += tr("\n\n# the linear (tangent) jaxpr; VJP walks it from the bottom up, transposing each equation\n");
    text += qstr(engine::jaxpr_to_string(d.linearized.linear.jaxpr, true));
  }
  jaxprText_->setPlainText(text);
  if (d.primal.jaxpr.eqns.size() <= kMaxGraphEquations) {
    try {
      graph_->setLayout(layout_jaxpr(d.primal.jaxpr));
    } catch (const std::exception& e) {
      graph_->clearGraph(qstr(e.what()));
    }
  } else {
    graph_->clearGraph(tr("%1 equations: too many to draw here; see the text view.").arg(d.primal.jaxpr.eqns.size()));
  }
  for (QPushButton* b : {step_, back_, run_, reset_}) b->setEnabled(true);
  emit walkChanged();
  showPosition();
}

void AutodiffLabPanel::step() {
  if (walk_ && !walk_->finished()) walk_->step();
  showPosition();
}
void AutodiffLabPanel::back() {
  if (walk_ && walk_->position() > 0) walk_->back();
  showPosition();
}
void AutodiffLabPanel::run() {
  if (walk_) walk_->run();
  showPosition();
}
void AutodiffLabPanel::reset() {
  if (walk_) walk_->reset();
  showPosition();
}

int AutodiffLabPanel::highlightedGraphEquation() const { return graph_->highlighted(); }

QString AutodiffLabPanel::inputDerivativesText() const { return inputDerivatives_->text(); }

void AutodiffLabPanel::showPosition() {
  if (!walk_) return;
  const size_t pos = walk_->position(), n = walk_->size();
  step_->setEnabled(pos < n);
  run_->setEnabled(pos < n);
  back_->setEnabled(pos > 0);
  reset_->setEnabled(pos > 0);
  const engine::Jaxpr& pj = walk_->jaxprs().primal.jaxpr;
  const engine::Jaxpr& lj = walk_->jaxprs().linearized.linear.jaxpr;

  // The equation that just ran is "current".
  QList<QTextEdit::ExtraSelection> marks;
  auto mark = [&](int line, const QColor& c) {
    QTextEdit::ExtraSelection s;
    s.cursor = QTextCursor(jaxprText_->document()->findBlockByNumber(line));
    s.format.setBackground(c);
    s.format.setProperty(QTextFormat::FullWidthSelection, true);
    marks << s;
  };
  highlightedLine_ = -1;
  QString what;
  if (pos == 0) {
    graph_->highlight(-1);
    what = tr("ready: Step runs the first equation");
    values_->setRecord(nullptr, {});
  } else {
    const engine::WalkRecord& r = walk_->record(pos - 1);
    const engine::Eqn& e = r.step.backward ? lj.eqns[r.step.eqn] : pj.eqns[r.step.eqn];
    const QString prim = qstr(std::string(engine::rules(e.prim).name));
    if (r.step.backward) {
      highlightedLine_ = linearTextOffset_ + 1 + static_cast<int>(r.step.eqn);
      mark(highlightedLine_, QColor(255, 214, 102));
      if (r.step.primal_eqn >= 0) mark(1 + r.step.primal_eqn, QColor(255, 236, 190));
      graph_->highlight(r.step.primal_eqn, /*secondary=*/true);
      what = tr("backward: transposed %1 (from equation %2)").arg(prim).arg(r.step.primal_eqn + 1);
    } else {
      highlightedLine_ = 1 + static_cast<int>(r.step.eqn);
      mark(highlightedLine_, QColor(255, 214, 102));
      graph_->highlight(static_cast<int>(r.step.eqn));
      what = tr("forward: %1").arg(prim);
    }
    values_->setRecord(&r, mode_ == engine::WalkMode::forward ? QString()
                           : mode_ == engine::WalkMode::jvp   ? tr("Tangent")
                                                              : tr("Cotangent"));
    if (r.step.backward || !r.writes.empty()) {
      QStringList tip;
      for (const engine::WalkValue& v : r.writes)
        tip << qstr(v.name) + " = " + tensorSummary(v.derivative.defined() ? v.derivative : v.value, 16);
      graph_->setEquationToolTip(r.step.backward ? r.step.primal_eqn : static_cast<int>(r.step.eqn), tip.join('\n'));
    }
    valuesView_->resizeColumnsToContents();
    if (values_->rowCount() > 0) valuesView_->selectRow(values_->rowCount() - 1);
  }
  jaxprText_->setExtraSelections(marks);
  if (highlightedLine_ >= 0) {
    QTextCursor c(jaxprText_->document()->findBlockByNumber(highlightedLine_));
    jaxprText_->setTextCursor(c);
    jaxprText_->ensureCursorVisible();
  }
  position_->setText(tr("Step %1 of %2 — %3").arg(pos).arg(n).arg(what));

  // The inputs: value, and what is known of their tangent / cotangent now.
  QStringList lines;
  const std::vector<std::string>& names = function_->names;
  for (size_t i = 0; i < pj.invars.size() && i < names.size(); ++i) {
    const int v = pj.invars[i];
    const QString n = qstr(names[i]);
    if (mode_ == engine::WalkMode::jvp)
      lines << tr("tangent of %1 = %2").arg(n, tensorSummary(walk_->tangent(v), 12));
    else if (mode_ == engine::WalkMode::vjp)
      lines << (walk_->finished() || walk_->cotangent(v).defined()
                    ? tr("cotangent of %1 = %2").arg(n, tensorSummary(walk_->cotangent(v).defined()
                                                                         ? walk_->cotangent(v)
                                                                         : engine::zeros(walk_->jaxprs().linearized.in_avals[i].shape),
                                                                     12))
                    : tr("cotangent of %1: not reached yet").arg(n));
  }
  if (pos >= pj.eqns.size()) {
    engine::Tensors outs = walk_->outputs();
    QString out = tr("f = %1").arg(tensorSummary(outs[0], 12));
    if (mode_ == engine::WalkMode::jvp && walk_->finished())
      out += tr("   tangent of f = %1").arg(tensorSummary(walk_->output_tangents()[0], 12));
    lines.prepend(out);
  }
  inputDerivatives_->setText(lines.join('\n'));
  emit stepped();
}

void AutodiffLabPanel::showDerivatives() {
  curve_->clearGraphs();
  curve_->clearItems();
  const LabFunction& f = *function_;
  const bool scalarIn = f.values.size() == 1 && f.values[0].rank() == 0;
  const bool scalarOut = f.result_type.find('[') != std::string::npos &&
                         f.result_type.substr(f.result_type.find('[')) == "[]";
  curve_->setVisible(scalarIn && scalarOut);
  jacobians_->setVisible(!(scalarIn && scalarOut));
  try {
    if (scalarIn && scalarOut) {
      ScalarCurve c = scalar_curve(f.fn, f.values[0].array().astype(engine::DType::f64).to_vector<double>()[0]);
      auto vec = [](const std::vector<double>& v) { return QVector<double>(v.begin(), v.end()); };
      QCPGraph* g = curve_->addGraph();
      g->setName(tr("f(%1)").arg(qstr(f.names[0])));
      g->setPen(QPen(seriesColor(0), 2));
      g->setData(vec(c.x), vec(c.f), true);
      QCPGraph* d = curve_->addGraph();
      d->setName(tr("f′ (vmap of grad)"));
      d->setPen(QPen(seriesColor(1), 2));
      d->setData(vec(c.x), vec(c.df), true);
      QCPGraph* t = curve_->addGraph();
      t->setName(tr("tangent at %1 = %2").arg(qstr(f.names[0])).arg(c.x0, 0, 'g', 4));
      t->setPen(QPen(seriesColor(2), 1.5, Qt::DashLine));
      QVector<double> tx{c.x.front(), c.x.back()};
      t->setData(tx, {c.f0 + c.df0 * (tx[0] - c.x0), c.f0 + c.df0 * (tx[1] - c.x0)}, true);
      QCPGraph* p = curve_->addGraph();
      p->removeFromLegend();
      p->setLineStyle(QCPGraph::lsNone);
      p->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, seriesColor(2), 8));
      p->setData({c.x0}, {c.f0});
      curve_->xAxis->setLabel(qstr(f.names[0]));
      fitAxes(curve_);
      curve_->replot();
      derivativesNote_->setText(tr("f(%1) = %2, f′(%1) = %3 (grad at the point).")
                                    .arg(c.x0, 0, 'g', 4)
                                    .arg(c.f0, 0, 'g', 5)
                                    .arg(c.df0, 0, 'g', 5));
    } else {
      auto [jf, jr] = lab_jacobians(f.fn, f.values, 0);
      const engine::Shape& in = f.values[0].shape();
      int64_t n = 1;
      for (int64_t s : in) n *= s;
      // As a matrix: output elements × input elements.
      jf = engine::reshape(jf, {jf.size() / std::max<int64_t>(n, 1), n});
      jr = engine::reshape(jr, {jr.size() / std::max<int64_t>(n, 1), n});
      jacFwd_->setTensor(jf, tr("jacfwd, ∂f/∂%1").arg(qstr(f.names[0])));
      jacRev_->setTensor(jr, tr("jacrev, ∂f/∂%1").arg(qstr(f.names[0])));
      double diff = 0;
      auto a = jf.array().astype(engine::DType::f64).to_vector<double>();
      auto b = jr.array().astype(engine::DType::f64).to_vector<double>();
      for (size_t i = 0; i < a.size(); ++i) diff = std::max(diff, std::abs(a[i] - b[i]));
      derivativesNote_->setText(tr("The Jacobian of f with respect to %1 (rows: outputs, columns: %1's elements) "
                                   "by forward mode and by reverse mode; largest difference %2.")
                                    .arg(qstr(f.names[0]))
                                    .arg(diff, 0, 'g', 3));
    }
  } catch (const std::exception& e) {
    derivativesNote_->setText(tr("Derivatives unavailable: %1").arg(qstr(e.what())));
  }
}

void AutodiffLabPanel::showTrainingStep(const nlohmann::json& spec) {
  try {
    engine::ClosedJaxpr cj = engine::train::train_step_jaxpr(spec);
    trainingEqns_ = static_cast<int>(cj.jaxpr.eqns.size());
    trainingText_->setPlainText(qstr(engine::jaxpr_to_string(cj.jaxpr, true)));
    trainingNote_->setText(tr("One training step of '%1' on a batch of 8: %2 equations (forward, loss, "
                              "gradients by reverse mode, optimizer update). Search below.")
                               .arg(qstr(spec.value("name", std::string("the model"))))
                               .arg(trainingEqns_));
  } catch (const std::exception& e) {
    trainingEqns_ = 0;
    trainingText_->clear();
    trainingNote_->setText(tr("No training step: %1").arg(qstr(e.what())));
  }
}

void AutodiffLabPanel::setModelSpec(const nlohmann::json& spec) {
  pendingSpec_ = spec;
  if (views_->currentWidget() == trainingTab_ && isVisible()) {
    pendingSpec_.reset();
    showTrainingStep(spec);
  }
}

void AutodiffLabPanel::findInTrainingStep(bool backwards) {
  const QString q = search_->text();
  if (q.isEmpty()) return;
  QTextDocument::FindFlags flags;
  if (backwards) flags |= QTextDocument::FindBackward;
  if (!trainingText_->find(q, flags)) {
    trainingText_->moveCursor(backwards ? QTextCursor::End : QTextCursor::Start);
    trainingText_->find(q, flags);
  }
}

}  // namespace gs
