// Transformations composed the way models use them, each checked against the same computation
// done the plain way: per-example gradients by jit(vmap(grad(f))) vs a loop of grad(f);
// grad(grad(f)) vs the analytic second derivative; jacfwd(jacrev(f)) vs hessian and vs finite
// differences; vmap over matmul/conv/pooling vs a loop.
#include <QtTest>
#include <cmath>

#include "engine/numpy.h"
#include "engine/random/random.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/jit.h"
#include "engine/transforms/vmap.h"

using namespace engine;

namespace {
Array key(int seed) { return random::PRNGKey(seed); }
Tensor normal(int seed, Shape s) { return random::normal(key(seed), s, DType::f64); }
double max_abs_diff(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return INFINITY;
  return max(abs(astype(a, DType::f64) - astype(b, DType::f64))).item();
}
Tensor row(const Tensor& x, int64_t i) { return index(x, {i}); }
}  // namespace

class ComposeTest : public QObject {
  Q_OBJECT
 private slots:
  void perExampleGradientsJitVmapGrad() {
    // A small MLP loss on one example; the per-example gradients w.r.t. the weights.
    Tensor w1 = normal(1, {4, 3}), w2 = normal(2, {3, 2}), xs = normal(3, {5, 4});
    auto loss = [](const Tensor& w, const Tensor& x, const Tensor& v) {
      return sum(square(tanh(matmul(x, w)) * 1.0)) + sum(matmul(swish(matmul(x, w)), v));
    };
    auto per_example = jit(vmap(grad(loss), {std::nullopt, 0, std::nullopt}));
    Tensor got = per_example(w1, xs, w2);
    QCOMPARE(got.shape(), (Shape{5, 4, 3}));
    for (int64_t i = 0; i < 5; ++i) {
      Tensor want = grad(loss)(w1, row(xs, i), w2);
      QVERIFY2(max_abs_diff(row(got, i), want) < 1e-12, qPrintable(QString::number(i)));
    }
    // The second call with the same shapes is a cache hit.
    per_example(w1, xs, w2);
    QCOMPARE(per_example.cache_info().misses, int64_t{1});
    QCOMPARE(per_example.cache_info().hits, int64_t{1});
  }

  void secondDerivatives() {
    auto f = [](const Tensor& x) { return sum(sin(x) * x * x); };
    auto d2 = grad(grad([&](const Tensor& x) { return f(x); }));
    Tensor x = Tensor(Array::scalar(0.7, DType::f64));
    // f = x² sin x: f'' = 2 sin x + 4x cos x − x² sin x
    double v = 0.7;
    double want = 2 * std::sin(v) + 4 * v * std::cos(v) - v * v * std::sin(v);
    QVERIFY(std::fabs(Tensor(d2(x)).item() - want) < 1e-12);
    // jit(grad(grad)) agrees.
    QVERIFY(std::fabs(Tensor(jit(d2)(x)).item() - want) < 1e-12);
  }

  void hessianThreeWays() {
    auto f = [](const Tensor& x) { return sum(exp(x * 0.5) * x) + sum(x) * sum(x * x); };
    Tensor x = normal(4, {3});
    Tensor h1 = jacfwd(jacrev(f))(x);
    Tensor h2 = hessian(f)(x);
    Tensor h3 = jacrev(jacfwd(f))(x);
    QCOMPARE(h1.shape(), (Shape{3, 3}));
    QVERIFY(max_abs_diff(h1, h2) < 1e-12);
    QVERIFY(max_abs_diff(h1, h3) < 1e-10);
    // Symmetric, and equal to central differences of the gradient.
    QVERIFY(max_abs_diff(h1, transpose(h1)) < 1e-10);
    auto g = grad(f);
    const double eps = 1e-6;
    for (int j = 0; j < 3; ++j) {
      Tensor e = one_hot(Tensor(Array::from_vector<int32_t>({j}, {})), 3, DType::f64);
      Tensor fd = (Tensor(g(x + eps * e)) - Tensor(g(x - eps * e))) / (2 * eps);
      QVERIFY(max_abs_diff(fd, index(h1, {Slice(), j})) < 1e-6);
    }
  }

  void vmapOverLinalgConvAndPooling() {
    Tensor a = normal(5, {4, 2, 3}), b = normal(6, {3, 5});
    Tensor got = vmap([](const Tensor& x, const Tensor& y) { return matmul(x, y); }, {0, std::nullopt})(a, b);
    for (int64_t i = 0; i < 4; ++i) QVERIFY(max_abs_diff(row(got, i), matmul(row(a, i), b)) < 1e-12);

    Tensor imgs = normal(7, {3, 1, 5, 5, 2}), kernel = normal(8, {3, 3, 2, 4});
    auto layer = [](const Tensor& x, const Tensor& w) { return max_pool(relu(conv(x, w)), {2, 2}, {2, 2}); };
    Tensor conv_got = vmap(layer, {0, std::nullopt})(imgs, kernel);
    QCOMPARE(conv_got.shape(), (Shape{3, 1, 2, 2, 4}));
    for (int64_t i = 0; i < 3; ++i) QVERIFY(max_abs_diff(row(conv_got, i), layer(row(imgs, i), kernel)) < 1e-12);

    // Per-example kernel gradients of a conv layer: vmap(grad) over the batch.
    auto conv_loss = [&](const Tensor& w, const Tensor& x) { return sum(square(layer(x, w))); };
    Tensor per = vmap(grad(conv_loss), {std::nullopt, 0})(kernel, imgs);
    for (int64_t i = 0; i < 3; ++i)
      QVERIFY(max_abs_diff(row(per, i), grad(conv_loss)(kernel, row(imgs, i))) < 1e-12);
  }

  void gradOfJitOfVmap() {
    Tensor w = normal(9, {3}), xs = normal(10, {6, 3});
    auto predict = [](const Tensor& w, const Tensor& x) { return tanh(sum(w * x)); };
    auto batched = jit(vmap(predict, {std::nullopt, 0}));
    auto loss = [&](const Tensor& w) { return mean(square(Tensor(batched(w, xs)))); };
    auto plain = [&](const Tensor& w) { return mean(square(tanh(matmul(xs, w)))); };
    QVERIFY(max_abs_diff(grad(loss)(w), grad(plain)(w)) < 1e-12);
  }
};

QTEST_APPLESS_MAIN(ComposeTest)
#include "compose_test.moc"
