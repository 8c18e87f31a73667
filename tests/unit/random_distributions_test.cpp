// jax.random's distributions and both PRNG modes, against numbers JAX itself prints. Every
// expected value is quoted from the source named beside it; distributions or modes for which no
// JAX source publishes numbers are checked statistically (moments within a tolerance from the
// sample size), and say so.
//
// Sources:
// - "testRandomDistributionValues": jax-ml/jax tests/random_test.py, _RANDOM_VALUES_CASES, the
//   threefry2x32 rows (classic mode: the test is skipped under jax_threefry_partitionable). The
//   seed of each row is zlib.adler32((name + "threefry2x32").encode()); the values have six
//   decimals and JAX compares them with assertAllClose (float32: atol = rtol = 1e-6) unless the
//   row sets its own rtol.
// - "testRngRandomBits": the same file, PRNGKey(1701) (classic mode).
// - "jax.random module page": docs.jax.dev/en/latest/jax.random.html, printed by JAX >= 0.5,
//   whose default is jax_threefry_partitionable = True.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "engine/nn/rng.h"
#include "engine/random/random.h"
#include "engine/train/run_config.h"
#include "engine/transforms/jit.h"

using namespace engine;
namespace rnd = engine::random;
using rnd::PrngMode;

namespace {

Array key_of(uint32_t k0, uint32_t k1) { return Array::from_vector<uint32_t>({k0, k1}); }
Array row(const Array& keys, int64_t i) {
  const uint32_t* k = keys.data<uint32_t>();
  return key_of(k[2 * i], k[2 * i + 1]);
}

void expect_close(const Array& got, const std::vector<double>& want, const char* what,
                  double rtol = 1e-6, double atol = 1e-6) {
  QCOMPARE(got.size(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    const double g = got.at_flat(static_cast<int64_t>(i));
    if (!(std::fabs(g - want[i]) <= atol + rtol * std::fabs(want[i])))
      QFAIL(qPrintable(QString("%1[%2]: got %3, JAX expects %4")
                           .arg(what).arg(i).arg(g, 0, 'g', 9).arg(want[i], 0, 'g', 9)));
  }
}

template <class T>
void expect_equal(const Array& got, const std::vector<T>& want) {
  QCOMPARE(got.to_vector<T>(), want);
}

struct Moments {
  double mean = 0, var = 0;
};
Moments moments(const Array& a) {
  Moments m;
  const int64_t n = a.size();
  for (int64_t i = 0; i < n; ++i) m.mean += a.at_flat(i);
  m.mean /= n;
  for (int64_t i = 0; i < n; ++i) m.var += (a.at_flat(i) - m.mean) * (a.at_flat(i) - m.mean);
  m.var /= n - 1;
  return m;
}

// The sample mean of n draws is within 5 standard errors of the true mean, and the sample
// variance within 5 of its own standard errors (sd of s^2 ~ sigma^2 sqrt(2/n) for light tails;
// kurtosis_factor widens it for heavier ones).
void expect_moments(const Array& a, double mean, double var, const char* what,
                    double kurtosis_factor = 1.0) {
  const Moments m = moments(a);
  const double n = static_cast<double>(a.size());
  const double se_mean = std::sqrt(var / n);
  const double se_var = var * std::sqrt(2.0 / n) * kurtosis_factor;
  if (std::fabs(m.mean - mean) > 5 * se_mean)
    QFAIL(qPrintable(QString("%1: mean %2, expected %3 +- %4").arg(what).arg(m.mean).arg(mean).arg(5 * se_mean)));
  if (std::fabs(m.var - var) > 5 * se_var)
    QFAIL(qPrintable(QString("%1: variance %2, expected %3 +- %4").arg(what).arg(m.var).arg(var).arg(5 * se_var)));
}

// Seeds of testRandomDistributionValues: zlib.adler32((name + "threefry2x32").encode()).
constexpr int64_t kSeedBits = 942802475, kSeedBeta = 923534869, kSeedCauchy = 1175914230,
                  kSeedDirichlet = 1590822961, kSeedDoubleSidedMaxwell = 3634826421,
                  kSeedExponential = 1942292768, kSeedGamma = 1038747260,
                  kSeedLaplace = 1291781963, kSeedLoggamma = 1440221118,
                  kSeedLogistic = 1466238935, kSeedMaxwell = 1331627891,
                  kSeedMultivariateNormal = 3497659512, kSeedPareto = 1192560388,
                  kSeedPoisson = 1349191556, kSeedRademacher = 1719994501,
                  kSeedRandint = 1319372649, kSeedWeibullMin = 1921059088;

}  // namespace

class RandomDistributionsTest : public QObject {
  Q_OBJECT
 private slots:
  void init() { rnd::set_prng_mode(PrngMode::classic); }
  void cleanup() { rnd::set_prng_mode(PrngMode::classic); }

  void modeSettingAndGuard() {
    QCOMPARE(rnd::prng_mode(), PrngMode::classic);
    {
      rnd::ScopedPrngMode guard(PrngMode::partitionable);
      QCOMPARE(rnd::prng_mode(), PrngMode::partitionable);
      {
        rnd::ScopedPrngMode inner(PrngMode::classic);
        QCOMPARE(rnd::prng_mode(), PrngMode::classic);
      }
      QCOMPARE(rnd::prng_mode(), PrngMode::partitionable);
    }
    QCOMPARE(rnd::prng_mode(), PrngMode::classic);
    QCOMPARE(rnd::parse_prng_mode("partitionable"), PrngMode::partitionable);
    QCOMPARE(rnd::prng_mode_name(PrngMode::classic), std::string_view("classic"));
    try {
      rnd::parse_prng_mode("fast", "--prng");
      QFAIL("accepted an unknown mode");
    } catch (const Error& e) {
      QVERIFY(QString(e.what()).contains("--prng"));
    }
  }

  // The jax.random module page (JAX >= 0.5, partitionable by default): random.uniform(key(0))
  // and random.uniform of the subkey of random.split(key(0)).
  void partitionableUniformFromDocs() {
    rnd::ScopedPrngMode guard(PrngMode::partitionable);
    const Array key = rnd::PRNGKey(0);
    expect_close(rnd::uniform(key, {}), {0.947667}, "uniform(key(0))");
    const Array subkey = row(rnd::split(key), 1);
    expect_close(rnd::uniform(subkey, {}), {0.00729382}, "uniform(split(key(0))[1])", 1e-6, 1e-8);
  }

  // Partitionable keys and bits are defined per element: split(key, n)[i] is the block at
  // counter (0, i), so the first keys do not depend on n; 32-bit draws are the xor of the two
  // block words and element i does not depend on the shape. fold_in is the same in both modes.
  void partitionableLayout() {
    const Array key = rnd::PRNGKey(1701);
    const Array folded = rnd::fold_in(key, 7);
    rnd::ScopedPrngMode guard(PrngMode::partitionable);
    QCOMPARE(rnd::fold_in(key, 7).to_vector<uint32_t>(), folded.to_vector<uint32_t>());
    const std::vector<uint32_t> s2 = rnd::split(key, 2).to_vector<uint32_t>();
    const std::vector<uint32_t> s5 = rnd::split(key, 5).to_vector<uint32_t>();
    QCOMPARE(std::vector<uint32_t>(s5.begin(), s5.begin() + 4), s2);
    const std::vector<uint32_t> b3 = rnd::bits(key, {3}).to_vector<uint32_t>();
    const std::vector<uint32_t> b23 = rnd::bits(key, {2, 3}).to_vector<uint32_t>();
    QCOMPARE(std::vector<uint32_t>(b23.begin(), b23.begin() + 3), b3);
    const std::vector<uint64_t> b64 = rnd::bits_u64(key, {3});
    for (int i = 0; i < 3; ++i) QCOMPARE(static_cast<uint32_t>(b64[i] >> 32) ^ static_cast<uint32_t>(b64[i]), b3[i]);
    const std::vector<uint32_t> b8 = rnd::bits(key, {3}, 8).to_vector<uint32_t>();
    for (int i = 0; i < 3; ++i) QCOMPARE(b8[i], b3[i] & 0xFFu);
    // The classic stream differs (testRngRandomBits' classic values).
    QVERIFY(b3 != (std::vector<uint32_t>{56197195u, 4200222568u, 961309823u}));
  }

  void bitsAllWidthsClassic() {
    // testRngRandomBits: PRNGKey(1701), widths 8, 16, 32 and 64 (x64).
    const Array key = rnd::PRNGKey(1701);
    expect_equal<uint32_t>(rnd::bits(key, {3}, 8), {216, 115, 43});
    expect_equal<uint32_t>(rnd::bits(key, {3}, 16), {41682, 1300, 55017});
    expect_equal<uint32_t>(rnd::bits(key, {3}, 32), {56197195u, 4200222568u, 961309823u});
    QCOMPARE(rnd::bits_u64(key, {3}), (std::vector<uint64_t>{3982329540505020460ull,
                                                            16822122385914693683ull,
                                                            7882654074788531506ull}));
    // testRandomDistributionValues, "bits" uint8 / uint16 / uint64.
    const Array kb = rnd::PRNGKey(kSeedBits);
    expect_equal<uint32_t>(rnd::bits(kb, {5}, 8), {10, 158, 82, 54, 158});
    expect_equal<uint32_t>(rnd::bits(kb, {5}, 16), {6738, 38161, 50695, 57337, 61600});
    QCOMPARE(rnd::bits_u64(kb, {5}),
             (std::vector<uint64_t>{17649965731882839947ull, 1415307058040849897ull,
                                    8282622628079774249ull, 14024425113645909402ull,
                                    2012979996110532418ull}));
    QVERIFY_THROWS_EXCEPTION(Error, rnd::bits(kb, {5}, 12));
  }

  // testRandomDistributionValues rows, classic mode.
  void continuousKnownValues() {
    expect_close(rnd::exponential(rnd::PRNGKey(kSeedExponential), {5}),
                 {0.526067, 0.043046, 0.039932, 0.46427, 0.123886}, "exponential");
    expect_close(rnd::laplace(rnd::PRNGKey(kSeedLaplace), {5}),
                 {0.578939, -0.204902, 0.555733, 0.911053, -0.96456}, "laplace");
    expect_close(rnd::logistic(rnd::PRNGKey(kSeedLogistic), {5}),
                 {0.19611, -1.709053, -0.274093, -0.208322, -1.675489}, "logistic");
    expect_close(rnd::cauchy(rnd::PRNGKey(kSeedCauchy), {5}),
                 {-0.088416, -10.169713, 3.49677, -1.18056, 0.34556}, "cauchy", 1e-5);
    expect_close(rnd::pareto(rnd::PRNGKey(kSeedPareto), 0.5, {5}),
                 {2.751398, 1.281863, 87.85448, 1.254542, 2.824487}, "pareto");
    expect_close(rnd::weibull_min(rnd::PRNGKey(kSeedWeibullMin), 1, 1, {5}),
                 {1.605863, 0.841809, 0.224218, 0.4826, 0.027901}, "weibull_min");
    expect_close(rnd::maxwell(rnd::PRNGKey(kSeedMaxwell), {5}),
                 {3.070779, 0.908479, 1.521317, 0.875551, 1.306137}, "maxwell");
    expect_close(rnd::double_sided_maxwell(rnd::PRNGKey(kSeedDoubleSidedMaxwell), 1, 2, {5}),
                 {-2.408914, -3.370437, 3.235352, -0.907734, -1.708732}, "double_sided_maxwell");
  }

  void gammaFamilyKnownValues() {
    expect_close(rnd::gamma(rnd::PRNGKey(kSeedGamma), 0.8, {5}),
                 {0.824221, 1.724476, 0.502882, 5.386132, 0.685543}, "gamma");
    expect_close(rnd::loggamma(rnd::PRNGKey(kSeedLoggamma), 0.8, {5}),
                 {0.240559, -3.575443, -0.450946, -2.161372, -2.943277}, "loggamma");
    expect_close(rnd::beta(rnd::PRNGKey(kSeedBeta), 0.8, 0.9, {5}),
                 {0.13259, 0.824893, 0.948363, 0.964155, 0.235448}, "beta");
    const Array alpha = Array::from_vector<float>({0.5f, 0.6f, 0.7f});
    Array d = rnd::dirichlet(rnd::PRNGKey(kSeedDirichlet), alpha, {2});
    QCOMPARE(d.shape(), (Shape{2, 3}));
    expect_close(d, {0.003128, 0.009694, 0.987178, 0.025938, 0.479091, 0.494971}, "dirichlet");
  }

  void discreteKnownValues() {
    expect_equal<int32_t>(rnd::randint(rnd::PRNGKey(kSeedRandint), {5}, 0, 10), {0, 5, 7, 7, 5});
    expect_equal<int32_t>(rnd::rademacher(rnd::PRNGKey(kSeedRademacher), {5}), {-1, -1, -1, -1, 1});
    expect_equal<int32_t>(rnd::poisson(rnd::PRNGKey(kSeedPoisson), 5, {5}), {7, 3, 6, 11, 6});
  }

  void multivariateKnownValues() {
    // mean = ones((1, 3)), cov = eye(3), shape (2,).
    const Array mean = Array::from_vector<float>({1, 1, 1});
    const Array cov = Array::from_vector<float>({1, 0, 0, 0, 1, 0, 0, 0, 1}, {3, 3});
    Array m = rnd::multivariate_normal(rnd::PRNGKey(kSeedMultivariateNormal), mean, cov, {2});
    QCOMPARE(m.shape(), (Shape{2, 3}));
    expect_close(m, {1.067826, 1.215599, 0.234166, -0.237534, 1.32591, 1.413987},
                 "multivariate_normal");
  }
  // Moments of every sampler in both modes. In partitionable mode JAX publishes no numbers for
  // any distribution but uniform, and in classic mode none for t, poisson with lam >= 10
  // (rejection), choice, categorical or orthogonal: these are checked statistically only.
  void momentsInBothModes_data() {
    QTest::addColumn<int>("mode");
    QTest::newRow("classic") << static_cast<int>(PrngMode::classic);
    QTest::newRow("partitionable") << static_cast<int>(PrngMode::partitionable);
  }
  void momentsInBothModes() {
    QFETCH(int, mode);
    rnd::ScopedPrngMode guard(static_cast<PrngMode>(mode));
    const int64_t n = 20000;
    const Array key = rnd::PRNGKey(mode == 0 ? 11 : 12);
    const double pi = 3.14159265358979323846, euler = 0.5772156649015329;
    expect_moments(rnd::uniform(key, {n}), 0.5, 1.0 / 12, "uniform");
    expect_moments(rnd::uniform(key, {n}, 0, 1, DType::f64), 0.5, 1.0 / 12, "uniform f64");
    expect_moments(rnd::normal(key, {n}), 0, 1, "normal");
    expect_moments(rnd::normal(key, {n}, DType::f64), 0, 1, "normal f64");
    expect_moments(rnd::exponential(key, {n}), 1, 1, "exponential", 2);
    expect_moments(rnd::exponential(key, {n}, DType::f64), 1, 1, "exponential f64", 2);
    expect_moments(rnd::laplace(key, {n}), 0, 2, "laplace", 2);
    expect_moments(rnd::logistic(key, {n}), 0, pi * pi / 3, "logistic", 1.5);
    expect_moments(rnd::gumbel(key, {n}), euler, pi * pi / 6, "gumbel", 2);
    expect_moments(rnd::gamma(key, 2.5, {n}), 2.5, 2.5, "gamma(2.5)", 2);
    expect_moments(rnd::gamma(key, 0.5, {n}, DType::f64), 0.5, 0.5, "gamma(0.5) f64", 3);
    // digamma(2.5) and trigamma(2.5) by the recurrences from 0.5.
    expect_moments(rnd::loggamma(key, 2.5, {n}), -1.9635100260214235 + 2 + 2.0 / 3,
                   pi * pi / 2 - 4 - 4.0 / 9, "loggamma(2.5)", 1.5);
    expect_moments(rnd::beta(key, 2, 3, {n}), 0.4, 0.04, "beta(2, 3)");
    expect_moments(rnd::t(key, 5, {n}), 0, 5.0 / 3, "t(5)", 4);
    expect_moments(rnd::maxwell(key, {n}), 2 * std::sqrt(2 / pi), (3 * pi - 8) / pi, "maxwell");
    expect_moments(rnd::double_sided_maxwell(key, 1, 2, {n}), 1, 12, "double_sided_maxwell");
    expect_moments(rnd::weibull_min(key, 1, 2, {n}), std::sqrt(pi) / 2, 1 - pi / 4, "weibull_min");
    expect_moments(rnd::pareto(key, 10, {n}), 10.0 / 9, 10.0 / (81 * 8), "pareto(10)", 4);
    expect_moments(rnd::bernoulli(key, 0.3, {n}), 0.3, 0.21, "bernoulli(0.3)");
    expect_moments(rnd::rademacher(key, {n}), 0, 1, "rademacher");
    expect_moments(rnd::randint(key, {n}, -3, 7), 1.5, 99.0 / 12, "randint(-3, 7)");
    expect_moments(rnd::poisson(key, 5, {n}), 5, 5, "poisson(5)", 1.5);
    expect_moments(rnd::poisson(key, 30, {n}), 30, 30, "poisson(30)", 1.5);
    // Truncated to (-1, 2): moments from the normal density and CDF.
    const double phi_a = std::exp(-0.5) / std::sqrt(2 * pi), phi_b = std::exp(-2.0) / std::sqrt(2 * pi);
    const double z = 0.5 * (std::erf(2 / std::sqrt(2.0)) - std::erf(-1 / std::sqrt(2.0)));
    const double tn_mean = (phi_a - phi_b) / z;
    const double tn_var = 1 + (-1 * phi_a - 2 * phi_b) / z - tn_mean * tn_mean;
    expect_moments(rnd::truncated_normal(key, -1, 2, {n}), tn_mean, tn_var, "truncated_normal");
    // Cauchy has no moments: half its mass lies in (-1, 1).
    const Array c = rnd::cauchy(key, {n});
    int inside = 0;
    for (float v : c.span<float>()) inside += std::fabs(v) < 1;
    QVERIFY(std::fabs(inside / double(n) - 0.5) < 5 * std::sqrt(0.25 / n));
    // Dirichlet(1, 2, 3): component 0 is Beta(1, 5).
    const Array d = rnd::dirichlet(key, Array::from_vector<float>({1, 2, 3}), {n});
    std::vector<float> first(n);
    for (int64_t i = 0; i < n; ++i) {
      first[i] = d.data<float>()[3 * i];
      const float sum = d.data<float>()[3 * i] + d.data<float>()[3 * i + 1] + d.data<float>()[3 * i + 2];
      QVERIFY(std::fabs(sum - 1) < 1e-5f);
    }
    expect_moments(Array::from_vector<float>(first), 1.0 / 6, 5.0 / (36 * 7), "dirichlet[0]");
    // Multivariate normal: the sample mean and covariance.
    const Array mean = Array::from_vector<float>({1, -1});
    const Array cov = Array::from_vector<float>({2, 0.5f, 0.5f, 1}, {2, 2});
    const Array m = rnd::multivariate_normal(key, mean, cov, {n});
    double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
    for (int64_t i = 0; i < n; ++i) mx += m.data<float>()[2 * i], my += m.data<float>()[2 * i + 1];
    mx /= n, my /= n;
    for (int64_t i = 0; i < n; ++i) {
      const double x = m.data<float>()[2 * i] - mx, y = m.data<float>()[2 * i + 1] - my;
      sxx += x * x, syy += y * y, sxy += x * y;
    }
    QVERIFY(std::fabs(mx - 1) < 5 * std::sqrt(2.0 / n) && std::fabs(my + 1) < 5 * std::sqrt(1.0 / n));
    QVERIFY(std::fabs(sxx / n - 2) < 5 * 2 * std::sqrt(2.0 / n));
    QVERIFY(std::fabs(syy / n - 1) < 5 * std::sqrt(2.0 / n));
    QVERIFY(std::fabs(sxy / n - 0.5) < 5 * std::sqrt((2 * 1 + 0.25) / n));
  }

  void choiceAndCategoricalInBothModes_data() { momentsInBothModes_data(); }
  void choiceAndCategoricalInBothModes() {
    QFETCH(int, mode);
    rnd::ScopedPrngMode guard(static_cast<PrngMode>(mode));
    const Array key = rnd::PRNGKey(21);
    const int64_t n = 20000;
    // With replacement and no p: randint(key, shape, 0, a), exactly.
    QCOMPARE(rnd::choice(key, 7, {50}).to_vector<int32_t>(), rnd::randint(key, {50}, 0, 7).to_vector<int32_t>());
    // Without replacement and no p: a prefix of permutation(key, a), exactly.
    const std::vector<int32_t> perm = rnd::permutation(key, 9).to_vector<int32_t>();
    QCOMPARE(rnd::choice(key, 9, {2, 2}, false).to_vector<int32_t>(),
             std::vector<int32_t>(perm.begin(), perm.begin() + 4));
    std::vector<int32_t> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    for (int i = 0; i < 9; ++i) QCOMPARE(sorted[i], i);
    // Weighted, with replacement: frequencies follow p.
    const std::vector<double> p = {0.1, 0.2, 0.0, 0.7};
    const Array w = rnd::choice(key, 4, {n}, true, p);
    int counts[4] = {0, 0, 0, 0};
    for (int32_t v : w.span<int32_t>()) counts[v]++;
    for (int j = 0; j < 4; ++j) QVERIFY(std::fabs(counts[j] / double(n) - p[j]) < 5 * std::sqrt(0.25 / n));
    QCOMPARE(counts[2], 0);
    // Weighted, without replacement: distinct indices, never a zero-weight one; the first pick
    // follows p.
    int first[4] = {0, 0, 0, 0};
    for (int r = 0; r < 2000; ++r) {
      const std::vector<int32_t> pick = rnd::choice(rnd::fold_in(key, r), 4, {3}, false, p).to_vector<int32_t>();
      QVERIFY(pick[0] != pick[1] && pick[1] != pick[2] && pick[0] != pick[2]);
      for (int32_t v : pick) QVERIFY(v != 2);
      first[pick[0]]++;
    }
    for (int j = 0; j < 4; ++j) QVERIFY(std::fabs(first[j] / 2000.0 - p[j]) < 5 * std::sqrt(0.25 / 2000));
    QVERIFY_THROWS_EXCEPTION(Error, rnd::choice(key, 4, {4}, false, p));
    QVERIFY_THROWS_EXCEPTION(Error, rnd::choice(key, 3, {4}, false));
    // categorical with a shape prefix: the logits broadcast over it.
    std::vector<float> logits;
    for (double q : {0.25, 0.25, 0.5}) logits.push_back(static_cast<float>(std::log(q)));
    const Array c = rnd::categorical(key, Array::from_vector<float>(logits), -1, {n});
    QCOMPARE(c.shape(), (Shape{n}));
    int cc[3] = {0, 0, 0};
    for (int32_t v : c.span<int32_t>()) cc[v]++;
    QVERIFY(std::fabs(cc[2] / double(n) - 0.5) < 5 * std::sqrt(0.25 / n));
    // The shape must end with the batch shape, here (2,).
    const Array two_rows = Array::from_vector<float>({0, 0, 0, 0, 0, 0}, {2, 3});
    QCOMPARE(rnd::categorical(key, two_rows, -1, {5, 2}).shape(), (Shape{5, 2}));
    QVERIFY_THROWS_EXCEPTION(Error, rnd::categorical(key, two_rows, -1, {5}));
  }

  void orthogonalInBothModes_data() { momentsInBothModes_data(); }
  void orthogonalInBothModes() {
    QFETCH(int, mode);
    rnd::ScopedPrngMode guard(static_cast<PrngMode>(mode));
    const Array q = rnd::orthogonal(rnd::PRNGKey(5), 4, {500});
    QCOMPARE(q.shape(), (Shape{500, 4, 4}));
    const float* v = q.data<float>();
    double sum00 = 0, sq00 = 0;
    for (int b = 0; b < 500; ++b) {
      const float* m = v + 16 * b;
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
          double dot = 0;
          for (int k = 0; k < 4; ++k) dot += double(m[k * 4 + i]) * m[k * 4 + j];
          QVERIFY(std::fabs(dot - (i == j)) < 1e-5);
        }
      sum00 += m[0], sq00 += double(m[0]) * m[0];
    }
    // Haar measure: each entry has mean 0 and variance 1/n.
    QVERIFY(std::fabs(sum00 / 500) < 5 * std::sqrt(0.25 / 500));
    QVERIFY(std::fabs(sq00 / 500 - 0.25) < 0.06);
    // The columns are the normal draw's Q, signed so that R's diagonal is positive: for n = 1
    // that is the sign of the draw itself.
    const Array one = rnd::orthogonal(rnd::PRNGKey(5), 1, {8});
    for (float x : one.span<float>()) QCOMPARE(std::fabs(x), 1.0f);
    const Array z = rnd::normal(rnd::PRNGKey(5), {8, 1, 1});
    for (int i = 0; i < 8; ++i) QCOMPARE(one.data<float>()[i], z.data<float>()[i] > 0 ? 1.0f : -1.0f);
  }

  // Partitionable permutation is JAX's _shuffle over partitionable split and bits.
  void partitionablePermutationConstruction() {
    rnd::ScopedPrngMode guard(PrngMode::partitionable);
    const Array p = rnd::permutation(rnd::PRNGKey(0), 10);
    std::vector<uint32_t> sk = rnd::bits(row(rnd::split(rnd::PRNGKey(0)), 1), {10}).to_vector<uint32_t>();
    std::vector<int32_t> expect(10);
    std::iota(expect.begin(), expect.end(), 0);
    std::stable_sort(expect.begin(), expect.end(), [&](int a, int b) { return sk[a] < sk[b]; });
    QCOMPARE(p.to_vector<int32_t>(), expect);
  }

  // Dropout's mask inside jit (nn::bernoulli on a traced key binds threefry2x32) draws the same
  // bits as the eager sampler in both modes; each mode traces its own function.
  void tracedBernoulliMatchesEager_data() { momentsInBothModes_data(); }
  void tracedBernoulliMatchesEager() {
    QFETCH(int, mode);
    rnd::ScopedPrngMode guard(static_cast<PrngMode>(mode));
    for (const Shape& shape : {Shape{7}, Shape{6, 7}, Shape{}}) {
      JitFn f = jit([shape](Tensor key) { return nn::bernoulli(key, 0.75, shape); });
      const Array key = rnd::PRNGKey(1234);
      const Array got = f(Tensor(key)).leaf().array();
      QCOMPARE(got.to_vector<bool>(), rnd::bernoulli(key, 0.75, shape).to_vector<bool>());
    }
  }

  // A run records its PRNG mode ("prng", classic unless set) and round-trips it.
  void runConfigRecordsPrng() {
    nlohmann::json j = nlohmann::json::parse(R"({"dataset": "synthetic-regression", "model":
        {"name": "lin", "input_shape": [10], "layers": [{"type": "dense", "features": 5}]}})");
    QCOMPARE(train::RunConfig::from_json(j).prng, std::string("classic"));
    j["prng"] = "partitionable";
    const train::RunConfig c = train::RunConfig::from_json(j);
    QCOMPARE(c.prng, std::string("partitionable"));
    QCOMPARE(c.to_json()["prng"].get<std::string>(), std::string("partitionable"));
    QCOMPARE(train::RunConfig::from_json(c.to_json()).prng, std::string("partitionable"));
    j["prng"] = "fast";
    try {
      train::RunConfig::from_json(j);
      QFAIL("accepted prng 'fast'");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).startsWith("prng:"), e.what());
    }
  }

  void badParametersAreRejected() {
    const Array key = rnd::PRNGKey(0);
    auto expect_error = [](auto&& f, const char* needle) {
      try {
        f();
        QFAIL(qPrintable(QString("accepted a bad parameter (%1)").arg(needle)));
      } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains(needle), e.what());
      }
    };
    expect_error([&] { rnd::gamma(key, -1, {2}); }, "gamma: a must be positive");
    expect_error([&] { rnd::beta(key, 1, 0, {2}); }, "beta: b must be positive");
    expect_error([&] { rnd::poisson(key, -2, {2}); }, "poisson: lam");
    expect_error([&] { rnd::t(key, 0, {2}); }, "t: df");
    expect_error([&] { rnd::bernoulli(key, 2, {2}); }, "bernoulli: p");
    expect_error([&] { rnd::pareto(key, 0, {2}); }, "pareto: b");
    expect_error([&] { rnd::weibull_min(key, 1, -1, {2}); }, "weibull_min: concentration");
    expect_error([&] { rnd::dirichlet(key, Array::from_vector<float>({1, 0}), {}); }, "dirichlet: alpha");
    expect_error([&] {
      rnd::multivariate_normal(key, Array::from_vector<float>({0, 0}),
                               Array::from_vector<float>({1, 2, 2, 1}, {2, 2}), {});
    }, "multivariate_normal: cov is not positive definite");
    expect_error([&] { rnd::uniform(key, {2}, 0, 1, DType::i32); }, "uniform: dtype");
  }
};

QTEST_APPLESS_MAIN(RandomDistributionsTest)
#include "random_distributions_test.moc"
