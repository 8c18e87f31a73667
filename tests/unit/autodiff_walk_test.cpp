// Derivatives you can watch: derivative_jaxprs (every jaxpr reverse mode builds, with the links
// from primal variables to their tangents and cotangents), the AutodiffWalk that steps through
// them (walking to the end gives bit for bit what jvp / vjp return; back and run_to undo and
// redo exactly), and jacfwd / jacrev by vmap against finite differences and each other.
#include <QtTest>
#include <cmath>
#include <cstring>

#include "engine/expr/expr.h"
#include "engine/ir/interpreter.h"
#include "engine/numpy.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/autodiff_walk.h"
#include "engine/transforms/derivative_jaxprs.h"
#include "engine/transforms/jvp.h"
#include "engine/transforms/make_jaxpr.h"
#include "unit/test_support.h"

using namespace engine;

namespace {

Tensor vec(std::vector<float> v) { return Array::from_vector(v); }
Tensor mat(std::vector<float> v, Shape s) { return Array::from_vector(v, std::move(s)); }
std::vector<float> values(const Tensor& t) { return t.array().to_vector<float>(); }

// Bit for bit: same shape, dtype and bytes.
bool identical(const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined() || a.aval() != b.aval()) return false;
  std::vector<float> x = values(a), y = values(b);
  return std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}
#define QVERIFY_IDENTICAL(a, b) \
  QVERIFY2(identical(a, b), ("got " + Tensor(a).str() + " want " + Tensor(b).str()).c_str())

bool near(const Tensor& t, const std::vector<float>& want, float tol) {
  std::vector<float> got = values(t);
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (std::abs(got[i] - want[i]) > tol * (1 + std::abs(want[i]))) return false;
  return true;
}

FlatFn expr_fn(const std::string& text, std::vector<std::string> names) {
  return expr::make_flat_fn(expr::parse_program(text), std::move(names));
}

// A few functions over two inputs (W: 3x2, x: 2) exercising broadcasting, reductions, matmul,
// nonlinearities and a variable used twice (cotangents summed).
const char* kNet = "h = tanh(W @ x); sum(h * h) / 2 + sum(exp(x) * x)";

}  // namespace

class AutodiffWalkTest : public QObject {
  Q_OBJECT

 private slots:
  void derivativeJaxprsExposeEveryStage() {
    Tensor x = vec({1, -2, 3});
    DerivativeJaxprs d = derivative_jaxprs(expr_fn("sum(x * x) / 2", {"x"}), {x});
    QCOMPARE(QString::fromStdString(jaxpr_to_string(d.primal.jaxpr)),
             QString("{ lambda ; a:f32[3]. let b:f32[3] = mul a a; c:f32[] = reduce_sum[axes=(0,)] b; "
                     "d:f32[] = div c 2.0 in (d,) }"));
    QCOMPARE(d.jvp.jaxpr.invars.size(), size_t(2));   // primal, tangent
    QCOMPARE(d.jvp.jaxpr.outvars.size(), size_t(2));  // output, its tangent
    QCOMPARE(d.linearized.linear.jaxpr.invars.size(), size_t(1));
    QVERIFY(!d.linearized.linear.consts.empty());  // the residual x
    // Evaluating each stage gives the derivative: jvp with tangent e gives <x, e>, the transposed
    // jaxpr maps the output cotangent 1 to x.
    Tensors jo = eval_jaxpr(d.jvp, Tensors{x, vec({1, 0, 0})});
    QCOMPARE(values(jo[1]), std::vector<float>{1});
    Tensors ct = eval_jaxpr(d.transposed, Tensors{Tensor(Array::scalar(1.0))});
    QCOMPARE(values(ct[0]), (std::vector<float>{1, -2, 3}));

    // Links: x's tangent is the jvp's second invar and the linear jaxpr's invar; its cotangent is
    // what the transposed jaxpr returns; b's tangent lives in the linear jaxpr too.
    const Jaxpr& p = d.primal.jaxpr;
    const VarLinks& lx = d.links[p.invars[0]];
    QCOMPARE(lx.jvp_primal, d.jvp.jaxpr.invars[0]);
    QCOMPARE(lx.jvp_tangent, d.jvp.jaxpr.invars[1]);
    QCOMPARE(lx.linear_tangent, d.linearized.linear.jaxpr.invars[0]);
    QVERIFY(lx.cotangent >= 0);
    QCOMPARE(d.transposed.jaxpr.outvars[0].var, lx.cotangent);
    int b = p.eqns[0].outputs[0];
    QVERIFY(d.links[b].jvp_tangent >= 0 && d.links[b].linear_tangent >= 0 && d.links[b].cotangent >= 0);
    // Every linear equation came from a primal equation.
    QCOMPARE(d.linear_eqn_origin.size(), d.linearized.linear.jaxpr.eqns.size());
    for (int o : d.linear_eqn_origin) QVERIFY(o >= 0 && o < static_cast<int>(p.eqns.size()));
  }

  void forwardWalkEqualsEvaluation() {
    Tensor W = mat({0.5f, -1, 2, 0.25f, -0.75f, 1.5f}, {3, 2}), x = vec({0.3f, -0.7f});
    FlatFn f = expr_fn(kNet, {"W", "x"});
    AutodiffWalk w(f, {W, x}, WalkMode::forward);
    QCOMPARE(w.position(), size_t(0));
    QCOMPARE(w.size(), w.jaxprs().primal.jaxpr.eqns.size());
    w.step();
    QCOMPARE(w.position(), size_t(1));
    // The first equation's record: its inputs and output, the output equal to the value now.
    const WalkRecord& r = w.record(0);
    QVERIFY(!r.reads.empty() && !r.writes.empty());
    QVERIFY_IDENTICAL(r.writes[0].value, w.value(w.jaxprs().primal.jaxpr.eqns[0].outputs[0]));
    w.run();
    QVERIFY(w.finished());
    QVERIFY_IDENTICAL(w.outputs()[0], f({W, x})[0]);
  }

  void jvpWalkEqualsJvpBitForBit() {
    Tensor W = mat({0.5f, -1, 2, 0.25f, -0.75f, 1.5f}, {3, 2}), x = vec({0.3f, -0.7f});
    Tensor tW = mat({1, 0, -1, 2, 0.5f, 0}, {3, 2}), tx = vec({-0.2f, 1});
    FlatFn f = expr_fn(kNet, {"W", "x"});
    AutodiffWalk w(f, {W, x}, WalkMode::jvp, {tW, tx});
    w.run();
    auto [outs, touts] = jvp_flat(f, {W, x}, {tW, tx});
    QVERIFY_IDENTICAL(w.outputs()[0], outs[0]);
    QVERIFY_IDENTICAL(w.output_tangents()[0], touts[0]);
    // Every record carries the tangent beside the value.
    for (size_t i = 0; i < w.position(); ++i)
      for (const WalkValue& v : w.record(i).writes) QVERIFY(v.value.defined() && v.derivative.defined());
  }

  void vjpWalkEqualsVjpBitForBit() {
    Tensor W = mat({0.5f, -1, 2, 0.25f, -0.75f, 1.5f}, {3, 2}), x = vec({0.3f, -0.7f});
    FlatFn f = expr_fn(kNet, {"W", "x"});
    Tensor ct = Tensor(Array::scalar(1.5));
    AutodiffWalk w(f, {W, x}, WalkMode::vjp, {ct});
    const size_t nprimal = w.jaxprs().primal.jaxpr.eqns.size();
    QVERIFY(w.size() > nprimal);  // forward, then the transposed equations
    w.run_to(nprimal);
    QVERIFY(!w.cotangent(w.jaxprs().primal.jaxpr.invars[1]).defined());  // nothing flowed back yet
    w.run();
    LinearizedFn lin = linearize_flat(f, {W, x});
    Tensors want = lin.vjp({ct});
    Tensors got = w.input_cotangents();
    QVERIFY_IDENTICAL(got[0], want[0]);
    QVERIFY_IDENTICAL(got[1], want[1]);
    // The same through the tree-level API, and as the cotangent of the primal variable x.
    auto [out, pull] = vjp([&](const Tensor& a, const Tensor& b) { return f({a, b})[0]; }, {W, x});
    QVERIFY_IDENTICAL(pull(PyTree(ct))[1].leaf(), got[1]);
    // The tree-level vjp exposes its LinearizedFn: the same linear jaxpr the walk transposes.
    QCOMPARE(jaxpr_to_string(pull.linearized().linear.jaxpr),
             jaxpr_to_string(w.jaxprs().linearized.linear.jaxpr));
    auto [out2, push] = linearize([&](const Tensor& a, const Tensor& b) { return f({a, b})[0]; }, {W, x});
    QCOMPARE(push.linearized().linear.jaxpr.invars.size(), size_t(2));
    QVERIFY_IDENTICAL(w.cotangent(w.jaxprs().primal.jaxpr.invars[1]), got[1]);
    // Backward records name the primal variable a cotangent belongs to.
    bool named_x = false;
    for (size_t i = nprimal; i < w.position(); ++i)
      for (const WalkValue& v : w.record(i).writes) named_x = named_x || v.primal_name == "b";
    QVERIFY(named_x);  // x is the jaxpr's second input, printed b
  }

  void halfSquaredNormCotangentReachesX() {
    Tensor x = vec({1, -2, 3});
    AutodiffWalk w(expr_fn("sum(x*x)/2", {"x"}), {x}, WalkMode::vjp);
    w.run();
    QCOMPARE(values(w.input_cotangents()[0]), (std::vector<float>{1, -2, 3}));
  }

  void backAndRunToRedoExactly() {
    Tensor W = mat({0.5f, -1, 2, 0.25f, -0.75f, 1.5f}, {3, 2}), x = vec({0.3f, -0.7f});
    FlatFn f = expr_fn(kNet, {"W", "x"});
    for (WalkMode mode : {WalkMode::forward, WalkMode::jvp, WalkMode::vjp}) {
      AutodiffWalk w(f, {W, x}, mode);
      w.run();
      std::vector<Tensor> last;
      for (size_t i = 0; i < w.size(); ++i)
        for (const WalkValue& v : w.record(i).writes) last.push_back(v.derivative.defined() ? v.derivative : v.value);
      // Back to the middle, then forward again: the same records.
      w.run_to(w.size() / 2);
      QCOMPARE(w.position(), w.size() / 2);
      w.back();
      w.run();
      std::vector<Tensor> again;
      for (size_t i = 0; i < w.size(); ++i)
        for (const WalkValue& v : w.record(i).writes) again.push_back(v.derivative.defined() ? v.derivative : v.value);
      QCOMPARE(again.size(), last.size());
      for (size_t i = 0; i < last.size(); ++i) QVERIFY_IDENTICAL(again[i], last[i]);
      // Stepping back clears what the step computed (forward steps).
      w.reset();
      QCOMPARE(w.position(), size_t(0));
      QVERIFY(!w.value(w.jaxprs().primal.jaxpr.eqns[0].outputs[0]).defined());
      QVERIFY(error_of([&] { w.back(); }).find("at its start") != std::string::npos);
    }
  }

  void walkErrorsNameWhatIsWrong() {
    FlatFn f = expr_fn("x * 2", {"x"});
    QVERIFY(error_of([&] { AutodiffWalk(f, {vec({1, 2})}, WalkMode::jvp, {vec({1, 2, 3})}); })
                .find("tangent 0 is f32[3] but should be f32[2]") != std::string::npos);
    QVERIFY(error_of([&] { parse_walk_mode("sideways"); }).find("'sideways'") != std::string::npos);
    AutodiffWalk w(f, {vec({1, 2})}, WalkMode::forward);
    w.run();
    QVERIFY(error_of([&] { w.step(); }).find("at its end") != std::string::npos);
  }

  // ---- Jacobians by vmap

  void jacobiansMatchFiniteDifferencesAndEachOther() {
    auto g = [](const Tensor& x) { return tanh(x * x) * sum(sin(x)); };  // R^3 -> R^3
    std::vector<float> xv = {0.3f, -0.5f, 0.9f};
    Tensor jf = jacfwd(g)(vec(xv)), jr = jacrev(g)(vec(xv));
    QCOMPARE(jf.shape(), (Shape{3, 3}));
    QVERIFY(near(jf, values(jr), 1e-5f));
    // Central differences in double from the same formula.
    auto gd = [](std::vector<double> x, int i) {
      double s = std::sin(x[0]) + std::sin(x[1]) + std::sin(x[2]);
      return std::tanh(x[i] * x[i]) * s;
    };
    std::vector<float> fd(9);
    const double h = 1e-5;
    for (int j = 0; j < 3; ++j)
      for (int i = 0; i < 3; ++i) {
        std::vector<double> p(xv.begin(), xv.end()), m = p;
        p[j] += h;
        m[j] -= h;
        fd[i * 3 + j] = static_cast<float>((gd(p, i) - gd(m, i)) / (2 * h));
      }
    QVERIFY2(near(jf, fd, 1e-4f), jf.str().c_str());
  }

  void jacobianOfMatrixInputHasOutputThenInputShape() {
    auto m = [](const Tensor& a) { return sum(a * a, {0}); };  // [2,3] -> [3]
    Tensor a = mat({1, 2, 3, 4, 5, 6}, {2, 3});
    Tensor jf = jacfwd(m)(a), jr = jacrev(m)(a);
    QCOMPARE(jf.shape(), (Shape{3, 2, 3}));
    QVERIFY(near(jf, values(jr), 1e-6f));
    // d(sum_i a_ij^2)/d a_kl = 2 a_kl [j == l]
    std::vector<float> want(18, 0);
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 2; ++k) want[j * 6 + k * 3 + j] = 2 * values(a)[k * 3 + j];
    QVERIFY(near(jf, want, 1e-6f));
  }

  void jacobianJaxprDoesNotGrowWithTheInput() {
    // By vmap the Jacobian is one batched pass: the traced jaxpr has the same number of
    // equations for 3 inputs as for 30 (the one-hot loop unrolled one pass per element).
    auto f = [](const Tensor& x) { return sin(x) * 2.0; };
    auto count = [&](int64_t n, bool fwd) {
      Tensor x = Tensor(Array::zeros(DType::f32, {n}));
      return fwd ? make_jaxpr(jacfwd(f))(x).jaxpr.eqns.size() : make_jaxpr(jacrev(f))(x).jaxpr.eqns.size();
    };
    QCOMPARE(count(30, true), count(3, true));
    QCOMPARE(count(30, false), count(3, false));
  }
};

QTEST_APPLESS_MAIN(AutodiffWalkTest)
#include "autodiff_walk_test.moc"
