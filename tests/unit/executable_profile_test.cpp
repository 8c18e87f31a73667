// Executable::profile: with CompileOptions::profile every step of every run is counted and
// timed, one entry per step (an equation or a fused group) in step order; without it, nothing.
#include <QtTest>

#include "engine/backend/backend.h"
#include "engine/compile/executable.h"
#include "engine/numpy.h"
#include "engine/random/random.h"
#include "engine/transforms/make_jaxpr.h"

using namespace engine;

class ExecutableProfileTest : public QObject {
  Q_OBJECT
 private slots:
  void everyStepIsCountedAndLabelled() {
    Array x = random::normal(random::PRNGKey(1), {16, 8}), w = random::normal(random::PRNGKey(2), {8, 4});
    // One product, then an elementwise chain ending in a sum (one fused group).
    ClosedJaxpr cj = make_jaxpr([](const Tensor& a, const Tensor& b) {
      return sum(tanh(matmul(a, b)) * 2.0 + 1.0);
    })(x, w);
    auto exe = compile(cj, default_backend(), {.profile = true});
    for (int i = 0; i < 3; ++i) exe->run(std::vector<Array>{x, w});
    auto prof = exe->profile();
    QCOMPARE(prof.size(), size_t{2});
    QVERIFY2(prof[0].label.rfind("dot_general f32[16,4] <- f32[16,8] f32[8,4]", 0) == 0, prof[0].label.c_str());
    QVERIFY2(prof[1].label.rfind("fused 3 ops + 1 sum f32[16,4]", 0) == 0, prof[1].label.c_str());
    QCOMPARE(prof[1].eqns.size(), size_t{4});
    size_t eqns = 0;
    for (const auto& s : prof) {
      QCOMPARE(s.calls, int64_t{3});
      QVERIFY(s.seconds >= 0);
      eqns += s.eqns.size();
    }
    QCOMPARE(eqns, cj.jaxpr.eqns.size());
    const std::string table = format_profile(prof);
    QVERIFY2(table.find("2 steps") != std::string::npos, table.c_str());

    exe->reset_profile();
    exe->run(std::vector<Array>{x, w});
    for (const auto& s : exe->profile()) QCOMPARE(s.calls, int64_t{1});
  }

  void offByDefault() {
    Array x = random::normal(random::PRNGKey(1), {4});
    ClosedJaxpr cj = make_jaxpr([](const Tensor& a) { return exp(a); })(x);
    auto exe = compile(cj, default_backend());
    exe->run(std::vector<Array>{x});
    QVERIFY(exe->profile().empty());
  }
};

QTEST_APPLESS_MAIN(ExecutableProfileTest)
#include "executable_profile_test.moc"
