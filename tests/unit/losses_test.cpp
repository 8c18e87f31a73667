// engine/train: losses against their formulas (stability for large logits included), accuracy
// and running means, and TrainState (apply_gradients, variables, a jitted step through
// to_tree/from_tree).
#include <QtTest>

#include <cmath>
#include <string>
#include <vector>

#include "engine/numpy.h"
#include "engine/optim/optim.h"
#include "engine/train/losses.h"
#include "engine/train/metrics.h"
#include "engine/train/train_state.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/jit.h"

using namespace engine;
using namespace engine::train;

namespace {

using Vec = std::vector<double>;

Tensor arr(const Vec& v, Shape shape = {}) {
  std::vector<float> f(v.begin(), v.end());
  if (shape.empty()) shape = {static_cast<int64_t>(v.size())};
  return Tensor(Array::from_vector(f, shape));
}
Tensor labels(std::vector<int32_t> v) { return Tensor(Array::from_vector(v)); }
Vec values(const Tensor& t) { return t.array().to_vector<double>(); }

void expect_values(const Tensor& got, const Vec& want, const std::string& what, double tol = 1e-5) {
  Vec g = values(got);
  QVERIFY2(g.size() == want.size(), (what + ": wrong size " + std::to_string(g.size())).c_str());
  for (size_t i = 0; i < g.size(); ++i)
    QVERIFY2(std::isfinite(g[i]) && std::abs(g[i] - want[i]) <= tol * std::max(1.0, std::abs(want[i])),
             (what + "[" + std::to_string(i) + "]: got " + std::to_string(g[i]) + ", want " + std::to_string(want[i]))
                 .c_str());
}

double sigmoid_d(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// A linear model y = x·w + b as the apply function (TrainState knows no modules).
PyTree linear_apply(const PyTree& variables, const PyTree& inputs) {
  const PyTree& p = variables["params"];
  return matmul(inputs.leaf(), p["w"].leaf()) + p["b"].leaf();
}

}  // namespace

class LossesTest : public QObject {
  Q_OBJECT

 private slots:
  void regressionLosses() {
    Tensor p = arr({1.0, -2.0, 0.5}), t = arr({0.0, 1.0, 0.5});
    expect_values(squared_error(p, t), {1.0, 9.0, 0.0}, "squared_error");
    expect_values(l2_loss(p, t), {0.5, 4.5, 0.0}, "l2_loss");
    expect_values(mean_squared_error(p, t), {10.0 / 3.0}, "mean_squared_error");
    QVERIFY_THROWS_EXCEPTION(Error, squared_error(p, arr({1.0, 2.0})));
  }

  void softmaxCrossEntropy() {
    Tensor logits = arr({1, 2, 3, 1, 1, 1}, {2, 3});
    Tensor onehot = arr({0, 0, 1, 1, 0, 0}, {2, 3});
    const double row0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3.0;
    expect_values(softmax_cross_entropy(logits, onehot), {row0, std::log(3.0)}, "one-hot");
    expect_values(softmax_cross_entropy_with_integer_labels(logits, labels({2, 0})), {row0, std::log(3.0)}, "int");
    // Soft labels: -sum(y log softmax).
    Tensor soft = arr({0.25, 0.75}, {1, 2}), l2 = arr({0.0, 2.0}, {1, 2});
    const double lse = std::log(1.0 + std::exp(2.0));
    expect_values(softmax_cross_entropy(l2, soft), {0.25 * lse + 0.75 * (lse - 2.0)}, "soft labels");
  }

  void crossEntropyIsStableForLargeLogits() {
    Tensor logits = arr({1000, 0}, {1, 2});
    expect_values(softmax_cross_entropy(logits, arr({0, 1}, {1, 2})), {1000.0}, "wrong class");
    expect_values(softmax_cross_entropy(logits, arr({1, 0}, {1, 2})), {0.0}, "right class");
    expect_values(softmax_cross_entropy_with_integer_labels(logits, labels({1})), {1000.0}, "int wrong class");
    expect_values(sigmoid_binary_cross_entropy(arr({100, -100, 100}), arr({0, 1, 1})), {100.0, 100.0, 0.0},
                  "sigmoid BCE at |x| = 100");
  }

  void integerLabelGradientIsSoftmaxMinusOneHot() {
    Tensor logits = arr({0.5, -1.0, 2.0});
    auto loss = [](const Tensor& x) {
      return softmax_cross_entropy_with_integer_labels(x, Tensor(Array::scalar(0, DType::i32)));
    };
    Tensor g = grad(loss)(logits);
    double z = std::exp(0.5) + std::exp(-1.0) + std::exp(2.0);
    expect_values(g, {std::exp(0.5) / z - 1.0, std::exp(-1.0) / z, std::exp(2.0) / z}, "d CE / d logits");
  }

  void sigmoidBinaryCrossEntropy() {
    Vec x = {-2.0, 0.0, 3.0}, y = {0.0, 1.0, 0.5};
    Vec want;
    for (size_t i = 0; i < x.size(); ++i)
      want.push_back(-y[i] * std::log(sigmoid_d(x[i])) - (1 - y[i]) * std::log(1 - sigmoid_d(x[i])));
    expect_values(sigmoid_binary_cross_entropy(arr(x), arr(y)), want, "sigmoid BCE");
  }

  void accuracyAndRunningMeans() {
    Tensor logits = arr({0.1, 0.9, 0.8, 0.2, 0.3, 0.7}, {3, 2});
    expect_values(accuracy(logits, labels({1, 1, 1})), {2.0 / 3.0}, "accuracy");
    expect_values(accuracy(logits, labels({1, 0, 1})), {1.0}, "accuracy all right");
    QVERIFY_THROWS_EXCEPTION(Error, accuracy(logits, arr({1, 0, 1})));

    RunningMean m;
    QVERIFY(std::isnan(m.mean()));
    m.add(1.0, 2.0);
    m.add(Tensor(Array::scalar(4.0)), 1.0);
    QCOMPARE(m.mean(), 2.0);
    MetricsAccumulator acc;
    acc.add("loss", 3.0, 32);
    acc.add("loss", 1.0, 32);
    acc.add("accuracy", 0.5);
    QCOMPARE(acc.mean("loss"), 2.0);
    QCOMPARE(acc.means().size(), size_t(2));
    QVERIFY_THROWS_EXCEPTION(Error, acc.mean("acc"));
    // totals() carries the sums across a checkpoint exactly; adding on gives the whole epoch's mean.
    acc.add("loss", 0.1, 32);  // a sum no decimal prints exactly
    MetricsAccumulator back;
    back.restore(nlohmann::json::parse(acc.totals().dump()));
    QCOMPARE(back.means(), acc.means());
    back.add("loss", 5.0, 32);
    acc.add("loss", 5.0, 32);
    QCOMPARE(back.mean("loss"), acc.mean("loss"));
    QVERIFY_THROWS_EXCEPTION(Error, back.restore(nlohmann::json::parse(R"({"loss": [1.0]})")));
  }

  void trainStateApplyGradients() {
    PyTree params = PyTree::dict({{"w", arr({1.0, 2.0}, {2, 1})}, {"b", arr({0.5})}});
    PyTree extra = PyTree::dict({{"batch_stats", PyTree::dict({{"mean", arr({7.0})}})}});
    TrainState s0 = TrainState::create(linear_apply, params, optim::sgd(0.1, 0.9), extra);
    QCOMPARE(s0.step.item(), 0.0);
    PyTree g = PyTree::dict({{"w", arr({1.0, -1.0}, {2, 1})}, {"b", arr({2.0})}});
    TrainState s1 = s0.apply_gradients(g);
    TrainState s2 = s1.apply_gradients(g);
    QCOMPARE(s1.step.item(), 1.0);
    QCOMPARE(s2.step.item(), 2.0);
    // Momentum 0.9: traces g then 1.9 g, so params move by 0.1 g then 0.19 g.
    expect_values(s1.params["w"], {0.9, 2.1}, "w after 1");
    expect_values(s2.params["w"], {0.9 - 0.19, 2.1 + 0.19}, "w after 2");
    expect_values(s2.params["b"], {0.5 - 0.2 - 0.38}, "b after 2");
    expect_values(s2.opt_state[0]["trace"]["b"], {3.8}, "momentum trace");
    expect_values(s0.params["b"], {0.5}, "s0 is unchanged");
    expect_values(s2.extra["batch_stats"]["mean"], {7.0}, "extra carried");

    PyTree v = s0.variables();
    QCOMPARE(v.keys(), (std::vector<std::string>{"batch_stats", "params"}));
    expect_values(s0.apply(arr({1.0, 1.0}, {1, 2})), {3.5}, "apply");
    QVERIFY_THROWS_EXCEPTION(Error, s0.apply_gradients(PyTree::dict({{"w", arr({1.0})}})));
  }

  void jittedTrainStepThroughTree() {
    PyTree params = PyTree::dict({{"w", arr({0.1, -0.2, 0.3, 0.0, 0.5, -0.4}, {3, 2})}, {"b", arr({0.0, 0.1})}});
    TrainState state = TrainState::create(linear_apply, params, optim::adam(0.05),
                                          PyTree::dict({{"batch_stats", arr({1.0})}}));
    Tensor x = arr({1, 2, 3, -1, 0, 1, 2, 2, -2, 0.5, 1, 0}, {4, 3});
    Tensor y = labels({0, 1, 1, 0});
    auto loss_of = [](const TrainState& s, const PyTree& p, const Tensor& xb, const Tensor& yb) {
      Tensor logits = s.apply_fn(s.with_params(p).variables(), xb).leaf();
      return mean(softmax_cross_entropy_with_integer_labels(logits, yb));
    };
    auto step = jit([base = state, loss_of](PyTree tree, Tensor xb, Tensor yb) {
      TrainState s = base.from_tree(tree);
      PyTree g = grad([&](const PyTree& p) { return loss_of(s, p, xb, yb); })(s.params);
      return s.apply_gradients(g).to_tree();
    });
    TrainState eager = state, jitted = state;
    for (int i = 0; i < 3; ++i) {
      PyTree g = grad([&](const PyTree& p) { return loss_of(eager, p, x, y); })(eager.params);
      eager = eager.apply_gradients(g);
      jitted = jitted.from_tree(step(jitted.to_tree(), x, y));
    }
    QCOMPARE(jitted.step.item(), 3.0);
    QCOMPARE(jitted.step.dtype(), DType::i32);
    QCOMPARE(tree_structure(jitted.to_tree()), tree_structure(eager.to_tree()));
    auto a = tree_leaves(jitted.to_tree()), b = tree_leaves(eager.to_tree());
    for (size_t i = 0; i < a.size(); ++i) expect_values(a[i], values(b[i]), "leaf " + std::to_string(i), 1e-6);
    QVERIFY(loss_of(eager, eager.params, x, y).item() < loss_of(state, state.params, x, y).item());
    QVERIFY_THROWS_EXCEPTION(Error, state.from_tree(PyTree::dict({{"step", arr({0.0})}})));
  }
};

QTEST_APPLESS_MAIN(LossesTest)
#include "losses_test.moc"
