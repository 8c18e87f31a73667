// Reverse mode and Jacobians: grad, value_and_grad, vjp, linearize, jacfwd, jacrev, hessian, on
// known closed forms; nesting (grad of grad, closures over outer tracers); the pieces underneath
// (partial evaluation, transposition); and the error messages.
#include <QtTest>
#include <cmath>

#include "engine/ir/trace.h"
#include "engine/numpy.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/jvp.h"
#include "engine/transforms/partial_eval.h"
#include "engine/transforms/transpose.h"
#include "unit/test_support.h"

using namespace engine;

namespace {

Tensor vec(std::vector<float> v) { return Array::from_vector(v); }
Tensor mat(std::vector<float> v, Shape s) { return Array::from_vector(v, std::move(s)); }
Tensor scalar(double v) { return Array::scalar(v); }
std::vector<float> values(const Tensor& t) { return t.array().to_vector<float>(); }

// Elementwise comparison with a tolerance for float32 arithmetic.
bool near(const Tensor& t, const std::vector<float>& want, float tol = 1e-5f) {
  std::vector<float> got = values(t);
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (std::abs(got[i] - want[i]) > tol * (1 + std::abs(want[i]))) return false;
  return true;
}
#define QVERIFY_NEAR(t, ...) QVERIFY2(near(t, __VA_ARGS__), ("got " + Tensor(t).str()).c_str())

#define QVERIFY_ERROR(expr, fragment)                                        \
  do {                                                                      \
    std::string msg = error_of([&] { (void)(expr); });                      \
    QVERIFY2(msg.find(fragment) != std::string::npos, msg.c_str());        \
  } while (0)

QString text(const Jaxpr& j) { return QString::fromStdString(jaxpr_to_string(j)); }

// make_jaxpr for a transformed function.
QString jaxpr_of(const TransformedFn& fn, const std::vector<PyTree>& args) {
  auto [leaves, defs] = flatten_args(args);
  FlattenedFn flat = flatten_fn(fn.tree_fn(), defs);
  return text(trace_to_jaxpr(flat.fn, avals_of(leaves)).jaxpr);
}

}  // namespace

class AutodiffTest : public QObject {
  Q_OBJECT

 private slots:
  void gradOfHalfSquaredNormIsX() {
    auto f = [](const Tensor& x) { return 0.5 * sum(x * x); };
    QVERIFY_NEAR(grad(f)(vec({1, -2, 3})), {1, -2, 3});
  }

  void gradOfSumSinIsCos() {
    Tensor x = vec({0.1f, 1.0f, -2.5f});
    Tensor g = grad([](const Tensor& x) { return sum(sin(x)); })(x);
    QVERIFY_NEAR(g, values(cos(x)));
  }

  void valueAndGrad() {
    auto f = [](const Tensor& x) { return sum(x * x * x); };
    PyTree vg = value_and_grad(f)(vec({1, 2}));
    QVERIFY(vg.is_tuple() && vg.size() == 2);
    QCOMPARE(vg[0].leaf().item(), 9.0);
    QVERIFY_NEAR(vg[1], {3, 12});
  }

  void argnums() {
    auto f = [](const Tensor& a, const Tensor& b) { return sum(a * b * b); };
    Tensor a = vec({1, 2}), b = vec({3, -1});
    QVERIFY_NEAR(grad(f)(a, b), {9, 1});
    QVERIFY_NEAR(grad(f, {.argnums = {1}})(a, b), {6, -4});
    PyTree both = grad(f, {.argnums = {0, 1}})(a, b);
    QVERIFY(both.is_tuple() && both.size() == 2);
    QVERIFY_NEAR(both[0], {9, 1});
    QVERIFY_NEAR(both[1], {6, -4});
  }

  void hasAux() {
    auto f = [](const Tensor& x) { return std::make_pair(sum(square(x)), x * 10.0); };
    PyTree r = grad(f, {.has_aux = true})(vec({1, 2}));
    QVERIFY(r.is_tuple() && r.size() == 2);
    QVERIFY_NEAR(r[0], {2, 4});
    QVERIFY_NEAR(r[1], {10, 20});
    PyTree vg = value_and_grad(f, {.has_aux = true})(vec({1, 2}));
    QCOMPARE(vg[0][0].leaf().item(), 5.0);
    QVERIFY_NEAR(vg[0][1], {10, 20});
    QVERIFY_NEAR(vg[1], {2, 4});
  }

  // loss = sum((sum_i W[i,j] x[i] + b[j] - y[j])^2): dL/db = 2r, dL/dW[i,j] = 2 x[i] r[j].
  void gradOverPytreeParamsKeepsStructure() {
    PyTree params = PyTree::dict({{"W", mat({1, 2, 3, 4, 5, 6}, {2, 3})}, {"b", vec({0.5, 0, -0.5})}});
    Tensor x = vec({1, -1}), y = vec({0, 1, 2});
    auto loss = [](const PyTree& p, const Tensor& x, const Tensor& y) {
      Tensor pred = sum(p["W"].leaf() * broadcast_in_dim(x, {2, 3}, {0}), 0) + p["b"].leaf();
      return sum(square(pred - y));
    };
    PyTree g = grad(loss)(params, x, y);
    QCOMPARE(tree_structure(g), tree_structure(params));
    // pred = [1-4+0.5, 2-5, 3-6-0.5] = [-2.5, -3, -3.5]; r = [-2.5, -4, -5.5]
    QVERIFY_NEAR(g["b"], {-5, -8, -11});
    QVERIFY_NEAR(g["W"], {-5, -8, -11, 5, 8, 11});
  }

  void gradOfGrad() {
    auto cube = [](const Tensor& x) { return x * x * x; };
    QCOMPARE(grad(grad(cube))(scalar(2)).leaf().item(), 12.0);
    QCOMPARE(grad(grad(grad(cube)))(scalar(2)).leaf().item(), 6.0);
    QCOMPARE(grad(grad([](const Tensor& x) { return sin(x); }))(scalar(0.5)).leaf().item(),
             static_cast<double>(static_cast<float>(-std::sin(0.5f))));
  }

  // f = (sum x)^2 + sum x^3: H = 2 + diag(6x).
  void hessianAndJacfwdOfJacrev() {
    auto f = [](const Tensor& x) { return square(sum(x)) + sum(x * x * x); };
    Tensor x = vec({1, 2, -1});
    Tensor h = hessian(f)(x);
    QCOMPARE(h.shape(), (Shape{3, 3}));
    QVERIFY_NEAR(h, {8, 2, 2, 2, 14, 2, 2, 2, -4});
    QVERIFY_NEAR(jacfwd(jacrev(f))(x), values(h));
    QVERIFY_NEAR(jacrev(jacrev(f))(x), values(h));
    QVERIFY_NEAR(jacrev(f)(x), values(grad(f)(x)));
    // Forward over reverse with the jvp API: H v.
    auto [g, hv] = jvp(grad(f), {x}, {vec({1, 0, 1})});
    QVERIFY_NEAR(hv.leaf(), {10, 4, -2});
  }

  void jacobianOfIdentityIsEye() {
    auto id = [](const Tensor& x) { return x; };
    QVERIFY_NEAR(jacfwd(id)(vec({5, 6})), {1, 0, 0, 1});
    QVERIFY_NEAR(jacrev(id)(vec({5, 6})), {1, 0, 0, 1});
    QCOMPARE(grad(id)(scalar(2)).leaf().item(), 1.0);
  }

  // g(x) = sin(x) * sum(x): J[i,j] = cos(x_i) sum(x) [i == j] + sin(x_i).
  void jacfwdEqualsJacrev() {
    auto g = [](const Tensor& x) { return sin(x) * sum(x); };
    std::vector<float> xv{0.3f, -1.2f, 2.0f};
    float s = xv[0] + xv[1] + xv[2];
    std::vector<float> want;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) want.push_back((i == j ? std::cos(xv[i]) * s : 0) + std::sin(xv[i]));
    Tensor jf = jacfwd(g)(vec(xv)), jr = jacrev(g)(vec(xv));
    QCOMPARE(jf.shape(), (Shape{3, 3}));
    QVERIFY_NEAR(jf, want);
    QVERIFY_NEAR(jr, want);
    // Shapes follow JAX: out.shape + in.shape.
    auto m = [](const Tensor& x) { return sum(x, 0); };
    QCOMPARE(jacfwd(m)(mat({1, 2, 3, 4, 5, 6}, {2, 3})).leaf().shape(), (Shape{3, 2, 3}));
    QCOMPARE(jacrev(m)(mat({1, 2, 3, 4, 5, 6}, {2, 3})).leaf().shape(), (Shape{3, 2, 3}));
  }

  void vjpAndLinearize() {
    auto f = [](const Tensor& x, const Tensor& y) { return std::make_pair(sin(x) * y, sum(y)); };
    Tensor x = vec({0.5, 1}), y = vec({2, 3});
    auto [out, f_vjp] = vjp(f, {x, y});
    QVERIFY_NEAR(out[0], values(sin(x) * y));
    std::vector<PyTree> cts = f_vjp(PyTree::tuple({vec({1, 1}), scalar(2)}));
    QCOMPARE(cts.size(), size_t{2});
    QVERIFY_NEAR(cts[0], values(cos(x) * y));
    QVERIFY_NEAR(cts[1], values(sin(x) + 2.0));

    auto [out2, f_lin] = linearize(f, {x, y});
    QVERIFY_NEAR(out2[1], {5});
    PyTree t = f_lin({vec({1, 0}), vec({0, 1})});
    auto [jo, jt] = jvp(f, {x, y}, {vec({1, 0}), vec({0, 1})});
    QVERIFY_NEAR(t[0], values(jt[0]));
    QVERIFY_NEAR(t[1], {1});
  }

  // The linear jaxpr holds only equations that depend on a tangent: everything computable from
  // the primals went to the forward pass and arrives as a residual const.
  void linearJaxprIsPurelyLinear() {
    FlatFn f = [](const Tensors& in) { return Tensors{sum(exp(in[0]) * sin(in[0]))}; };
    LinearizedFn lin = linearize_flat(f, {vec({1, 2})});
    const Jaxpr& j = lin.linear.jaxpr;
    std::vector<bool> linear(j.avals.size(), false);
    for (int v : j.invars) linear[v] = true;
    for (const Eqn& e : j.eqns) {
      bool any = false;
      for (const Atom& a : e.inputs) any = any || (!a.is_literal() && linear[a.var]);
      QVERIFY2(any, jaxpr_to_string(j).c_str());
      for (int v : e.outputs) linear[v] = true;
    }
    QCOMPARE(lin.linear.consts.size(), size_t{3});  // exp(x), sin(x), cos(x)
  }

  // As JAX prints make_jaxpr(grad(f)): the forward pass (value included), then the transpose
  // of the linear part, seeded with 1.0.
  void jaxprOfGradPrints() {
    auto f = [](const Tensor& x) { return sum(sin(x)); };
    QCOMPARE(jaxpr_of(grad(f), {vec({1, 2, 3})}),
             QString("{ lambda ; a:f32[3]. let b:f32[3] = sin a; c:f32[3] = cos a; "
                     "d:f32[] = reduce_sum[axes=(0,)] b; "
                     "e:f32[3] = broadcast_in_dim[broadcast_dimensions=() shape=(3,)] 1.0; "
                     "f:f32[3] = mul e c in (f,) }"));
  }

  void reluGradAtZeroIsZero() {
    Tensor g = grad([](const Tensor& x) { return sum(relu(x)); })(vec({-1, 0, 2}));
    QVERIFY_NEAR(g, {0, 0, 1});
  }

  // The case: d prod(x) at [1, 2, 0, 4] is [0, 0, 8, 0], not NaN where x is 0; in reverse
  // mode (grad) and forward mode (jvp with each basis vector), over all axes and over one axis.
  void prodDerivativeAtZeros() {
    auto f = [](const Tensor& x) { return prod(x, {0}); };
    QVERIFY_NEAR(grad(f)(vec({1, 2, 0, 4})), {0, 0, 8, 0});
    QVERIFY_NEAR(grad(f)(vec({1, 0, 0, 4})), {0, 0, 0, 0});
    QVERIFY_NEAR(grad(f)(vec({3, 2, 5})), {10, 15, 6});
    for (int i = 0; i < 4; ++i) {
      std::vector<float> e(4, 0.0f);
      e[static_cast<size_t>(i)] = 1;
      auto [out, tangent] = jvp(f, {vec({1, 2, 0, 4})}, {vec(e)});
      QCOMPARE(out.leaf().item(), 0.0);
      QCOMPARE(tangent.leaf().item(), i == 2 ? 8.0 : 0.0);
    }
    // Over axis 1 of a matrix: each row's product differentiated separately.
    auto rows = [](const Tensor& m) { return sum(prod(m, {1})); };
    QVERIFY_NEAR(grad(rows)(mat({1, 0, 3, 2, 5, 1}, {2, 3})), {0, 3, 0, 5, 2, 10});
  }

  void sumOfBooleansCounts() {
    Tensor n = sum(vec({-1, 2, 0, 3}) > 0.0);
    QCOMPARE(n.dtype(), DType::i32);
    QCOMPARE(n.item(), 2.0);
  }

  void gradThroughWhere() {
    auto f = [](const Tensor& x) { return sum(where(x > 0.0, x * x, -x)); };
    QVERIFY_NEAR(grad(f)(vec({-2, 3, 0.5})), {-1, 6, 1});
  }

  // Each grad traces its own jaxpr; an outer value closed over enters the inner trace as a
  // constant, never as something the inner grad differentiates (no perturbation confusion).
  void closuresOverOuterValues() {
    // d/dx [x * (d/dy (x + y))] = d/dx [x] = 1 (a confused implementation gives 2).
    auto f = [](const Tensor& x) {
      return x * grad([&](const Tensor& y) { return x + y; })(scalar(1)).leaf();
    };
    QCOMPARE(grad(f)(scalar(3)).leaf().item(), 1.0);
    // d/dx [x * (d/dy (x * y))|y=x] = d/dx [x^2] = 2x.
    auto g = [](const Tensor& x) { return x * grad([&](const Tensor& y) { return x * y; })(x).leaf(); };
    QCOMPARE(grad(g)(scalar(3)).leaf().item(), 6.0);
    // jax docs: grad(lambda x: grad(lambda y: x * y)(3.))(1.) == 1.
    auto h = [](const Tensor& x) { return grad([&](const Tensor& y) { return x * y; })(scalar(3)).leaf(); };
    QCOMPARE(grad(h)(scalar(1)).leaf().item(), 1.0);
  }

  void zerosWhereTheOutputDoesNotDepend() {
    auto f = [](const Tensor& x, const Tensor& y) { return sum(x) + 0.0 * sum(stop_gradient(y)); };
    QVERIFY_NEAR(grad(f, {.argnums = {1}})(vec({1, 2}), vec({3, 4})), {0, 0});
    auto constant = [](const Tensor&) { return scalar(4); };
    QVERIFY_NEAR(grad(constant)(vec({1, 2})), {0, 0});
    // An integer argument that is not differentiated rides along.
    auto scaled = [](const Tensor& x, const Tensor& n) { return sum(x * astype(n, DType::f32)); };
    QVERIFY_NEAR(grad(scaled)(vec({1, 2}), Tensor(Array::scalar(3, DType::i32))), {3, 3});
  }

  // Partial evaluation on its own: a known, b unknown; sin(a) is known, a*b unknown (with a as a
  // residual), and the instantiated known output cos(a) travels to the unknown side as well.
  void partialEvalSplitsKnownFromUnknown() {
    FlatFn f = [](const Tensors& in) { return Tensors{sin(in[0]), in[0] * in[1], cos(in[0])}; };
    ClosedJaxpr cj = trace_to_jaxpr(f, {Aval{{2}}, Aval{{2}}});
    PartialEval pe = partial_eval_jaxpr(cj.jaxpr, {false, true}, {false, false, true});
    QCOMPARE(pe.out_unknowns, (std::vector<bool>{false, true, true}));
    QCOMPARE(pe.num_residuals, size_t{2});
    QCOMPARE(text(pe.known),
             QString("{ lambda ; a:f32[2]. let b:f32[2] = sin a; c:f32[2] = cos a in (b, a, c) }"));
    QCOMPARE(text(pe.unknown),
             QString("{ lambda ; a:f32[2] b:f32[2] c:f32[2]. let d:f32[2] = mul a c in (d, b) }"));
  }

  void transposeRefusesNonLinearPrimitives() {
    ClosedJaxpr cj = trace_to_jaxpr([](const Tensors& in) { return Tensors{sin(in[0])}; }, {Aval{{2}}});
    Tensors cts{vec({1, 1})};
    QVERIFY_ERROR(backward_pass(cj.jaxpr, cj.consts, Tensors{Tensor()}, {true}, cts), "cannot transpose sin");
  }

  // A hand-written linear function: cotangents fan in through the two uses of x and are summed,
  // and the equation computing the constant 3 (no linear input) is evaluated forward.
  void transposeAccumulatesCotangents() {
    FlatFn f = [](const Tensors& in) {
      Tensor three = exp(in[1] * 0.0) * 3.0;  // 3, computed from the non-linear input
      return Tensors{in[0] * three - in[0] * 0.5};
    };
    ClosedJaxpr cj = trace_to_jaxpr(f, {Aval{{2}}, Aval{{2}}});
    Tensors cts{vec({1, 2})};
    Tensors out = backward_pass(cj.jaxpr, cj.consts, Tensors{Tensor(), vec({7, 7})}, {true, false}, cts);
    QVERIFY(!out[1].defined());
    QVERIFY_NEAR(out[0], {2.5, 5});
  }

  void errors() {
    QVERIFY_ERROR(grad([](const Tensor& x) { return x * 2.0; })(vec({1, 2, 3})),
                  "grad requires a scalar output, got f32[3]");
    QVERIFY_ERROR(grad([](const Tensor& x) { return PyTree::list({sum(x), sum(x)}); })(vec({1})),
                  "grad requires a scalar output, got list of 2");
    QVERIFY_ERROR(grad([](const Tensor& x) { return sum(x); })(Tensor(Array::scalar(1, DType::i32))),
                  "grad requires floating-point inputs, got i32[]");
    QVERIFY_ERROR(grad([](const Tensor& x) { return sum(x); }, {.has_aux = true})(vec({1})),
                  "requires the function to return a pair (value, aux)");
    QVERIFY_ERROR(grad([](const Tensor& x) { return sum(x); }, {.argnums = {1}})(vec({1})),
                  "argnums 1 is out of range for a function called with 1 arguments");
    // Not a structured binding: clang 14 cannot capture one in QVERIFY_ERROR's lambda.
    const auto f_vjp = vjp([](const Tensor& x) { return sin(x); }, {vec({1, 2, 3})}).second;
    QVERIFY_ERROR(f_vjp(vec({1, 2})), "vjp: cotangent leaf 0 is f32[2] but should be f32[3]");
    QVERIFY_ERROR(f_vjp(PyTree::list({vec({1, 2, 3})})), "vjp: cotangent vs output");
    QVERIFY_ERROR(jacfwd([](const PyTree& p) { return p["a"].leaf(); })(PyTree::dict({{"a", vec({1})}})),
                  "jacfwd: argument 0 must be a single tensor");
  }
};

QTEST_APPLESS_MAIN(AutodiffTest)
#include "autodiff_test.moc"
