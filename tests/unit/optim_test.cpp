// Optimizers (engine/optim) against steps worked out here in plain double arithmetic, the shared
// optimizer list on a parabola and on Rosenbrock (Optax's alias_test style), schedules at chosen
// steps, clipping, and a jitted update against the eager one.
#include <QtTest>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "engine/numpy.h"
#include "engine/optim/optim.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/jit.h"

using namespace engine;
using namespace engine::optim;

namespace {

using Vec = std::vector<double>;

Tensor vec(const Vec& v) {
  std::vector<float> f(v.begin(), v.end());
  return Tensor(Array::from_vector(f));
}
Vec values(const Tensor& t) { return t.array().to_vector<double>(); }
Tensor count_of(int64_t step) { return Tensor(Array::scalar(static_cast<double>(step), DType::i32)); }

const Vec kStart = {1.0, -2.0, 3.0};
const std::vector<Vec> kGrads = {{0.5, -1.0, 2.0}, {0.1, 0.3, -0.4}, {1.0, 1.0, -1.0}};

// Runs tx on params {"w": kStart} with the fixed gradient sequence; params after each step.
std::vector<Vec> run(const GradientTransformation& tx) {
  PyTree params = PyTree::dict({{"w", vec(kStart)}});
  PyTree state = tx.init(params);
  std::vector<Vec> out;
  for (const Vec& g : kGrads) {
    auto [updates, new_state] = tx.update(PyTree::dict({{"w", vec(g)}}), state, params);
    params = apply_updates(params, updates);
    state = new_state;
    out.push_back(values(params["w"]));
  }
  return out;
}

// The reference: step(i, p, g) -> update for element i's history (kept by the caller's lambdas).
using RefStep = std::function<double(size_t elem, double p, double g)>;
std::vector<Vec> reference(const RefStep& update) {
  Vec p = kStart;
  std::vector<Vec> out;
  for (const Vec& g : kGrads) {
    for (size_t i = 0; i < p.size(); ++i) p[i] += update(i, p[i], g[i]);
    out.push_back(p);
  }
  return out;
}

void expect_close(const std::vector<Vec>& got, const std::vector<Vec>& want, const char* what) {
  QCOMPARE(got.size(), want.size());
  for (size_t s = 0; s < got.size(); ++s)
    for (size_t i = 0; i < got[s].size(); ++i) {
      const double tol = 1e-5 * std::max(1.0, std::abs(want[s][i]));
      QVERIFY2(std::abs(got[s][i] - want[s][i]) <= tol,
               (std::string(what) + ": step " + std::to_string(s + 1) + " element " + std::to_string(i) + ": got " +
                std::to_string(got[s][i]) + ", want " + std::to_string(want[s][i]))
                   .c_str());
    }
}

void expect_near(double got, double want, const std::string& what, double tol = 1e-6) {
  QVERIFY2(std::abs(got - want) <= tol * std::max(1.0, std::abs(want)),
           (what + ": got " + std::to_string(got) + ", want " + std::to_string(want)).c_str());
}

struct Named {
  std::string name;
  GradientTransformation tx;
};
// The shared list every optimizer joins (Optax's alias_test list; plain sgd and rmsprop get
// larger rates since we run 3000 steps instead of 10000).
std::vector<Named> optimizers_under_test() {
  return {{"sgd", sgd(1e-3)},
          {"sgd momentum", sgd(1e-3, 0.9)},
          {"sgd nesterov", sgd(1e-3, 0.9, true)},
          {"adam", adam(1e-1)},
          {"adamw", adamw(1e-1)},
          {"rmsprop", rmsprop(1e-2)},
          {"rmsprop momentum", rmsprop(5e-3, 0.9, 1e-8, 0.0, 0.9)},
          {"adagrad", adagrad(1.0)},
          {"adam schedule + clip", chain(clip_by_global_norm(10.0),
                                         adam(warmup_cosine_decay_schedule(0.0, 0.1, 50, 1000)))}};
}

// Minimizes objective from start with a jitted step; the losses before and after.
std::pair<double, double> minimize(const GradientTransformation& tx, std::function<Tensor(const Tensor&)> objective,
                                   const Vec& start, int steps) {
  auto step = jit([tx, objective](PyTree params, PyTree state) {
    PyTree g = grad(objective)(params);
    auto [u, s] = tx.update(g, state, params);
    return PyTree::tuple({apply_updates(params, u), s});
  });
  PyTree params = vec(start);
  PyTree state = tx.init(params);
  const double before = objective(params.leaf()).item();
  for (int i = 0; i < steps; ++i) {
    PyTree out = step(params, state);
    params = out[0];
    state = out[1];
  }
  return {before, objective(params.leaf()).item()};
}

}  // namespace

class OptimTest : public QObject {
  Q_OBJECT

 private slots:
  void sgdSteps() {
    expect_close(run(sgd(0.1)), reference([](size_t, double, double g) { return -0.1 * g; }), "sgd");
  }

  void sgdMomentumAndNesterov() {
    for (bool nesterov : {false, true}) {
      Vec t(3, 0.0);
      auto want = reference([&](size_t i, double, double g) {
        t[i] = g + 0.9 * t[i];
        return -0.1 * (nesterov ? g + 0.9 * t[i] : t[i]);
      });
      expect_close(run(sgd(0.1, 0.9, nesterov)), want, nesterov ? "nesterov" : "momentum");
    }
  }

  void sgdWithScheduleUsesCountFromZero() {
    // linear 0.1 -> 0 over 4 steps: rates 0.1, 0.075, 0.05 for the first three updates.
    int step = 0;
    size_t seen = 0;
    auto want = reference([&](size_t, double, double g) {
      double lr = 0.1 * (1.0 - step / 4.0);
      if (++seen % 3 == 0) ++step;
      return -lr * g;
    });
    expect_close(run(sgd(linear_schedule(0.1, 0.0, 4))), want, "sgd(linear_schedule)");
  }

  void adamWithBiasCorrection() {
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8, lr = 0.1;
    Vec m(3, 0.0), v(3, 0.0);
    auto adam_dir = [&](size_t i, double g, int t) {
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      double m_hat = m[i] / (1 - std::pow(b1, t)), v_hat = v[i] / (1 - std::pow(b2, t));
      return m_hat / (std::sqrt(v_hat) + eps);
    };
    int t = 1;
    size_t seen = 0;
    auto want = reference([&](size_t i, double, double g) {
      double u = adam_dir(i, g, t);
      if (++seen % 3 == 0) ++t;
      return -lr * u;
    });
    expect_close(run(adam(lr)), want, "adam");

    // adamw: decay added to the adaptive direction before the learning rate.
    m.assign(3, 0.0), v.assign(3, 0.0), t = 1, seen = 0;
    auto want_w = reference([&](size_t i, double p, double g) {
      double u = adam_dir(i, g, t) + 0.01 * p;
      if (++seen % 3 == 0) ++t;
      return -lr * u;
    });
    expect_close(run(adamw(lr, {}, 0.01)), want_w, "adamw");
  }

  void adamStateMirrorsParams() {
    PyTree params = PyTree::dict({{"kernel", vec({1, 2})}, {"bias", vec({3})}});
    GradientTransformation tx = adam(1e-3);
    PyTree state = tx.init(params);
    QVERIFY(state.is_tuple());
    QCOMPARE(state.size(), size_t(2));
    QCOMPARE(tree_structure(state[0]["mu"]), tree_structure(params));
    QCOMPARE(tree_structure(state[0]["nu"]), tree_structure(params));
    auto [u, s] = tx.update(params, state, params);
    QCOMPARE(s[0]["count"].leaf().item(), 1.0);
    QCOMPARE(s[0]["count"].leaf().dtype(), DType::i32);
    QCOMPARE(tree_structure(s), tree_structure(state));
  }

  void rmspropSteps() {
    Vec nu(3, 0.0);
    auto want = reference([&](size_t i, double, double g) {
      nu[i] = 0.9 * nu[i] + 0.1 * g * g;
      return -0.01 * g / std::sqrt(nu[i] + 1e-8);
    });
    expect_close(run(rmsprop(0.01)), want, "rmsprop");
  }

  void adagradSteps() {
    Vec s(3, 0.1);
    auto want = reference([&](size_t i, double, double g) {
      s[i] += g * g;
      return -0.1 * g / std::sqrt(s[i] + 1e-7);
    });
    expect_close(run(adagrad(0.1)), want, "adagrad");
  }

  void optimizersDecreaseParabolaAndRosenbrock() {
    const Vec target = {1.0, -1.0, 1.0};
    auto parabola = [target](const Tensor& p) { return sum(square(p - vec(target))); };
    auto rosenbrock = [](const Tensor& p) {
      Tensor x = index(p, {0}), y = index(p, {1});
      return square(1.0 - x) + 100.0 * square(y - square(x));
    };
    for (const Named& o : optimizers_under_test()) {
      auto [p0, p1] = minimize(o.tx, parabola, {-1.0, 10.0, 1.0}, 3000);
      QVERIFY2(p1 < 1e-4 * p0, (o.name + " on the parabola: " + std::to_string(p0) + " -> " + std::to_string(p1)).c_str());
      auto [r0, r1] = minimize(o.tx, rosenbrock, {0.0, 0.0}, 3000);
      QVERIFY2(r1 < 0.05 * r0, (o.name + " on Rosenbrock: " + std::to_string(r0) + " -> " + std::to_string(r1)).c_str());
    }
  }

  void exponentialDecay() {
    auto at = [](const Schedule& s, int64_t step) { return s(count_of(step)).item(); };
    Schedule smooth = exponential_decay(1.0, 10, 0.5);
    expect_near(at(smooth, 0), 1.0, "smooth 0");
    expect_near(at(smooth, 5), std::pow(0.5, 0.5), "smooth 5");
    expect_near(at(smooth, 25), std::pow(0.5, 2.5), "smooth 25");
    Schedule stairs = exponential_decay(1.0, 10, 0.5, 0, true);
    expect_near(at(stairs, 9), 1.0, "staircase 9");
    expect_near(at(stairs, 15), 0.5, "staircase 15");
    expect_near(at(stairs, 25), 0.25, "staircase 25");
    Schedule delayed = exponential_decay(2.0, 10, 0.5, 5);
    expect_near(at(delayed, 3), 2.0, "transition_begin: before");
    expect_near(at(delayed, 15), 1.0, "transition_begin: 10 after");
    expect_near(at(exponential_decay(1.0, 10, 0.5, 0, false, 0.3), 25), 0.3, "end_value clips");
    expect_near(at(exponential_decay(1.0, 10, 2.0, 0, false, 3.0), 25), 3.0, "end_value caps growth");
    expect_near(at(exponential_decay(0.7, 0, 0.5), 100), 0.7, "transition_steps 0 is constant");
  }

  void otherSchedules() {
    auto at = [](const Schedule& s, int64_t step) { return s(count_of(step)).item(); };
    Schedule wc = warmup_cosine_decay_schedule(0.0, 1.0, 10, 110, 0.1);
    expect_near(at(wc, 0), 0.0, "warmup 0");
    expect_near(at(wc, 5), 0.5, "warmup 5");
    expect_near(at(wc, 10), 1.0, "peak");
    // 50 of 100 decay steps: cos(pi/2) = 0, so 0.9 * 0.5 + 0.1.
    expect_near(at(wc, 60), 0.55, "mid decay");
    expect_near(at(wc, 110), 0.1, "end");
    expect_near(at(wc, 500), 0.1, "after end");
    expect_near(at(cosine_decay_schedule(2.0, 100), 25), 1.0 + std::cos(M_PI / 4), "cosine 25");
    Schedule pc = piecewise_constant_schedule(1.0, {{20, 0.1}, {10, 0.5}});
    expect_near(at(pc, 9), 1.0, "piecewise 9");
    expect_near(at(pc, 10), 0.5, "piecewise 10");
    expect_near(at(pc, 19), 0.5, "piecewise 19");
    expect_near(at(pc, 20), 0.05, "piecewise 20");
    Schedule lin = linear_schedule(1.0, 0.0, 10, 5);
    expect_near(at(lin, 0), 1.0, "linear before");
    expect_near(at(lin, 10), 0.5, "linear mid");
    expect_near(at(lin, 30), 0.0, "linear after");
    expect_near(at(constant_schedule(0.25), 7), 0.25, "constant");
  }

  void clipping() {
    GradientTransformation tx = clip_by_global_norm(1.0);
    PyTree big = PyTree::dict({{"a", vec({3.0, 0.0})}, {"b", vec({4.0})}});
    auto [u, s] = tx.update(big, tx.init(big), PyTree());
    expect_near(values(u["a"])[0], 0.6, "scaled a");
    expect_near(values(u["b"])[0], 0.8, "scaled b");
    expect_near(global_norm(u).item(), 1.0, "clipped norm");
    PyTree small = PyTree::dict({{"a", vec({0.3, 0.0})}, {"b", vec({0.4})}});
    auto [u2, s2] = tx.update(small, s, PyTree());
    QCOMPARE(values(u2["a"]), values(small["a"]));
    QCOMPARE(values(u2["b"]), values(small["b"]));
    auto [c, cs] = clip(0.5).update(vec({-1.0, 0.2, 3.0}), empty_state(), PyTree());
    QCOMPARE(values(c), (Vec{-0.5, values(vec({0.2}))[0], 0.5}));
  }

  void decayedWeightsNeedParams() {
    GradientTransformation tx = adamw(0.1);
    PyTree p = vec({1.0});
    bool threw = false;
    try {
      tx.update(p, tx.init(p), PyTree());
    } catch (const Error& e) {
      threw = std::string(e.what()).find("add_decayed_weights") != std::string::npos;
    }
    QVERIFY(threw);
  }

  void jittedUpdateEqualsEager() {
    GradientTransformation tx = chain(clip_by_global_norm(1.0),
                                      adamw(warmup_cosine_decay_schedule(0.0, 0.1, 2, 10), {}, 0.01));
    auto step = jit([tx](PyTree params, PyTree grads, PyTree state) {
      auto [u, s] = tx.update(grads, state, params);
      return PyTree::tuple({apply_updates(params, u), s});
    });
    PyTree eager_p = PyTree::dict({{"w", vec(kStart)}, {"b", vec({0.5})}});
    PyTree jit_p = eager_p, eager_s = tx.init(eager_p), jit_s = eager_s;
    for (const Vec& g : kGrads) {
      PyTree grads = PyTree::dict({{"w", vec(g)}, {"b", vec({g[0]})}});
      auto [u, s] = tx.update(grads, eager_s, eager_p);
      eager_p = apply_updates(eager_p, u);
      eager_s = s;
      PyTree out = step(jit_p, grads, jit_s);
      jit_p = out[0];
      jit_s = out[1];
    }
    QCOMPARE(step.cache_info().misses, int64_t(1));
    QCOMPARE(tree_structure(jit_s), tree_structure(eager_s));
    auto a = tree_leaves(PyTree::tuple({jit_p, jit_s})), b = tree_leaves(PyTree::tuple({eager_p, eager_s}));
    for (size_t i = 0; i < a.size(); ++i) {
      Vec x = values(a[i]), y = values(b[i]);
      for (size_t j = 0; j < x.size(); ++j) expect_near(x[j], y[j], "leaf " + std::to_string(i), 1e-6);
    }
    expect_near(values(jit_s[1][0]["count"])[0], 3.0, "adam count after 3 steps");
  }
};

QTEST_APPLESS_MAIN(OptimTest)
#include "optim_test.moc"
