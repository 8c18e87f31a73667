// jit: results equal eager evaluation bit for bit; the cache compiles once per signature (shapes,
// dtypes, tree structures, static values); jit composes with jvp and vmap in both orders; the
// cache is safe under concurrent calls. Also make_jaxpr's text, which jit's traces share.
#include <QtTest>

#include <atomic>
#include <thread>

#include "engine/compile/executable.h"
#include "engine/numpy.h"
#include "engine/transforms/jit.h"
#include "engine/transforms/jvp.h"
#include "engine/transforms/make_jaxpr.h"
#include "engine/transforms/vmap.h"
#include "unit/test_support.h"

using namespace engine;

namespace {

Array randu(Shape shape, uint32_t seed) {
  Array a = Array::empty(DType::f32, std::move(shape));
  uint32_t s = seed * 2654435761u + 3;
  float* p = a.mutable_data<float>();
  for (int64_t i = 0; i < a.size(); ++i) {
    s ^= s << 13, s ^= s >> 17, s ^= s << 5;
    p[i] = static_cast<float>(s % 40000) / 10000.0f - 2.0f;
  }
  return a;
}

bool same(const Tensor& a, const Tensor& b) { return a.array().same_values(b.array()); }


bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

class JitTest : public QObject {
  Q_OBJECT

 private slots:
  void makeJaxprPrintsLikeJax() {
    ClosedJaxpr cj = make_jaxpr([](Tensor x) { return sum(x * x) / 2.0; })(Array::zeros(DType::f32, {4}));
    QCOMPARE(QString::fromStdString(jaxpr_to_string(cj.jaxpr)),
             QString("{ lambda ; a:f32[4]. let b:f32[4] = mul a a; c:f32[] = reduce_sum[axes=(0,)] b; "
                     "d:f32[] = div c 2.0 in (d,) }"));
    auto [pair, out_def] = make_jaxpr([](Tensor x, PyTree p) { return std::make_pair(x, p["w"].leaf() * x); })
                               .trace({randu({2}, 1), PyTree::dict({{"w", randu({2}, 2)}})});
    QCOMPARE(pair.jaxpr.invars.size(), size_t(2));
    QCOMPARE(QString::fromStdString(out_def.str()), QString("PyTreeDef((*, *))"));
  }

  void jitEqualsEager() {
    const std::vector<std::pair<std::string, std::function<Tensor(Tensor, Tensor)>>> fns = {
        {"poly", [](Tensor x, Tensor y) { return x * x * 3.0 + y / 2.0 - 1.0; }},
        {"softmax", [](Tensor x, Tensor) { return softmax(x, -1); }},
        {"mlp-ish", [](Tensor x, Tensor y) { return sum(swish(x * y + 0.5), 1) + logsumexp(x, 1); }},
        {"where/relu", [](Tensor x, Tensor y) { return where(x > y, relu(x), gelu(y)) * ones_like(x); }},
        {"reshape/transpose", [](Tensor x, Tensor y) { return transpose(reshape(x + y, {4, 3})) * 1.0 + 0.0; }},
        {"argmax", [](Tensor x, Tensor) { return astype(argmax(x, 0), DType::f32); }},
    };
    Tensor x = randu({3, 4}, 3), y = randu({3, 4}, 4);
    for (const auto& [name, f] : fns) {
      JitFn jf = jit(f);
      Tensor got = jf(x, y), want = f(x, y);
      QVERIFY2(same(got, want), (name + ": " + got.array().repr() + " vs " + want.array().repr()).c_str());
      QVERIFY2(same(jf(x, y), want), (name + " (cached)").c_str());
    }
  }

  void cacheCompilesOncePerSignature() {
    int traces = 0;
    JitFn f = jit([&traces](Tensor x, PyTree p) {
      ++traces;
      return exp(x) * p["w"].leaf();
    });
    PyTree p3 = PyTree::dict({{"w", randu({3}, 5)}});
    f(randu({3}, 6), p3);
    QCOMPARE(f.cache_info().misses, int64_t(1));
    QCOMPARE(f.cache_info().hits, int64_t(0));
    Tensor second = f(randu({3}, 7), p3);  // new values, same signature
    QCOMPARE(f.cache_info().hits, int64_t(1));
    QCOMPARE(traces, 1);
    QVERIFY(same(second, exp(Tensor(randu({3}, 7))) * p3["w"].leaf()));
    f(randu({4}, 8), PyTree::dict({{"w", randu({4}, 9)}}));  // new shape
    QCOMPARE(f.cache_info().misses, int64_t(2));
    f(Array::zeros(DType::f64, {3}), PyTree::dict({{"w", Array::zeros(DType::f64, {3})}}));  // new dtype
    QCOMPARE(f.cache_info().misses, int64_t(3));
    f(randu({3}, 6), PyTree::dict({{"w", randu({3}, 5)}, {"unused", randu({1}, 1)}}));  // new structure
    QCOMPARE(f.cache_info().misses, int64_t(4));
    f(randu({3}, 10), p3);
    CacheInfo info = f.cache_info();
    QCOMPARE(info.hits, int64_t(2));
    QCOMPARE(info.size, int64_t(4));
    QCOMPARE(traces, 4);
    JitFn copy = f;  // copies share the cache
    copy(randu({3}, 11), p3);
    QCOMPARE(f.cache_info().hits, int64_t(3));
    f.clear_cache();
    QCOMPARE(f.cache_info().size, int64_t(0));
    f(randu({3}, 6), p3);
    QCOMPARE(traces, 5);
  }

  void staticArgumentsArePartOfTheKey() {
    int traces = 0;
    JitFn f = jit(
        [&traces](Tensor x, int n, const std::string& mode, double scale) {
          ++traces;
          Tensor y = x;
          for (int i = 1; i < n; ++i) y = y * x;
          return mode == "neg" ? -y * scale : y * scale;
        },
        JitOptions{.static_argnums = {1, -2, 3}});
    Tensor x = randu({2}, 12);
    QVERIFY(same(f(x, 3, "pos", 0.5), x * x * x * 0.5));
    QVERIFY(same(f(x, 2, "neg", 0.5), -(x * x) * 0.5));
    QCOMPARE(f.cache_info().misses, int64_t(2));
    f(x, 3, "pos", 0.5);
    QCOMPARE(f.cache_info().hits, int64_t(1));
    f(x, 3, "pos", 0.5000001);  // doubles are keyed exactly
    QCOMPARE(f.cache_info().misses, int64_t(3));
    QCOMPARE(traces, 3);
    // The jaxpr of a static configuration has the loop unrolled.
    QCOMPARE(f.optimized_jaxpr(x, 4, "pos", 1.0).jaxpr.eqns.size(), size_t(3));

    auto not_static = jit([](Tensor x, int n) { return x * static_cast<double>(n); });
    QVERIFY(contains(error_of([&] { not_static(x, 2); }), "must be listed in static_argnums"));
    auto tensor_static = jit([](Tensor x, Tensor y) { return x * y; }, JitOptions{.static_argnums = {1}});
    QVERIFY(contains(error_of([&] { tensor_static(x, x); }), "static arguments must be numbers or strings"));
    QVERIFY(contains(error_of([&] { f(x, 1); }), "out of range"));
    // Through another transformation a static argument arrives as a tree: a concrete scalar is
    // read as its value; a traced one cannot be static.
    JitFn times = jit([](Tensor a, int n) { return a * static_cast<double>(n); }, JitOptions{.static_argnums = {1}});
    QVERIFY(same(times.call({PyTree(x), PyTree(Array::scalar(3, DType::i32))}), x * 3.0));
    std::string traced = error_of([&] { vmap(times, {0, std::nullopt})(randu({2, 2}, 1), 3.0); });
    QVERIFY2(contains(traced, "static argument 1 must be a concrete scalar"), traced.c_str());
  }

  void jvpOfJitEqualsJvp() {
    auto f = [](Tensor x) { return sin(x) * exp(x) + x * 2.0; };
    Tensor x = randu({5}, 13), t = randu({5}, 14);
    JitFn jf = jit(f);
    auto [y1, t1] = jvp(jf, {x}, {t});
    auto [y2, t2] = jvp(f, {x}, {t});
    QVERIFY(same(y1.leaf(), y2.leaf()));
    QVERIFY(same(t1.leaf(), t2.leaf()));
    QCOMPARE(jf.cache_info().misses, int64_t(1));
    jvp(jf, {x}, {t});  // traced again by jvp, but jit's own jaxpr comes from the cache
    QCOMPARE(jf.cache_info().hits, int64_t(1));
    // jit of a jvp: compiled once, equal to the eager jvp.
    JitFn jvp_jit = jit([f](Tensor a, Tensor b) { return jvp(f, {a}, {b}); });
    PyTree both = jvp_jit(x, t);
    QVERIFY(same(both[0].leaf(), y2.leaf()));
    QVERIFY(same(both[1].leaf(), t2.leaf()));
  }

  void vmapAndJitCompose() {
    auto f = [](Tensor m, Tensor v) { return sum(m * broadcast_to(v, m.shape()), 1) + 1.0; };
    Tensor m = randu({6, 4}, 15), vs = randu({5, 4}, 16);
    Tensor want = vmap(f, {std::nullopt, 0})(m, vs);
    QCOMPARE(want.shape(), (Shape{5, 6}));
    JitFn jf = jit(f);
    QVERIFY(same(vmap(jf, {std::nullopt, 0})(m, vs), want));
    JitFn jv = jit(vmap(f, {std::nullopt, 0}));
    QVERIFY(same(jv(m, vs), want));
    QVERIFY(same(jv(m, vs), want));
    QCOMPARE(jv.cache_info().hits, int64_t(1));
    JitFn jj = jit(jit(vmap(jf, {std::nullopt, 0})));
    QVERIFY(same(jj(m, vs), want));
    // Inside an outer jit the inner one is inlined: the outer jaxpr has only primitives.
    ClosedJaxpr outer = jj.optimized_jaxpr(m, vs);
    for (const Eqn& e : outer.jaxpr.eqns) QVERIFY(rules(e.prim).impl != nullptr);
  }

  void closingOverAnOuterTracerIsNotCached() {
    std::shared_ptr<JitFn> inner;
    auto f = [&inner](Tensor x) {
      inner = std::make_shared<JitFn>(jit([x](Tensor y) { return y * x; }));
      return (*inner)(sin(x));
    };
    Tensor x = randu({3}, 17), t = randu({3}, 18);
    auto [y, ty] = jvp(f, {x}, {t});
    QVERIFY(same(y.leaf(), sin(x) * x));
    QVERIFY(same(ty.leaf(), (cos(x) * t) * x + sin(x) * t));
    QCOMPARE(inner->cache_info().size, int64_t(0));
    QCOMPARE(inner->cache_info().misses, int64_t(0));
  }

  void closedOverArraysBecomeConsts() {
    Array w = randu({3}, 19);
    JitFn f = jit([w](Tensor x) { return x * Tensor(w) + exp(Tensor(w)); });
    Tensor x = randu({3}, 20);
    QVERIFY(same(f(x), x * Tensor(w) + exp(Tensor(w))));
    ClosedJaxpr cj = f.optimized_jaxpr(x);
    QCOMPARE(cj.consts.size(), size_t(2));  // w, and exp(w) folded at compile time
    QCOMPARE(cj.jaxpr.eqns.size(), size_t(2));
  }

  void concurrentCallsShareOneCache() {
    JitFn f = jit([](Tensor x) { return tanh(x) * 2.0 + sum(x); });
    const int threads = 4, calls = 25;
    std::vector<std::thread> pool;
    std::atomic<int> wrong{0};
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (int i = 0; i < calls; ++i) {
          Tensor x = randu({static_cast<int64_t>(2 + (i + t) % 3)}, static_cast<uint32_t>(t * 100 + i));
          if (!same(f(x), tanh(x) * 2.0 + sum(x))) ++wrong;
        }
      });
    }
    for (auto& th : pool) th.join();
    QCOMPARE(wrong.load(), 0);
    CacheInfo info = f.cache_info();
    QCOMPARE(info.size, int64_t(3));
    QCOMPARE(info.hits + info.misses, int64_t(threads * calls));
    QVERIFY(info.misses >= 3);
  }

  void executableFreesNothingItReturns() {
    ClosedJaxpr cj = make_jaxpr([](Tensor x) { return std::make_pair(x, exp(x) + x); })(randu({2}, 21));
    auto exe = compile(cj, reference_backend());
    Array x = randu({2}, 22);
    std::vector<Array> out = exe->run(std::vector<Array>{x});
    QVERIFY(out[0].same_values(x));
    QVERIFY(out[1].same_values((exp(Tensor(x)) + Tensor(x)).array()));
    QVERIFY(contains(error_of([&] { exe->run(std::vector<Array>{randu({3}, 1)}); }), "compiled for f32[2]"));
  }
};

QTEST_APPLESS_MAIN(JitTest)
#include "jit_test.moc"
