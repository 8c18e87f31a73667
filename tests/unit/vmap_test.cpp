// vmap: every result is compared with a loop over the batch (f applied eagerly to each example,
// the results stacked), bit for bit: batching changes which kernel call computes an element, not
// how it is computed.
#include <QtTest>

#include "engine/numpy.h"
#include "engine/transforms/jvp.h"
#include "engine/transforms/make_jaxpr.h"
#include "engine/transforms/vmap.h"
#include "unit/test_support.h"

using namespace engine;

namespace {

using Fn2 = std::function<Tensor(Tensor, Tensor)>;

// Deterministic values in [-2, 2) (xorshift), so failures reproduce.
Array randu(Shape shape, uint32_t seed) {
  Array a = Array::empty(DType::f32, std::move(shape));
  uint32_t s = seed * 2654435761u + 1;
  float* p = a.mutable_data<float>();
  for (int64_t i = 0; i < a.size(); ++i) {
    s ^= s << 13, s ^= s >> 17, s ^= s << 5;
    p[i] = static_cast<float>(s % 40000) / 10000.0f - 2.0f;
  }
  return a;
}

// Example i of x along axis (eager ops: move the axis to the front, copy one contiguous chunk).
Tensor example(const Tensor& x, int axis, int64_t i) {
  Array front = move_batch_axis(x, axis, 0, 0).array();
  Shape rest(front.shape().begin() + 1, front.shape().end());
  Array out = Array::empty(front.dtype(), rest);
  size_t bytes = out.nbytes();
  std::memcpy(out.mutable_raw(), static_cast<const char*>(front.raw()) + i * bytes, bytes);
  return out;
}

// Stacks by copying bytes, independent of the ops under test.
Tensor stack_copies(const std::vector<Tensor>& xs) {
  Shape s = xs[0].shape();
  s.insert(s.begin(), static_cast<int64_t>(xs.size()));
  Array out = Array::empty(xs[0].dtype(), s);
  size_t bytes = xs[0].array().nbytes();
  for (size_t i = 0; i < xs.size(); ++i)
    std::memcpy(static_cast<char*>(out.mutable_raw()) + i * bytes, xs[i].array().raw(), bytes);
  return out;
}

bool same(const Tensor& a, const Tensor& b) { return a.array().same_values(b.array()); }

QByteArray mismatch(const std::string& what, const Tensor& got, const Tensor& want) {
  return QByteArray::fromStdString(what + "\n got " + got.array().repr() + "\nwant " + want.array().repr());
}

// vmap(f, in_axes, out_axes)(x, y) against the loop.
void check_against_loop(const std::string& name, const Fn2& f, const Tensor& x, const Tensor& y,
                        InAxes axes, int out_axes = 0) {
  Tensor got = vmap(f, axes, out_axes)(x, y);
  int64_t n = axes[0] ? x.shape()[*axes[0] < 0 ? *axes[0] + x.rank() : *axes[0]]
                      : y.shape()[*axes[1] < 0 ? *axes[1] + y.rank() : *axes[1]];
  std::vector<Tensor> per;
  for (int64_t i = 0; i < n; ++i) {
    Tensor xi = axes[0] ? example(x, *axes[0] < 0 ? *axes[0] + x.rank() : *axes[0], i) : x;
    Tensor yi = axes[1] ? example(y, *axes[1] < 0 ? *axes[1] + y.rank() : *axes[1], i) : y;
    per.push_back(f(xi, yi));
  }
  Tensor want = stack_copies(per);
  int to = out_axes < 0 ? out_axes + want.rank() : out_axes;
  want = move_batch_axis(want, 0, to, n).array();
  QVERIFY2(got.shape() == want.shape(), mismatch(name + ": shape", got, want).constData());
  QVERIFY2(same(got, want), mismatch(name, got, want).constData());
}


}  // namespace

class VmapTest : public QObject {
  Q_OBJECT

 private slots:
  void unaryAndBinaryMatchLoop() {
    const std::vector<std::pair<std::string, Fn2>> cases = {
        {"sin*2+1", [](Tensor x, Tensor) { return sin(x) * 2.0 + 1.0; }},
        {"exp/(1+x^2)", [](Tensor x, Tensor) { return exp(x) / (1.0 + square(x)); }},
        {"tanh,sigmoid", [](Tensor x, Tensor) { return tanh(x) - sigmoid(x); }},
        {"relu,swish,gelu", [](Tensor x, Tensor) { return relu(x) + swish(x) * gelu(x); }},
        {"abs,floor,sign", [](Tensor x, Tensor) { return abs(x) + floor(x) * sign(x); }},
        {"astype f64", [](Tensor x, Tensor) { return astype(astype(x, DType::f64) * 3.0, DType::f32); }},
        {"x+y broadcast", [](Tensor x, Tensor y) { return x + y; }},
        {"x*y-y", [](Tensor x, Tensor y) { return x * y - y; }},
        {"maximum,minimum", [](Tensor x, Tensor y) { return maximum(x, y) + minimum(y, x); }},
        {"where(x>y)", [](Tensor x, Tensor y) { return where(x > y, x, y * 0.5); }},
        {"atan2,pow", [](Tensor x, Tensor y) { return atan2(x, y) + pow(abs(x) + 1.0, y); }},
        {"comparison", [](Tensor x, Tensor y) { return astype(less_equal(x, y), DType::f32); }},
    };
    Tensor x = randu({4, 3}, 1), y = randu({4, 3}, 2), row = randu({3}, 3), s = randu({4}, 4);
    for (const auto& [name, f] : cases) {
      check_against_loop(name + " (0,None)", f, x, row, {0, std::nullopt});
      check_against_loop(name + " (0,0)", f, x, y, {0, 0});
      check_against_loop(name + " (None,0)", f, row, x, {std::nullopt, 0});
      check_against_loop(name + " (0,0) scalar y", f, x, s, {0, 0});
      check_against_loop(name + " (1,None) out 1", f, y, s, {1, std::nullopt}, 1);
      check_against_loop(name + " (-1,0) out -1", f, y, row, {-1, 0}, -1);
    }
    // A batch of scalars meeting unbatched vectors.
    Fn2 scale = [](Tensor a, Tensor v) { return a * v + v; };
    check_against_loop("scalars*vector", scale, s, row, {0, std::nullopt});
    check_against_loop("scalars*vector out -1", scale, s, row, {0, std::nullopt}, -1);
  }

  void reductionsAndShapesMatchLoop() {
    const std::vector<std::pair<std::string, Fn2>> cases = {
        {"sum all", [](Tensor x, Tensor) { return sum(x); }},
        {"sum axis 0", [](Tensor x, Tensor) { return sum(x, 0); }},
        {"sum axis 1 keepdims", [](Tensor x, Tensor) { return sum(x, 1, true); }},
        {"mean -1", [](Tensor x, Tensor) { return mean(x, -1); }},
        {"max/min", [](Tensor x, Tensor) { return max(x, 0) + min(x); }},
        {"prod", [](Tensor x, Tensor) { return prod(x, {0, 1}); }},
        {"argmax", [](Tensor x, Tensor) { return argmax(x, 1); }},
        {"argmin", [](Tensor x, Tensor) { return argmin(x, 0); }},
        {"logsumexp", [](Tensor x, Tensor) { return logsumexp(x, 1); }},
        {"softmax", [](Tensor x, Tensor) { return softmax(x, -1); }},
        {"log_softmax", [](Tensor x, Tensor) { return log_softmax(x, 0); }},
        {"var", [](Tensor x, Tensor) { return var(x, {1}); }},
        {"reshape", [](Tensor x, Tensor) { return reshape(x, {3, 4}); }},
        {"reshape -1", [](Tensor x, Tensor) { return reshape(x, {-1}); }},
        {"transpose", [](Tensor x, Tensor) { return transpose(x); }},
        {"broadcast_to", [](Tensor x, Tensor) { return broadcast_to(sum(x, 0), {2, 3}); }},
        {"expand/squeeze", [](Tensor x, Tensor) { return squeeze(expand_dims(x, 1), {1}) * 2.0; }},
        {"zeros_like+ones_like", [](Tensor x, Tensor) { return zeros_like(x) + ones_like(x) * x; }},
        {"matvec", [](Tensor m, Tensor v) { return sum(m * broadcast_to(v, m.shape()), 1); }},
    };
    Tensor x = randu({4, 3}, 5), x2 = randu({2, 4, 3}, 6), v = randu({3}, 7), vs = randu({4, 3}, 8);
    for (const auto& [name, f] : cases) {
      if (name == "matvec") {
        check_against_loop(name, f, x, vs, {std::nullopt, 0});
        check_against_loop(name + " both", f, x2, randu({2, 3}, 9), {0, 0});
        continue;
      }
      check_against_loop(name, f, x2, v, {0, std::nullopt});
      check_against_loop(name + " axis 1", f, x2.array().reshape({4, 2, 3}), v, {1, std::nullopt});
      check_against_loop(name + " axis -1 out -1", f, randu({4, 3, 5}, 10), v, {-1, std::nullopt}, -1);
    }
  }

  void matrixVectorBatchLikeJaxTutorial() {
    // jax.vmap(apply_matrix, in_axes=(None, 0)) over a batch of 5 vectors: (5, 15).
    Tensor mat = randu({15, 10}, 11), batch = randu({5, 10}, 12);
    auto apply = [](Tensor m, Tensor v) { return sum(m * broadcast_to(v, m.shape()), 1); };
    Tensor out = vmap(apply, {std::nullopt, 0})(mat, batch);
    QCOMPARE(out.shape(), (Shape{5, 15}));
    for (int64_t b = 0; b < 5; ++b) QVERIFY(same(example(out, 0, b), apply(mat, example(batch, 0, b))));
  }

  void nestedVmapIsAnOuterLoop() {
    Tensor xs = randu({4, 3}, 13), ys = randu({5, 3}, 14);
    auto dot = [](Tensor x, Tensor y) { return sum(x * y); };
    // Inner maps over y, outer over x: out[i][j] = dot(xs[i], ys[j]).
    auto inner = vmap(dot, {std::nullopt, 0});
    Tensor out = vmap(inner, {0, std::nullopt})(xs, ys);
    QCOMPARE(out.shape(), (Shape{4, 5}));
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t j = 0; j < 5; ++j)
        QVERIFY(same(example(example(out, 0, i), 0, j), dot(example(xs, 0, i), example(ys, 0, j))));
    // Mapping both over a shared axis at two levels, with out_axes moving the inner batch last.
    Tensor a = randu({2, 3, 4}, 15);
    Tensor twice = vmap(vmap([](Tensor r) { return r * r + 1.0; }, {0}, 0), {0}, 1)(a);
    QVERIFY(same(twice, move_batch_axis(a, 0, 1, 2) * move_batch_axis(a, 0, 1, 2) + 1.0));
  }

  void unbatchedOutputsAreBroadcast() {
    Tensor x = randu({3, 2}, 16), c = randu({2}, 17);
    PyTree out = vmap([](Tensor xi, Tensor ci) { return std::make_pair(xi * ci, ci + 1.0); },
                      {0, std::nullopt})(x, c);
    Tensor second = out[1];
    QCOMPARE(second.shape(), (Shape{3, 2}));
    for (int64_t b = 0; b < 3; ++b) QVERIFY(same(example(second, 0, b), c + 1.0));
    Tensor lit = vmap([](Tensor) { return Tensor(Array::scalar(7)); })(x);
    QCOMPARE(lit.shape(), (Shape{3}));
    QCOMPARE(lit.array().to_vector<float>(), (std::vector<float>{7, 7, 7}));
  }

  void pytreeArgumentsShareTheirAxis() {
    PyTree params = PyTree::dict({{"w", randu({4, 3}, 18)}, {"b", randu({4}, 19)}});
    Tensor x = randu({3}, 20);
    auto f = [](PyTree p, Tensor xi) { return sum(p["w"].leaf() * xi) + p["b"].leaf(); };
    Tensor out = vmap(f, {0, std::nullopt})(params, x);
    for (int64_t b = 0; b < 4; ++b) {
      PyTree pb = PyTree::dict({{"w", example(params["w"], 0, b)}, {"b", example(params["b"], 0, b)}});
      QVERIFY(same(example(out, 0, b), f(pb, x)));
    }
  }

  void vmapOfJvpAndJvpOfVmap() {
    Tensor xs = randu({4, 3}, 21), ts = randu({4, 3}, 22);
    auto f = [](Tensor x) { return sin(x) * x; };
    auto jvp_of = [f](Tensor x, Tensor t) { return jvp(f, {x}, {t}).second.leaf(); };
    Tensor batched = vmap(jvp_of)(xs, ts);
    for (int64_t b = 0; b < 4; ++b) QVERIFY(same(example(batched, 0, b), jvp_of(example(xs, 0, b), example(ts, 0, b))));
    auto [y, ty] = jvp(vmap(f), {xs}, {ts});
    QVERIFY(same(ty.leaf(), batched));
    QVERIFY(same(y.leaf(), f(xs)));
  }

  void makeJaxprOfVmapIsBatched() {
    ClosedJaxpr cj = make_jaxpr(vmap([](Tensor x) { return sum(x * x); }))(Array::zeros(DType::f32, {5, 4}));
    QCOMPARE(QString::fromStdString(jaxpr_to_string(cj.jaxpr)),
             QString("{ lambda ; a:f32[5,4]. let b:f32[5,4] = mul a a; c:f32[5] = reduce_sum[axes=(1,)] b in (c,) }"));
  }

  void errorsNameTheArgument() {
    auto f = [](Tensor a, Tensor b) { return a + b; };
    Tensor five = randu({5, 2}, 23), three = randu({3, 2}, 24);
    QCOMPARE(QString::fromStdString(error_of([&] { vmap(f)(five, three); })),
             QString("vmap: inconsistent sizes for the mapped axis: argument 0 has 5, argument 1 has 3"));
    QVERIFY(error_of([&] { vmap(f, {0})(five, five); }).find("in_axes has 1 entries but the function was called with 2") !=
            std::string::npos);
    QVERIFY(error_of([&] { vmap(f, {0, 0, 0})(five, five); }).find("in_axes has 3 entries") != std::string::npos);
    std::string range = error_of([&] { vmap(f, {0, 2})(five, five); });
    QVERIFY2(range.find("in_axes 2 is out of range for argument 1 of type f32[5,2]") != std::string::npos, range.c_str());
    QVERIFY(error_of([&] { vmap(f, {std::nullopt, std::nullopt})(five, five); }).find("no argument is mapped") !=
            std::string::npos);
    QVERIFY(error_of([&] { vmap(f, {0, 0}, 2)(five, five); }).find("out_axes 2 is out of range for output 0") !=
            std::string::npos);
    PyTree pair = PyTree::tuple({five, three});
    std::string leaf = error_of([&] { vmap([](PyTree p) { return p[0].leaf(); })(pair); });
    QVERIFY2(leaf.find("argument 0 (leaf 0) has 5, argument 0 (leaf 1) has 3") != std::string::npos, leaf.c_str());
  }
};

QTEST_APPLESS_MAIN(VmapTest)
#include "vmap_test.moc"
