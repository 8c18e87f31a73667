// The jnp-like API evaluated eagerly on the reference backend: values, broadcasting, dtype
// promotion, and the errors that name the shapes at fault.
#include <QtTest>
#include <cmath>

#include "engine/numpy.h"

using namespace engine;

namespace {
Tensor vec(std::vector<float> v) { return Array::from_vector<float>(v); }
Tensor mat(std::vector<float> v, int64_t r, int64_t c) { return Array::from_vector<float>(v, {r, c}); }
std::vector<float> values(const Tensor& t) { return t.array().to_vector<float>(); }
bool close(const std::vector<float>& a, const std::vector<double>& b, double tol = 1e-6) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::fabs(a[i] - b[i]) > tol * (1 + std::fabs(b[i]))) return false;
  return true;
}
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

class OpsEagerTest : public QObject {
  Q_OBJECT
 private slots:
  void arithmeticBroadcasts() {
    Tensor a = mat({1, 2, 3, 4, 5, 6}, 2, 3);
    Tensor b = vec({10, 20, 30});
    QCOMPARE(values(a + b), (std::vector<float>{11, 22, 33, 14, 25, 36}));
    Tensor col = mat({1, 2}, 2, 1);
    QCOMPARE(values(a * col), (std::vector<float>{1, 2, 3, 8, 10, 12}));
    QCOMPARE(values(2.0 * b - 1.0), (std::vector<float>{19, 39, 59}));
    QCOMPARE(values(b / 10.0), (std::vector<float>{1, 2, 3}));
    QCOMPARE((a + b).shape(), (Shape{2, 3}));
  }

  void mismatchedShapesNameBoth() {
    std::string msg = error_of([] { add(mat({1, 2, 3, 4, 5, 6}, 2, 3), vec({1, 2})); });
    QVERIFY2(msg.find("(2,3) and (2)") != std::string::npos, msg.c_str());
  }

  void dtypePromotion() {
    Tensor i = Array::from_vector<int32_t>({1, 2, 3});
    QCOMPARE((i + 1.0).dtype(), DType::i32);
    QCOMPARE((i * 0.5).dtype(), DType::f32);
    QCOMPARE(values(i * 0.5), (std::vector<float>{0.5, 1, 1.5}));
    QCOMPARE((i + vec({1, 1, 1})).dtype(), DType::f32);
    QCOMPARE(exp(i).dtype(), DType::f32);
    QCOMPARE((i < 2.0).dtype(), DType::boolean);
  }

  void unaryMath() {
    Tensor x = vec({-1, 0, 0.5, 2});
    QVERIFY(close(values(exp(x)), {std::exp(-1.0), 1, std::exp(0.5), std::exp(2.0)}));
    QVERIFY(close(values(tanh(x)), {std::tanh(-1.0), 0, std::tanh(0.5), std::tanh(2.0)}));
    QVERIFY(close(values(sigmoid(x)), {1 / (1 + std::exp(1.0)), 0.5, 1 / (1 + std::exp(-0.5)), 1 / (1 + std::exp(-2.0))}));
    QCOMPARE(values(relu(x)), (std::vector<float>{0, 0, 0.5, 2}));
    QCOMPARE(values(abs(x)), (std::vector<float>{1, 0, 0.5, 2}));
    QVERIFY(close(values(swish(x)), {-1 / (1 + std::exp(1.0)), 0, 0.5 / (1 + std::exp(-0.5)), 2 / (1 + std::exp(-2.0))}));
    QCOMPARE(values(integer_pow(x, 3)), (std::vector<float>{-1, 0, 0.125, 8}));
    QCOMPARE(values(round(vec({0.5, 1.5, 2.5, -0.5}))), (std::vector<float>{0, 2, 2, -0}));
    // selu and gelu against jax.nn's formulas evaluated in double.
    const double a = 1.6732632423543772, s = 1.0507009873554805;
    QVERIFY(close(values(selu(x)), {s * a * std::expm1(-1.0), 0, s * 0.5, s * 2}));
    auto g = [](double v) { return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v))); };
    QVERIFY(close(values(gelu(x)), {g(-1), g(0), g(0.5), g(2)}));
    QVERIFY(close(values(sqrt(vec({4, 9}))), {2, 3}));
    QVERIFY(close(values(pow(vec({2, 3}), vec({3, 2}))), {8, 9}));
  }

  void comparisonsAndWhere() {
    Tensor x = vec({1, 5, 3});
    Tensor y = vec({2, 2, 3});
    Tensor m = x > y;
    QCOMPARE(m.array().to_vector<int>(), (std::vector<int>{0, 1, 0}));
    QCOMPARE(values(where(m, x, y)), (std::vector<float>{2, 5, 3}));
    QCOMPARE(values(maximum(x, y)), (std::vector<float>{2, 5, 3}));
    QCOMPARE(values(minimum(x, y)), (std::vector<float>{1, 2, 3}));
    QVERIFY(std::isnan(values(maximum(vec({NAN}), vec({1})))[0]));
  }

  void reductions() {
    Tensor a = mat({1, 2, 3, 4, 5, 6}, 2, 3);
    QCOMPARE(values(sum(a)), (std::vector<float>{21}));
    QCOMPARE(values(sum(a, 0)), (std::vector<float>{5, 7, 9}));
    QCOMPARE(values(sum(a, -1)), (std::vector<float>{6, 15}));
    QCOMPARE(sum(a, 1, true).shape(), (Shape{2, 1}));
    QCOMPARE(values(mean(a, 0)), (std::vector<float>{2.5, 3.5, 4.5}));
    QCOMPARE(values(max(a, 1)), (std::vector<float>{3, 6}));
    QCOMPARE(values(min(a)), (std::vector<float>{1}));
    QCOMPARE(argmax(a, 1).array().to_vector<int>(), (std::vector<int>{2, 2}));
    QCOMPARE(argmin(mat({3, 1, 1, 0, 9, 0}, 2, 3), 1).array().to_vector<int>(), (std::vector<int>{1, 0}));
    QCOMPARE(values(prod(a, {0, 1})), (std::vector<float>{720}));
    QVERIFY(close(values(var(a, {1})), {2.0 / 3, 2.0 / 3}));
    QVERIFY(close(values(logsumexp(vec({1, 2, 3}), 0)), {std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0))}));
    // Large inputs must not overflow: the max is subtracted first.
    QVERIFY(close(values(logsumexp(vec({1000, 1000}), 0)), {1000 + std::log(2.0)}));
    QVERIFY(close(values(softmax(vec({1, 1}))), {0.5, 0.5}));
    QVERIFY(close(values(log_softmax(vec({0, 0, 0, 0}))), {-std::log(4.0), -std::log(4.0), -std::log(4.0), -std::log(4.0)}));
    QVERIFY(!error_of([&] { sum(a, 2); }).empty());
  }

  void shapes() {
    Tensor a = mat({1, 2, 3, 4, 5, 6}, 2, 3);
    QCOMPARE(values(transpose(a)), (std::vector<float>{1, 4, 2, 5, 3, 6}));
    QCOMPARE(reshape(a, {3, -1}).shape(), (Shape{3, 2}));
    QCOMPARE(values(broadcast_to(vec({1, 2}), {2, 2})), (std::vector<float>{1, 2, 1, 2}));
    QCOMPARE(expand_dims(a, 0).shape(), (Shape{1, 2, 3}));
    QCOMPARE(squeeze(expand_dims(a, 1), {1}).shape(), (Shape{2, 3}));
    Tensor t3 = reshape(arange(0, 24), {2, 3, 4});
    QCOMPARE(values(transpose(t3, {2, 0, 1}))[1], 4.0f);
    std::string msg = error_of([&] { reshape(a, {4, 2}); });
    QVERIFY2(msg.find("f32[2,3]") != std::string::npos, msg.c_str());
    QVERIFY(!error_of([&] { squeeze(a, {0}); }).empty());
  }
};

QTEST_APPLESS_MAIN(OpsEagerTest)
#include "ops_eager_test.moc"
