// Donation by ownership (compile/executable.h): an input the caller moves into a compiled
// function, holding no other reference, is overwritten by the result that replaces it (a fused
// update, a matmul whose epilogue adds to it); an input the caller still holds never changes.
// Either way the results are the same bits.
#include <QtTest>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/compile/executable.h"
#include "engine/numpy.h"
#include "engine/random/random.h"
#include "engine/transforms/jit.h"
#include "engine/transforms/make_jaxpr.h"
#include "engine/tree/treedef.h"

using namespace engine;

namespace {
Array normal(int seed, Shape s) { return random::normal(random::PRNGKey(seed), s); }
Array copy_of(const Array& a) { return Array::from_vector(a.to_vector<float>(), a.shape()); }

// Runs `exe` once on inputs the caller keeps and once with input `donated` handed over; checks
// that the kept inputs did not change and that both runs give the same bits, and sets `reused`:
// which outputs of the second run took the donated input's buffer. (A true is proof: outputs
// are allocated while their step's inputs are alive. A false only says not here.)
void run_both_ways(const Executable& exe, const std::vector<Array>& args, size_t donated, std::vector<bool>& reused) {
  std::vector<Array> kept;
  for (const Array& a : args) kept.push_back(copy_of(a));
  std::vector<Array> want = exe.run(kept);
  for (size_t i = 0; i < args.size(); ++i) {
    QVERIFY2(kept[i].same_values(args[i]), "an input the caller holds was overwritten");
  }
  std::vector<Array> given;  // the donated input handed over, the others still the caller's
  for (size_t i = 0; i < args.size(); ++i) given.push_back(i == donated ? copy_of(args[i]) : kept[i]);
  const void* storage = given[donated].raw();
  std::vector<Array> got = exe.run(std::move(given));
  reused.clear();
  for (size_t i = 0; i < got.size(); ++i) {
    QVERIFY2(got[i].same_values(want[i]), ("output " + std::to_string(i) + " differs when donated").c_str());
    reused.push_back(got[i].raw() == storage);
  }
}
}  // namespace

class DonationTest : public QObject {
  Q_OBJECT
 private slots:
  void fusedUpdateWritesIntoTheDonatedInput() {
    // Momentum SGD: m' = 0.9 m + g, p' = p - 0.1 m'. One loop of 2000 elements (several tiles).
    ClosedJaxpr cj = make_jaxpr([](const Tensor& p, const Tensor& m, const Tensor& g) {
      Tensor m2 = 0.9 * m + g;
      return std::make_tuple(p - 0.1 * m2, m2);
    })(normal(1, {40, 50}), normal(2, {40, 50}), normal(3, {40, 50}));
    auto exe = compile(cj, reference_backend());
    QCOMPARE(exe->num_fused_groups(), size_t{1});
    const std::vector<Array> args{normal(1, {40, 50}), normal(2, {40, 50}), normal(3, {40, 50})};
    std::vector<bool> reused;
    run_both_ways(*exe, args, 0, reused);
    QCOMPARE(reused, (std::vector<bool>{true, false}));
    run_both_ways(*exe, args, 1, reused);
    QCOMPARE(reused, (std::vector<bool>{false, true}));
  }

  void inputReadAfterTheOutputIsWrittenIsNotOverwritten() {
    // y = x * 2 leaves the loop, and a later op still reads x: y must not take x's buffer.
    ClosedJaxpr cj = make_jaxpr([](const Tensor& x) {
      Tensor y = x * 2.0;
      return std::make_tuple(y, exp(y) + x);
    })(normal(4, {3000}));
    auto exe = compile(cj, reference_backend());
    std::vector<bool> reused;
    run_both_ways(*exe, {normal(4, {3000})}, 0, reused);
    QCOMPARE(reused, (std::vector<bool>{false, true}));  // the last op's output may take it
  }

  void matmulEpilogueAddsIntoTheDonatedArray() {
    // The SGD update of a weight gradient: w - 0.1 * x^T dy, one oneDNN matmul with post-ops;
    // handed w, it accumulates into w's buffer (a sum post-op).
    ClosedJaxpr cj = make_jaxpr([](const Tensor& w, const Tensor& x, const Tensor& dy) {
      return w - 0.1 * matmul(transpose(x), dy);
    })(normal(5, {64, 48}), normal(6, {32, 64}), normal(7, {32, 48}));
    auto exe = compile(cj, cpu_backend(), {.profile = true});
    const std::vector<Array> args{normal(5, {64, 48}), normal(6, {32, 64}), normal(7, {32, 48})};
    std::vector<bool> reused;
    run_both_ways(*exe, args, 0, reused);
    QCOMPARE(reused, std::vector<bool>{true});
    QVERIFY2(format_profile(exe->profile()).find("dot_general (+") != std::string::npos,
             format_profile(exe->profile()).c_str());
    // x handed over is read by the matmul itself, so it must come out unharmed in the results.
    // (Its buffer may still turn up as the result's: freed after its last reader, the allocator
    // can hand the same address out again.)
    run_both_ways(*exe, args, 1, reused);
  }

  void jitCallWithAMovedTreeUpdatesInPlace() {
    auto step = jit([](const PyTree& params, const Tensor& g) {
      return tree_map([&](const Tensor& p) { return p - 0.5 * g; }, params);
    });
    const Array g = normal(8, {256});
    PyTree params = PyTree::dict({{"w", Tensor(normal(9, {256}))}});
    params = step(std::move(params), Tensor(g));  // compiles
    const Array before = copy_of(params["w"].leaf().array());
    const void* storage = params["w"].leaf().array().raw();
    params = step(std::move(params), Tensor(g));
    QCOMPARE(params["w"].leaf().array().raw(), storage);
    QVERIFY(params["w"].leaf().array().same_values(step(PyTree::dict({{"w", Tensor(before)}}), Tensor(g))["w"].leaf().array()));
    // Passed as an lvalue, the tree is the caller's: a new array comes back, the old one is intact.
    const PyTree held = params;
    const Array held_values = copy_of(held["w"].leaf().array());
    PyTree next = step(held, Tensor(g));
    QVERIFY(next["w"].leaf().array().raw() != held["w"].leaf().array().raw());
    QVERIFY(held["w"].leaf().array().same_values(held_values));
  }
};

QTEST_APPLESS_MAIN(DonationTest)
#include "donation_test.moc"
