// Whole training steps of the reference models (bench/workloads.h: the MLP and the BatchNorm CNN)
// compiled by jit against the same step run eagerly: on the reference backend the compiled step
// (passes, fusion, prepared kernels) must give the eager step's bits; on the cpu backend (oneDNN,
// float32 accumulation) it must match the reference backend's eager step to float32 accuracy.
// Also: compiling a second time for the same signature hits both caches.
#include <QtTest>

#include "bench/workloads.h"
#include "engine/backend/cpu/cpu_backend.h"
#include "engine/transforms/jit.h"
#include "engine/tree/tree.h"

using namespace engine;

namespace {

// Largest |a - b| over all leaves, relative to the largest |b| of each leaf (at least 1e-3).
double tree_error(const PyTree& got, const PyTree& want) {
  auto [g, gd] = tree_flatten(got);
  auto [w, wd] = tree_flatten(want);
  if (g.size() != w.size() || gd.str() != wd.str()) return INFINITY;
  double worst = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    const Array &a = g[i].array(), &b = w[i].array();
    if (a.shape() != b.shape() || a.dtype() != b.dtype()) return INFINITY;
    double scale = 1e-3, err = 0;
    for (int64_t k = 0; k < b.size(); ++k) scale = std::max(scale, std::fabs(b.at_flat(k)));
    for (int64_t k = 0; k < b.size(); ++k) err = std::max(err, std::fabs(a.at_flat(k) - b.at_flat(k)));
    if (std::isnan(err)) return INFINITY;
    worst = std::max(worst, err / scale);
  }
  return worst;
}

bool same_bits(const PyTree& got, const PyTree& want) {
  auto [g, gd] = tree_flatten(got);
  auto [w, wd] = tree_flatten(want);
  if (g.size() != w.size()) return false;
  for (size_t i = 0; i < g.size(); ++i)
    if (!g[i].array().same_values(w[i].array())) return false;
  return true;
}

// Runs `steps` steps from the workload's initial state; each output is (new state, loss).
PyTree run_steps(const bench::Workload& w, const std::function<PyTree(const PyTree&, const Tensor&, const Tensor&)>& f,
                 int steps) {
  PyTree state = w.state, out;
  for (int i = 0; i < steps; ++i) {
    const auto& [x, y] = w.batches[i % w.batches.size()];
    out = f(state, x, y);
    state = out[0];
  }
  return out;
}

struct BackendScope {
  explicit BackendScope(Backend& b) { set_default_backend(&b); }
  ~BackendScope() { set_default_backend(nullptr); }
};

}  // namespace

class CompiledStepTest : public QObject {
  Q_OBJECT

  void check_workload(const std::string& name, int64_t batch, int steps, double cpu_tolerance) {
    bench::Workload w = bench::make_workload(name, batch);
    PyTree eager_ref, jit_ref, jit_cpu;
    {
      BackendScope scope(reference_backend());
      eager_ref = run_steps(w, w.step, steps);
      auto step = jit(w.step);
      jit_ref = run_steps(w, [&](const PyTree& s, const Tensor& x, const Tensor& y) { return step(s, x, y); }, steps);
      QCOMPARE(step.cache_info().misses, int64_t{1});
    }
    QVERIFY2(same_bits(jit_ref, eager_ref), (name + ": compiled step on the reference backend").c_str());
    {
      BackendScope scope(cpu_backend());
      auto step = jit(w.step);
      jit_cpu = run_steps(w, [&](const PyTree& s, const Tensor& x, const Tensor& y) { return step(s, x, y); }, steps);
    }
    const double err = tree_error(jit_cpu, eager_ref);
    QVERIFY2(err < cpu_tolerance, (name + ": cpu compiled vs reference eager, error " + std::to_string(err)).c_str());
  }

 private slots:
  void mlpStepMatchesReference() { check_workload("mlp", 8, 3, 1e-4); }
  void mlpEvalMatchesReference() { check_workload("mlp-eval", 16, 1, 1e-4); }
  // BatchNorm divides by a batch variance and momentum 0.99 amplifies differences step to step:
  // two steps keep float32 rounding differences small.
  void cnnStepMatchesReference() { check_workload("cnn", 4, 2, 1e-3); }

  void compilingTwiceHitsTheCaches() {
    BackendScope scope(cpu_backend());
    bench::Workload w = bench::make_workload("mlp", 8);
    const auto& [x, y] = w.batches[0];
    auto step = jit(w.step);
    PyTree first = step(w.state, x, y);
    const int64_t builds = cpu_backend().counters().cache_builds.load();
    PyTree second = step(w.state, x, y);
    QCOMPARE(step.cache_info().misses, int64_t{1});
    QCOMPARE(step.cache_info().hits, int64_t{1});
    QVERIFY(same_bits(second, first));
    // A new jitted function of the same step traces again but finds every oneDNN primitive built.
    auto again = jit(w.step);
    PyTree third = again(w.state, x, y);
    QCOMPARE(cpu_backend().counters().cache_builds.load(), builds);
    QVERIFY(same_bits(third, first));
  }
};

QTEST_APPLESS_MAIN(CompiledStepTest)
#include "compiled_step_test.moc"
