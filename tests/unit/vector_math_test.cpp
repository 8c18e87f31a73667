// The branch-free float32 exp/log/expm1/log1p/tanh/logistic of engine/ops/vector_math.h against
// double-precision libm: error in ulps of the float32 result over a sweep of every 1021st bit
// pattern (all signs, exponents and subnormals), plus the IEEE edge cases one by one.
#include <QtTest>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "engine/ops/scalar_math.h"
#include "engine/ops/vector_math.h"

using namespace engine;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// |got - want| in ulps of want rounded to float (subnormal ulp 2^-149). Infinite or NaN wants
// must be matched exactly (NaN by NaN).
double ulp_error(float got, double want) {
  if (std::isnan(want)) return std::isnan(got) ? 0 : INFINITY;
  const float wf = static_cast<float>(want);
  if (std::isinf(wf)) {
    // Results within an ulp of FLT_MAX may round either way.
    if (got == wf) return 0;
    if (std::isinf(want)) return INFINITY;
    return std::fabs(got - want) / std::ldexp(1.0, 104);
  }
  if (std::isnan(got) || std::isinf(got)) return INFINITY;
  const float a = std::fabs(wf);
  const double ulp = a < std::numeric_limits<float>::min()
                         ? std::ldexp(1.0, -149)
                         : static_cast<double>(std::nextafter(a, kInf) - a);
  return std::fabs(static_cast<double>(got) - want) / ulp;
}

struct Worst {
  double ulps = 0;
  float at = 0;
};

template <class F, class R>
Worst sweep(F f, R ref, float lo = -kInf, float hi = kInf) {
  Worst w;
  for (uint64_t b = 0; b < (uint64_t{1} << 32); b += 1021) {
    const float x = std::bit_cast<float>(static_cast<uint32_t>(b));
    if (std::isnan(x) || x < lo || x > hi) continue;
    const double e = ulp_error(f(x), ref(static_cast<double>(x)));
    if (e > w.ulps) w = {e, x};
  }
  return w;
}

#define CHECK_WORST(worst, limit)                                                                \
  QVERIFY2((worst).ulps <= (limit),                                                              \
           qPrintable(QString("%1 ulp at %2").arg((worst).ulps).arg(double((worst).at), 0, 'g', 9)))

double logistic_ref(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

class VectorMathTest : public QObject {
  Q_OBJECT
 private slots:
  void expWithinTwoUlp() {
    CHECK_WORST(sweep([](float x) { return vmath::exp(x); }, [](double x) { return std::exp(x); }), 2.0);
    QCOMPARE(vmath::exp(0.0f), 1.0f);
    QCOMPARE(vmath::exp(kInf), kInf);
    QCOMPARE(vmath::exp(-kInf), 0.0f);
    QCOMPARE(vmath::exp(89.0f), kInf);
    QCOMPARE(vmath::exp(-104.0f), 0.0f);
    QVERIFY(vmath::exp(-100.0f) > 0.0f);  // subnormal, not flushed
    QVERIFY(std::isnan(vmath::exp(NAN)));
  }

  void logWithinTwoUlp() {
    CHECK_WORST(sweep([](float x) { return vmath::log(x); }, [](double x) { return std::log(x); }, 0.0f), 2.0);
    QCOMPARE(vmath::log(1.0f), 0.0f);
    QCOMPARE(vmath::log(0.0f), -kInf);
    QCOMPARE(vmath::log(-0.0f), -kInf);
    QCOMPARE(vmath::log(kInf), kInf);
    QVERIFY(std::isnan(vmath::log(-1.0f)));
    QVERIFY(std::isnan(vmath::log(-kInf)));
    QVERIFY(std::isnan(vmath::log(NAN)));
    QVERIFY(std::fabs(vmath::log(1e-45f) - std::log(double(1e-45f))) < 1e-5);  // subnormal argument
  }

  void expm1AndLog1pWithinFourUlp() {
    CHECK_WORST(sweep([](float x) { return vmath::expm1(x); }, [](double x) { return std::expm1(x); }), 4.0);
    CHECK_WORST(sweep([](float x) { return vmath::log1p(x); }, [](double x) { return std::log1p(x); }, -1.0f), 4.0);
    QCOMPARE(vmath::expm1(1e-30f), 1e-30f);
    QCOMPARE(vmath::expm1(-kInf), -1.0f);
    QCOMPARE(vmath::expm1(kInf), kInf);
    QVERIFY(std::isnan(vmath::expm1(NAN)));
    QCOMPARE(vmath::log1p(1e-30f), 1e-30f);
    QCOMPARE(vmath::log1p(-1.0f), -kInf);
    QCOMPARE(vmath::log1p(kInf), kInf);
    QVERIFY(std::isnan(vmath::log1p(-2.0f)));
    QVERIFY(std::isnan(vmath::log1p(NAN)));
  }

  void tanhAndLogisticWithinFourUlp() {
    CHECK_WORST(sweep([](float x) { return vmath::tanh(x); }, [](double x) { return std::tanh(x); }), 4.0);
    QCOMPARE(vmath::tanh(kInf), 1.0f);
    QCOMPARE(vmath::tanh(-kInf), -1.0f);
    QVERIFY(std::isnan(vmath::tanh(NAN)));
    // Tiny (subnormal) results for x < -87 are exp's too, not a flush to zero.
    CHECK_WORST(sweep([](float x) { return vmath::logistic(x); }, logistic_ref), 4.0);
    QCOMPARE(vmath::logistic(kInf), 1.0f);
    QCOMPARE(vmath::logistic(-kInf), 0.0f);
    QCOMPARE(vmath::logistic(0.0f), 0.5f);
    QVERIFY(std::isnan(vmath::logistic(NAN)));
  }

  void referenceKernelsUseTheseFunctions() {
    // float goes through vector_math, double through libm (what the reference kernels call).
    for (float x : {-3.5f, -0.25f, 0.0f, 1e-3f, 0.7f, 12.0f}) {
      QCOMPARE(exp_of(x), vmath::exp(x));
      QCOMPARE(tanh_of(x), vmath::tanh(x));
      QCOMPARE(logistic_of(x), vmath::logistic(x));
      QCOMPARE(expm1_of(x), vmath::expm1(x));
      QCOMPARE(exp_of(static_cast<double>(x)), std::exp(static_cast<double>(x)));
    }
  }
};

QTEST_APPLESS_MAIN(VectorMathTest)
#include "vector_math_test.moc"
