// The Autodiff Lab: stepping known functions reproduces what the engine computes (forward values,
// tangents from jvp, cotangents from vjp), the current equation is highlighted in the text and the
// graph, Back undoes, bad expressions and bad variables are errors at their position, the values
// model passes QAbstractItemModelTester, the derivative plots, and the training step's jaxpr.
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableView>
#include <QtTest>
#include <qcustomplot.h>

#include "engine/ir/interpreter.h"
#include "engine/nn/model_spec.h"
#include "engine/ops/shape_ops.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/jvp.h"
#include "widgets/autodiff_lab/autodiff_lab_panel.h"
#include "widgets/autodiff_lab/jaxpr_graph_layout.h"
#include "widgets/autodiff_lab/jaxpr_graph_view.h"
#include "widgets/autodiff_lab/walk_values_model.h"

using namespace gs;
using engine::Tensor;
using engine::Tensors;
using engine::WalkMode;

namespace {

std::vector<float> floats(const Tensor& t) { return t.array().to_vector<float>(); }

int presetIndex(const std::string& title) { return lab_preset_index(title); }

// The function the panel built, rebuilt independently from the same preset.
LabFunction presetFunction(const std::string& title) {
  const LabPreset& p = lab_presets()[presetIndex(title)];
  LabError err;
  auto f = build_lab_function(p.expr, p.variables, 0, &err);
  if (!f) qFatal("preset %s: %s", title.c_str(), err.message.c_str());
  return *f;
}

Tensors onesLike(const Tensors& ts) {
  Tensors out;
  for (const Tensor& t : ts) out.push_back(engine::full_like(t, 1.0));
  return out;
}

}  // namespace

class AutodiffLabTest : public QObject {
  Q_OBJECT

 private slots:
  void halfSquaredNormVjpReachesX() {
    AutodiffLabPanel lab;
    QCOMPARE(lab.mode(), WalkMode::vjp);
    QVERIFY(lab.walk());
    QVERIFY(lab.inputDerivativesText().contains("cotangent of x: not reached yet"));
    lab.run();
    QVERIFY(lab.walk()->finished());
    QCOMPARE(floats(lab.walk()->input_cotangents()[0]), (std::vector<float>{1, -2, 3}));
    QVERIFY2(lab.inputDerivativesText().contains("cotangent of x = [1, -2, 3]"), qPrintable(lab.inputDerivativesText()));
  }

  void steppingReproducesTheEngineInEveryMode() {
    AutodiffLabPanel lab;
    lab.loadPreset(presetIndex("two-layer net"));
    LabFunction f = presetFunction("two-layer net");
    QVERIFY(!lab.walk()->jaxprs().primal.jaxpr.eqns.empty());

    lab.setMode(WalkMode::forward);
    while (!lab.walk()->finished()) lab.step();
    QCOMPARE(floats(lab.walk()->outputs()[0]), floats(f.fn(f.values)[0]));

    lab.setMode(WalkMode::jvp);
    QCOMPARE(lab.walk()->position(), size_t(0));
    while (!lab.walk()->finished()) lab.step();
    auto [outs, touts] = engine::jvp_flat(f.fn, f.values, onesLike(f.values));
    QCOMPARE(floats(lab.walk()->output_tangents()[0]), floats(touts[0]));

    lab.setMode(WalkMode::vjp);
    const size_t nprimal = lab.walk()->jaxprs().primal.jaxpr.eqns.size();
    QVERIFY(lab.walk()->size() > nprimal);
    while (!lab.walk()->finished()) lab.step();
    engine::LinearizedFn lin = engine::linearize_flat(f.fn, f.values);
    Tensors want = lin.vjp(onesLike(lin.primals_out));
    Tensors got = lab.walk()->input_cotangents();
    for (size_t i = 0; i < want.size(); ++i) QCOMPARE(floats(got[i]), floats(want[i]));
    // The gradient by the tree API agrees too (the loss is a scalar).
    auto loss = [&](const Tensor& W1) {
      Tensors args = f.values;
      args[1] = W1;
      return f.fn(args)[0];
    };
    QCOMPARE(floats(got[1]), floats(engine::grad(loss)(f.values[1]).leaf()));
  }

  void currentEquationIsHighlightedAndBackUndoes() {
    AutodiffLabPanel lab;
    lab.loadPreset(presetIndex("two-layer net"));
    QVERIFY(lab.graphView()->nodeCount() > 0);
    QCOMPARE(lab.highlightedTextLine(), -1);
    lab.step();
    QCOMPARE(lab.highlightedTextLine(), 1);  // the first equation's line
    QCOMPARE(lab.highlightedGraphEquation(), 0);
    lab.step();
    QCOMPARE(lab.highlightedGraphEquation(), 1);
    lab.back();
    QCOMPARE(lab.walk()->position(), size_t(1));
    QCOMPARE(lab.highlightedGraphEquation(), 0);
    // Into the backward walk: the transposed equation's line is in the linear jaxpr, and the
    // graph highlights the primal equation it came from.
    const size_t nprimal = lab.walk()->jaxprs().primal.jaxpr.eqns.size();
    while (lab.walk()->position() < nprimal + 1) lab.step();
    const engine::WalkStep& s = lab.walk()->steps()[nprimal];
    QVERIFY(s.backward);
    QVERIFY(lab.highlightedTextLine() > static_cast<int>(nprimal) + 1);
    QCOMPARE(lab.highlightedGraphEquation(), s.primal_eqn);
    auto* text = lab.findChild<QPlainTextEdit*>("Jaxprtext");
    QVERIFY(text);
    QVERIFY(text->document()->findBlockByNumber(lab.highlightedTextLine()).text().contains(
        QString::fromStdString(std::string(engine::rules(lab.walk()->jaxprs().linearized.linear.jaxpr.eqns[s.eqn].prim).name))));
    lab.reset();
    QCOMPARE(lab.walk()->position(), size_t(0));
    QVERIFY(!lab.findChild<QPushButton*>("Back")->isEnabled());
  }

  void valuesModelShowsTheStepAndPassesTheTester() {
    AutodiffLabPanel lab;  // ½xᵀx in VJP
    auto* view = lab.findChild<QTableView*>("Stepvalues");
    QVERIFY(view);
    auto* model = qobject_cast<WalkValuesModel*>(view->model());
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model->rowCount(), 0);
    lab.step();  // b = mul a a
    QCOMPARE(model->rowCount(), 3);  // a, a -> b
    QCOMPARE(model->index(2, WalkValuesModel::Value).data().toString(), QString("[1, 4, 9]"));
    lab.run();  // the last step is a transposed one: cotangents
    QVERIFY(model->rowCount() > 0);
    QCOMPARE(model->headerData(WalkValuesModel::Derivative, Qt::Horizontal, Qt::DisplayRole).toString(),
             QString("Cotangent"));
    bool sawX = false;
    for (int r = 0; r < model->rowCount(); ++r)
      if (model->index(r, WalkValuesModel::Variable).data().toString().contains("(of a)")) {
        sawX = true;
        QCOMPARE(model->index(r, WalkValuesModel::Derivative).data().toString(), QString("[1, -2, 3]"));
      }
    QVERIFY(sawX);
  }

  void badExpressionIsAnErrorAtItsPosition() {
    AutodiffLabPanel lab;
    lab.setExpression("sum(x * )");
    QVERIFY(!lab.walk());
    QCOMPARE(lab.error().line, 1);
    QVERIFY(lab.error().col > 0);
    QVERIFY2(lab.errorText().startsWith(QString("1:%1:").arg(lab.error().col)), qPrintable(lab.errorText()));
    QVERIFY(lab.errorText().endsWith(QString(lab.error().col - 1, ' ') + "^"));
    QVERIFY(!lab.findChild<QPushButton*>("Step")->isEnabled());
    lab.step();  // harmless without a function

    // A shape error points at the operator.
    lab.setExpression("sum(x @ y)");
    lab.setVariable("x", "3", "1, 2, 3");
    lab.setVariable("y", "4", "1, 2, 3, 4");
    QVERIFY(!lab.walk());
    QCOMPARE(lab.error().line, 1);
    QCOMPARE(lab.error().col, 7);
    // A variable with the wrong number of values names the variable.
    lab.setExpression("sum(x * x)");
    lab.setVariable("x", "2,2", "1, 2, 3");
    QVERIFY(!lab.walk());
    QCOMPARE(lab.error().variable, std::string("x"));
    QVERIFY2(lab.errorText().contains("holds 4 numbers but 3 were given"), qPrintable(lab.errorText()));
    // Fixed: the walk is back.
    lab.setVariable("x", "2,2", "");
    QVERIFY(lab.walk());
    QVERIFY(lab.errorText().isEmpty());
  }

  // The seeds are the user's: JVP pushes the typed tangent forward (a directional derivative),
  // VJP pulls the typed output cotangent back (a vector-Jacobian product); empty is ones.
  void typedTangentsAndCotangentsSeedTheWalk() {
    AutodiffLabPanel lab;
    lab.setExpression("x * x");
    lab.setVariable("x", "3", "1, -2, 3");
    lab.setMode(engine::WalkMode::jvp);
    lab.run();
    auto values = [](const engine::Tensor& t) { return t.array().to_vector<float>(); };
    QCOMPARE(values(lab.walk()->output_tangents().at(0)), (std::vector<float>{2, -4, 6}));  // 2x * ones
    lab.setTangent("x", "0, 1, 0");
    lab.run();
    QCOMPARE(values(lab.walk()->output_tangents().at(0)), (std::vector<float>{0, -4, 0}));
    lab.setMode(engine::WalkMode::vjp);
    lab.setOutputCotangent("1, 0, 0.5");
    lab.run();
    QCOMPARE(values(lab.walk()->input_cotangents().at(0)), (std::vector<float>{2, 0, 3}));  // 2x * ct
    // A seed of the wrong size names its field, and clearing it gives ones again.
    lab.setOutputCotangent("1, 2");
    QVERIFY(!lab.walk());
    QVERIFY2(lab.errorText().contains("the output's cotangent: shape [3] holds 3 numbers but 2 were given"),
             qPrintable(lab.errorText()));
    lab.setTangent("x", "1");
    lab.setOutputCotangent("");
    QVERIFY(!lab.walk());
    QVERIFY2(lab.errorText().contains("the tangent of x"), qPrintable(lab.errorText()));
    lab.setTangent("x", "");
    QVERIFY(lab.walk());
    lab.run();
    QCOMPARE(values(lab.walk()->input_cotangents().at(0)), (std::vector<float>{2, -4, 6}));
  }

  void derivativePlotsAndJacobians() {
    AutodiffLabPanel lab;
    lab.loadPreset(presetIndex("x*x/2 (scalar)"));
    auto* plot = lab.findChild<QCustomPlot*>("Functionandderivativeplot");
    QVERIFY(plot && !plot->isHidden());
    QCOMPARE(plot->graphCount(), 4);  // f, f′, tangent line, the point
    // f′(x) = x on the plotted grid.
    QCPGraphDataContainer& d = *plot->graph(1)->data();
    for (auto it = d.constBegin(); it != d.constEnd(); ++it) QVERIFY(std::abs(it->value - it->key) < 1e-5);
    lab.loadPreset(presetIndex("selu"));
    QVERIFY(plot->isHidden());
  }

  void trainingStepJaxpr() {
    AutodiffLabPanel lab;
    lab.showTrainingStep(engine::nn::builtin_spec("mlp"));
    const int mlp = lab.trainingStepEquations();
    QVERIFY2(mlp > 50, qPrintable(QString::number(mlp)));
    lab.showTrainingStep(engine::nn::builtin_spec("cnn"));
    QVERIFY2(lab.trainingStepEquations() > mlp, qPrintable(QString::number(lab.trainingStepEquations())));
    auto* text = lab.findChild<QPlainTextEdit*>("Trainingstepjaxpr");
    QVERIFY(text && text->toPlainText().contains("conv_general_dilated"));
    nlohmann::json bad = {{"layers", nlohmann::json::array({{{"type", "dense"}, {"features", 3}}})}};
    lab.showTrainingStep(bad);
    QCOMPARE(lab.trainingStepEquations(), 0);
  }

  void graphLayoutOfAJaxpr() {
    AutodiffLabPanel lab;
    const engine::Jaxpr& j = lab.walk()->jaxprs().primal.jaxpr;  // ½xᵀx: 3 equations
    GraphLayout g = layout_jaxpr(j);
    QCOMPARE(g.nodes.size(), size_t(1 + 3 + 1));  // input, equations, output
    QVERIFY(g.width > 0 && g.height > 0);
    // dot puts the input above the first equation, and that above the last.
    QVERIFY(g.nodes[0].y < g.nodes[g.node_of_eqn(0)].y);
    QVERIFY(g.nodes[g.node_of_eqn(0)].y < g.nodes[g.node_of_eqn(2)].y);
    for (const GraphEdge& e : g.edges) {
      QVERIFY(e.points.size() >= 8);  // at least one Bézier segment
      QVERIFY(e.label_x > 0 && e.label_x < g.width + 50 && e.label_y > 0 && e.label_y < g.height + 50);
    }
  }
};

QTEST_MAIN(AutodiffLabTest)
#include "autodiff_lab_test.moc"
