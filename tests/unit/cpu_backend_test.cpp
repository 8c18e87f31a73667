// The cpu backend against the reference backend: every accelerated primitive over a range of
// shapes and parameters (fast paths and the cases that fall back), the primitive cache, the
// process default, and a jitted training-style gradient run on both backends.
//
// Tolerance: oneDNN accumulates in float32 while the reference accumulates in double, so a sum
// of K products differs by about K * 2^-24 * sum|a*b| at worst and ~sqrt(K) * 2^-24 typically;
// errors are measured relative to the largest reference magnitude (1e-5), which holds for the
// inputs here (uniform in [-1, 1]). Elementwise results differ by a few ulps (rtol 1e-5).
#include <QtTest>

#include <bit>
#include <cmath>
#include <random>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/core/simd_dispatch.h"
#include "engine/numpy.h"
#include "engine/transforms/autodiff.h"
#include "engine/compile/executable.h"
#include "engine/transforms/jit.h"
#include "engine/transforms/make_jaxpr.h"

using namespace engine;

namespace {

Array rand_array(const Shape& shape, unsigned seed, DType dtype = DType::f32) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(shape_size(shape)));
  for (float& x : v) x = dist(gen);
  return Array::from_vector(v, shape).astype(dtype);
}

// Largest |a - b| relative to max(|b|, 1e-3 scale); both must have one shape and dtype.
double scaled_error(const Array& a, const Array& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return INFINITY;
  double scale = 1e-3, err = 0;
  for (int64_t i = 0; i < b.size(); ++i) scale = std::max(scale, std::fabs(b.at_flat(i)));
  for (int64_t i = 0; i < b.size(); ++i) {
    double x = a.at_flat(i), y = b.at_flat(i);
    if (std::isnan(x) != std::isnan(y)) return INFINITY;
    if (!std::isnan(y)) err = std::max(err, std::fabs(x - y));
  }
  return err / scale;
}

std::vector<Array> exec(PrimId prim, const std::vector<Array>& in, const Params& p = {}) {
  return cpu_backend().execute(prim, in, p);
}

// Runs prim on both backends; the largest scaled error over the outputs.
double compare(PrimId prim, const std::vector<Array>& in, const Params& p) {
  auto got = exec(prim, in, p);
  auto want = reference_backend().execute(prim, in, p);
  double err = got.size() == want.size() ? 0 : INFINITY;
  for (size_t i = 0; i < got.size() && i < want.size(); ++i)
    err = std::max(err, scaled_error(got[i], want[i]));
  return err;
}

Params dot_params(IntList lc, IntList rc, IntList lb = {}, IntList rb = {}) {
  return Params{{"dimension_numbers", IntLists{lc, rc, lb, rb}},
                {"precision", std::string("None")},
                {"preferred_element_type", std::string("None")}};
}

Params conv_params(int64_t S, IntList strides, IntLists pads, IntList lhs_dil, IntList rhs_dil,
                   int64_t groups = 1, int64_t batch_groups = 1) {
  const int64_t r = S + 2;
  IntList lhs{0, r - 1}, rhs{r - 1, r - 2};
  for (int64_t i = 1; i < r - 1; ++i) lhs.push_back(i);
  for (int64_t i = 0; i < r - 2; ++i) rhs.push_back(i);
  return Params{{"batch_group_count", batch_groups}, {"dimension_numbers", IntLists{lhs, rhs, lhs}},
                {"feature_group_count", groups},     {"lhs_dilation", lhs_dil},
                {"padding", pads},                   {"precision", std::string("None")},
                {"preferred_element_type", std::string("None")},
                {"rhs_dilation", rhs_dil},           {"window_strides", strides}};
}

Params window_params(IntList dims, IntList strides, IntLists pads, IntList base_dil = {},
                     IntList win_dil = {}) {
  if (base_dil.empty()) base_dil.assign(dims.size(), 1);
  if (win_dil.empty()) win_dil.assign(dims.size(), 1);
  return Params{{"base_dilation", base_dil}, {"padding", pads}, {"window_dilation", win_dil},
                {"window_dimensions", dims}, {"window_strides", strides}};
}

int64_t count(std::atomic<int64_t>& c) { return c.load(); }

}  // namespace

class CpuBackendTest : public QObject {
  Q_OBJECT
 private slots:
  // Our vector loops follow oneDNN's ISA cap (ctest runs this test under ONEDNN_MAX_CPU_ISA=AVX2
  // and =SSE41 too, so every version of every loop is checked against the reference here).
  void loopsFollowOneDnnIsaCap() {
    const char* cap = std::getenv("ONEDNN_MAX_CPU_ISA");
    const SimdLevel level = simd_level();
    qInfo("our loops run %s", simd_level_name(level));
    if (!cap) QSKIP("ONEDNN_MAX_CPU_ISA is not set");
    if (std::string(cap) == "AVX2") QVERIFY(level != SimdLevel::avx512);
    if (std::string(cap) == "SSE41") QCOMPARE(level, SimdLevel::x86_64);
  }

  void default_backend_is_cpu() {
    if (const char* b = std::getenv("GS_BACKEND"); b && std::string(b) == "reference")
      QSKIP("GS_BACKEND=reference keeps the reference backend");
    QCOMPARE(QString::fromStdString(default_backend().name()), QString("cpu"));
    QCOMPARE(find_backend("cpu"), static_cast<Backend*>(&cpu_backend()));
  }

  void dot_general_matches_reference_data() {
    QTest::addColumn<int>("case_id");
    QTest::addColumn<bool>("on_onednn");
    QTest::newRow("matmul") << 0 << true;
    QTest::newRow("lhs transposed (x^T g)") << 1 << true;
    QTest::newRow("rhs transposed (g w^T)") << 2 << true;
    QTest::newRow("batched") << 3 << true;
    QTest::newRow("batch axis in the middle") << 4 << true;
    QTest::newRow("two contracting axes") << 5 << true;
    QTest::newRow("vector dot") << 6 << true;
    QTest::newRow("contracting axes out of order: fallback") << 7 << false;
    QTest::newRow("f64: fallback") << 8 << false;
    QTest::newRow("mlp 32x784x512") << 9 << true;
    QTest::newRow("one row (M = 1)") << 10 << true;
    QTest::newRow("one column (N = 1)") << 11 << true;
    QTest::newRow("outer product (K = 1)") << 12 << true;
    QTest::newRow("both transposed (x^T w^T)") << 13 << true;
    QTest::newRow("vector times matrix") << 14 << true;
  }
  void dot_general_matches_reference() {
    QFETCH(int, case_id);
    QFETCH(bool, on_onednn);
    struct Case {
      Shape l, r;
      Params p;
      DType dtype = DType::f32;
    };
    const Case cases[] = {
        {{7, 13}, {13, 5}, dot_params({1}, {0})},
        {{13, 7}, {13, 5}, dot_params({0}, {0})},
        {{7, 13}, {5, 13}, dot_params({1}, {1})},
        {{3, 7, 13}, {3, 13, 5}, dot_params({2}, {1}, {0}, {0})},
        {{7, 3, 13}, {3, 13, 5}, dot_params({2}, {1}, {1}, {0})},
        {{4, 3, 5}, {3, 5, 6}, dot_params({1, 2}, {0, 1})},
        {{17}, {17}, dot_params({0}, {0})},
        {{4, 3, 5}, {5, 3, 6}, dot_params({2, 1}, {0, 1})},
        {{7, 13}, {13, 5}, dot_params({1}, {0}), DType::f64},
        {{32, 784}, {784, 512}, dot_params({1}, {0})},
        {{1, 13}, {13, 5}, dot_params({1}, {0})},
        {{7, 13}, {13, 1}, dot_params({1}, {0})},
        {{7, 1}, {1, 5}, dot_params({1}, {0})},
        {{13, 7}, {5, 13}, dot_params({0}, {1})},
        {{13}, {13, 5}, dot_params({0}, {0})},
    };
    const Case& c = cases[case_id];
    CpuCounters& k = cpu_backend().counters();
    const int64_t mm = count(k.matmul), ref = count(k.reference), sgemm = count(k.sgemm);
    double err = compare(PrimId::dot_general,
                         {rand_array(c.l, 1, c.dtype), rand_array(c.r, 2, c.dtype)}, c.p);
    QVERIFY2(err < 1e-5, qPrintable(QString::number(err)));
    QCOMPARE(count(k.matmul) - mm, on_onednn ? 1 : 0);
    QCOMPARE(count(k.reference) - ref, on_onednn ? 0 : 1);
    // Products without batch axes run as sgemm, batched ones as the matmul primitive.
    const bool batched = !c.p.get<IntLists>("dimension_numbers")[2].empty();
    QCOMPARE(count(k.sgemm) - sgemm, on_onednn && !batched ? 1 : 0);
  }

  void conv_matches_reference_data() {
    QTest::addColumn<int>("case_id");
    QTest::addColumn<QString>("path");  // fwd, bwd_weights, reference
    QTest::newRow("3x3 SAME") << 0 << "fwd";
    QTest::newRow("stride 2, asymmetric pad") << 1 << "fwd";
    QTest::newRow("rhs_dilation 2") << 2 << "fwd";
    QTest::newRow("feature groups 2") << 3 << "fwd";
    QTest::newRow("1-D") << 4 << "fwd";
    QTest::newRow("weight-grad form (C,H,W,N)*(H,W,N,O)") << 5 << "bwd_weights";
    QTest::newRow("weight-grad form of a strided conv") << 6 << "bwd_weights";
    QTest::newRow("lhs_dilation 2") << 7 << "bwd_data";
    QTest::newRow("batch_group_count 2: reference") << 8 << "reference";
    QTest::newRow("negative padding: reference") << 9 << "reference";
    QTest::newRow("cnn conv1 100x28x28x1->32") << 10 << "fwd";
    QTest::newRow("input grad of a stride-2 SAME conv") << 11 << "bwd_data";
    QTest::newRow("lhs_dilation 2, groups 2: reference") << 12 << "reference";
    QTest::newRow("lhs_dilation 2, window stride 2: reference") << 13 << "reference";
    QTest::newRow("weight-grad form, 32->16 channels (blocked layouts)") << 14 << "bwd_weights";
    QTest::newRow("weight-grad form of a strided conv, 32->16 channels") << 15 << "bwd_weights";
  }
  void conv_matches_reference() {
    QFETCH(int, case_id);
    QFETCH(QString, path);
    struct Case {
      Shape x, w;
      Params p;
    };
    const Case cases[] = {
        {{2, 8, 8, 3}, {3, 3, 3, 4}, conv_params(2, {1, 1}, {{1, 1}, {1, 1}}, {1, 1}, {1, 1})},
        {{2, 9, 8, 3}, {3, 3, 3, 4}, conv_params(2, {2, 2}, {{0, 1}, {1, 0}}, {1, 1}, {1, 1})},
        {{2, 9, 9, 3}, {3, 3, 3, 4}, conv_params(2, {1, 1}, {{2, 2}, {2, 2}}, {1, 1}, {2, 2})},
        {{2, 6, 6, 4}, {3, 3, 2, 6}, conv_params(2, {1, 1}, {{1, 1}, {1, 1}}, {1, 1}, {1, 1}, 2)},
        {{3, 10, 2}, {3, 2, 5}, conv_params(1, {1}, {{1, 1}}, {1}, {1})},
        // What conv's transpose rule emits for the kernel of a stride-1 SAME 3x3 conv of
        // (5,8,8,3)->4: input (C=3, 8, 8, N=5), cotangent (8, 8, 5, 4), output (3, 3, 3, 4).
        {{3, 8, 8, 5}, {8, 8, 5, 4}, conv_params(2, {1, 1}, {{1, 1}, {1, 1}}, {1, 1}, {1, 1})},
        // ... and for a stride-2 VALID 3x3 conv of (5,9,9,3): rhs_dilation = 2.
        {{3, 9, 9, 5}, {4, 4, 5, 4}, conv_params(2, {1, 1}, {{0, 0}, {0, 0}}, {1, 1}, {2, 2})},
        {{2, 5, 5, 3}, {3, 3, 3, 4}, conv_params(2, {1, 1}, {{2, 2}, {2, 2}}, {2, 2}, {1, 1})},
        {{4, 6, 6, 3}, {3, 3, 3, 4}, conv_params(2, {1, 1}, {{1, 1}, {1, 1}}, {1, 1}, {1, 1}, 1, 2)},
        {{2, 8, 8, 3}, {3, 3, 3, 4}, conv_params(2, {1, 1}, {{-1, 1}, {1, 1}}, {1, 1}, {1, 1})},
        {{100, 28, 28, 1}, {3, 3, 1, 32}, conv_params(2, {1, 1}, {{1, 1}, {1, 1}}, {1, 1}, {1, 1})},
        // Transpose rule for the input of a stride-2 SAME 3x3 conv (2,9,9,3)->4: cotangent
        // (2,5,5,4), reversed swapped kernel (3,3,4,3), lhs_dilation 2, padding (1,1).
        {{2, 5, 5, 4}, {3, 3, 4, 3}, conv_params(2, {1, 1}, {{1, 1}, {1, 1}}, {2, 2}, {1, 1})},
        {{2, 5, 5, 4}, {3, 3, 2, 6}, conv_params(2, {1, 1}, {{1, 1}, {1, 1}}, {2, 2}, {1, 1}, 2)},
        {{2, 5, 5, 4}, {3, 3, 4, 3}, conv_params(2, {2, 2}, {{1, 1}, {1, 1}}, {2, 2}, {1, 1})},
        // Weight gradients whose channels fill oneDNN's blocks of 8 and 16 (as the CNN's conv2):
        // without AVX-512 (the .AVX2 variant) these run on the blocked backward-weights kernel,
        // with reorders from channels-last; with AVX-512 on the channels-last one.
        {{32, 7, 7, 4}, {7, 7, 4, 16}, conv_params(2, {1, 1}, {{1, 1}, {1, 1}}, {1, 1}, {1, 1})},
        {{32, 9, 9, 4}, {4, 4, 4, 16}, conv_params(2, {1, 1}, {{0, 0}, {0, 0}}, {1, 1}, {2, 2})},
    };
    const Case& c = cases[case_id];
    CpuCounters& k = cpu_backend().counters();
    const int64_t fwd = count(k.conv_forward), bw = count(k.conv_backward_weights),
                  bd = count(k.conv_backward_data), ref = count(k.reference);
    double err =
        compare(PrimId::conv_general_dilated, {rand_array(c.x, 3), rand_array(c.w, 4)}, c.p);
    QVERIFY2(err < 1e-5, qPrintable(QString::number(err)));
    QCOMPARE(count(k.conv_forward) - fwd, path == "fwd" ? 1 : 0);
    QCOMPARE(count(k.conv_backward_weights) - bw, path == "bwd_weights" ? 1 : 0);
    QCOMPARE(count(k.conv_backward_data) - bd, path == "bwd_data" ? 1 : 0);
    QCOMPARE(count(k.reference) - ref, path == "reference" ? 1 : 0);
  }

  void pooling_matches_reference_data() {
    QTest::addColumn<int>("case_id");
    QTest::addColumn<bool>("on_onednn");
    QTest::newRow("sum 2x2/2") << 0 << true;
    QTest::newRow("max 2x2/2") << 1 << true;
    QTest::newRow("sum 3x3/1 SAME") << 2 << true;
    QTest::newRow("max 3x3/2 padded") << 3 << true;
    QTest::newRow("sum 1-D") << 4 << true;
    QTest::newRow("avg_pool 2x2/2 transpose (base_dilation 2)") << 5 << true;
    QTest::newRow("max over channels: reference") << 6 << false;
    QTest::newRow("avg_pool 3x3/2 pad 1 transpose") << 7 << true;
    QTest::newRow("base_dilation with stride 2: reference") << 8 << false;
  }
  void pooling_matches_reference() {
    QFETCH(int, case_id);
    QFETCH(bool, on_onednn);
    using P = PrimId;
    struct Case {
      P prim;
      Shape x;
      Params p;
    };
    const IntLists no_pad{{0, 0}, {0, 0}, {0, 0}, {0, 0}};
    const Case cases[] = {
        {P::reduce_window_sum, {3, 8, 8, 5}, window_params({1, 2, 2, 1}, {1, 2, 2, 1}, no_pad)},
        {P::reduce_window_max, {3, 8, 8, 5}, window_params({1, 2, 2, 1}, {1, 2, 2, 1}, no_pad)},
        {P::reduce_window_sum, {3, 7, 7, 5},
         window_params({1, 3, 3, 1}, {1, 1, 1, 1}, {{0, 0}, {1, 1}, {1, 1}, {0, 0}})},
        {P::reduce_window_max, {3, 8, 8, 5},
         window_params({1, 3, 3, 1}, {1, 2, 2, 1}, {{0, 0}, {1, 1}, {1, 1}, {0, 0}})},
        {P::reduce_window_sum, {3, 10, 4}, window_params({1, 2, 1}, {1, 2, 1}, {{0, 0}, {0, 0}, {0, 0}})},
        {P::reduce_window_sum, {3, 4, 4, 5},
         window_params({1, 2, 2, 1}, {1, 1, 1, 1}, {{0, 0}, {1, 1}, {1, 1}, {0, 0}}, {1, 2, 2, 1})},
        {P::reduce_window_max, {3, 8, 8, 6}, window_params({1, 2, 2, 2}, {1, 2, 2, 2}, no_pad)},
        // What window.cpp's transpose emits for a 3x3 stride-2 pool of (3,8,8,5), padding 1.
        {P::reduce_window_sum, {3, 4, 4, 5},
         window_params({1, 3, 3, 1}, {1, 1, 1, 1}, {{0, 0}, {1, 2}, {1, 2}, {0, 0}}, {1, 2, 2, 1})},
        {P::reduce_window_sum, {3, 4, 4, 5},
         window_params({1, 2, 2, 1}, {1, 2, 2, 1}, no_pad, {1, 2, 2, 1})},
    };
    const Case& c = cases[case_id];
    CpuCounters& k = cpu_backend().counters();
    const int64_t pool = count(k.pooling);
    double err = compare(c.prim, {rand_array(c.x, 5)}, c.p);
    QVERIFY2(err < 1e-5, qPrintable(QString::number(err)));
    QCOMPARE(count(k.pooling) - pool, on_onednn ? 1 : 0);
  }

  void elementwise_matches_reference() {
    using P = PrimId;
    const Shape s{1000, 3};
    Array a = rand_array(s, 6), b = rand_array(s, 7), pos = rand_array(s, 8);
    std::vector<float> pv = pos.to_vector<float>();
    for (float& v : pv) v = std::fabs(v) + 0.01f;
    pos = Array::from_vector(pv, s);
    Array scalar = Array::scalar(0.5);
    std::vector<float> nan_v = a.to_vector<float>();
    nan_v[5] = NAN;
    Array with_nan = Array::from_vector(nan_v, s);
    for (P p : {P::add, P::sub, P::mul, P::div, P::max, P::min}) {
      QVERIFY2(compare(p, {a, b}, {}) < 1e-5, prim_name(p).data());
      QVERIFY2(compare(p, {scalar, b}, {}) < 1e-5, prim_name(p).data());
      QVERIFY2(compare(p, {a, scalar}, {}) < 1e-5, prim_name(p).data());
    }
    for (P p : {P::eq, P::ne, P::lt, P::le, P::gt, P::ge}) {
      const int64_t loops = count(cpu_backend().counters().loops);
      QCOMPARE(compare(p, {a, b}, {}), 0.0);
      QCOMPARE(compare(p, {with_nan, scalar}, {}), 0.0);
      QCOMPARE(compare(p, {a, a}, {}), 0.0);
      QCOMPARE(count(cpu_backend().counters().loops) - loops, 3);
    }
    QVERIFY(std::isnan(exec(P::max, {with_nan, b})[0].at_flat(5)));
    QVERIFY(std::isnan(exec(P::min, {b, with_nan})[0].at_flat(5)));
    Array small = rand_array({7, 3}, 16), small_pos = Array::from_vector(
                                              std::vector<float>(21, 0.75f), {7, 3});
    // The transcendental loops run the reference kernels' own functions: equal bit for bit.
    const int64_t transcendental_loops = count(cpu_backend().counters().loops);
    for (P p : {P::neg, P::abs, P::exp, P::expm1, P::tanh, P::logistic}) {
      QVERIFY2(compare(p, {a}, {}) == 0.0, prim_name(p).data());
      QVERIFY2(compare(p, {small}, {}) == 0.0, prim_name(p).data());
    }
    for (P p : {P::log, P::log1p, P::sqrt}) {
      QVERIFY2(compare(p, {pos}, {}) == 0.0, prim_name(p).data());
      QVERIFY2(compare(p, {small_pos}, {}) == 0.0, prim_name(p).data());
    }
    QCOMPARE(count(cpu_backend().counters().loops) - transcendental_loops, 18);
    // expm1 near 0 and across the switch at |x| = 0.5, relative to each value (no cancellation).
    std::vector<float> near{1e-7f, -3e-5f, 0.01f, -0.2f, 0.4999f, 0.5f, -0.5f, -0.5001f, 3.0f, -20.f};
    Array nv = Array::from_vector(near), e = exec(P::expm1, {nv})[0];
    for (size_t i = 0; i < near.size(); ++i)
      QVERIFY2(std::fabs(e.at_flat(i) - std::expm1(double(near[i]))) <=
                   4e-7 * std::fabs(std::expm1(double(near[i]))),
               qPrintable(QString::number(near[i])));
    for (int64_t y : {2, 3, -2}) QVERIFY(compare(P::integer_pow, {pos}, Params{{"y", y}}) < 1e-5);
    std::vector<bool> pred(3000);
    for (size_t i = 0; i < pred.size(); ++i) pred[i] = i % 3 == 0;
    Array pa = Array::from_vector(pred, s);
    QCOMPARE(compare(P::select_n, {pa, a, b}, {}), 0.0);
    const int64_t loops_before = count(cpu_backend().counters().loops);
    QCOMPARE(compare(P::select_n, {pa, a, scalar}, {}), 0.0);  // selu's select_n b a 0.0
    QCOMPARE(compare(P::select_n, {Array::from_vector(std::vector<bool>{true}, {}), a, b}, {}), 0.0);
    QCOMPARE(count(cpu_backend().counters().loops) - loops_before, 2);
    Array x = rand_array({4, 5, 6}, 9);
    CpuCounters& k = cpu_backend().counters();
    const int64_t loops = count(k.loops), ref = count(k.reference);
    for (IntList axes : {IntList{0}, IntList{0, 1}, IntList{2}, IntList{1, 2}, IntList{0, 1, 2}})
      QVERIFY(compare(P::reduce_sum, {x}, Params{{"axes", axes}}) < 1e-6);
    QCOMPARE(count(k.loops) - loops, 5);
    QVERIFY(compare(P::reduce_sum, {x}, Params{{"axes", IntList{1}}}) == 0);  // middle: reference
    QCOMPARE(count(k.reference) - ref, 1);
    // Other dtypes go to the reference kernels.
    Array i = Array::from_vector(std::vector<int32_t>{1, 2, 3});
    QCOMPARE(exec(P::add, {i, i})[0].to_vector<int32_t>(),
             (std::vector<int32_t>{2, 4, 6}));
  }

  void broadcast_matches_reference() {
    struct Case {
      Shape in, out;
      IntList dims;
    };
    const std::vector<Case> cases = {{{}, {3, 4}, {}},          {{4}, {3, 4}, {1}},
                                     {{3}, {3, 4}, {0}},        {{3, 1}, {3, 4}, {0, 1}},
                                     {{2, 1, 3}, {2, 5, 3}, {0, 1, 2}}, {{5}, {2, 5, 3}, {1}},
                                     {{2, 3}, {2, 3}, {0, 1}},  {{1}, {7}, {0}}};
    for (DType dt : {DType::f32, DType::i32, DType::boolean, DType::f64}) {
      for (const Case& c : cases) {
        Array x = rand_array(c.in, 21, dt);
        Params p{{"shape", c.out}, {"broadcast_dimensions", c.dims}};
        const int64_t loops = count(cpu_backend().counters().loops);
        Array got = exec(PrimId::broadcast_in_dim, {x}, p)[0];
        QCOMPARE(count(cpu_backend().counters().loops) - loops, 1);
        QVERIFY2(got.same_values(reference_backend().execute(PrimId::broadcast_in_dim, std::vector<Array>{x}, p)[0]),
                 qPrintable(QString::fromStdString(x.aval_str() + " -> " + shape_str(c.out))));
      }
    }
  }

  void transpose_matches_reference() {
    CpuCounters& k = cpu_backend().counters();
    const int64_t before = count(k.transpose), ref = count(k.reference);
    Array x = rand_array({3, 4, 5, 6}, 17);
    for (IntList perm : {IntList{3, 1, 2, 0}, IntList{1, 0, 2, 3}, IntList{0, 2, 3, 1},
                         IntList{3, 2, 1, 0}, IntList{0, 1, 2, 3}})
      QCOMPARE(compare(PrimId::transpose, {x}, Params{{"permutation", perm}}), 0.0);
    Array ones_axis = rand_array({1, 7, 1, 5}, 18);
    QCOMPARE(compare(PrimId::transpose, {ones_axis}, Params{{"permutation", IntList{2, 1, 0, 3}}}),
             0.0);
    QCOMPARE(count(k.transpose) - before, 6);
    Array i = Array::from_vector(std::vector<int32_t>{1, 2, 3, 4, 5, 6}, {2, 3});
    QCOMPARE(exec(PrimId::transpose, {i}, Params{{"permutation", IntList{1, 0}}})[0]
                 .to_vector<int32_t>(),
             (std::vector<int32_t>{1, 4, 2, 5, 3, 6}));
    QCOMPARE(count(k.reference) - ref, 1);  // integers: reference
  }

  void primitive_cache_hits_on_repeated_calls() {
    CpuBackend& cpu = cpu_backend();
    CpuCounters& k = cpu.counters();
    Array l = rand_array({9, 11}, 10), r = rand_array({11, 6}, 11);
    Array x = rand_array({2, 7, 7, 3}, 12), w = rand_array({3, 3, 3, 5}, 13);
    Params dp = dot_params({1}, {0});
    Params cp = conv_params(2, {1, 1}, {{1, 1}, {1, 1}}, {1, 1}, {1, 1});
    exec(PrimId::dot_general, {l, r}, dp);
    exec(PrimId::conv_general_dilated, {x, w}, cp);
    const int64_t builds = count(k.cache_builds), hits = count(k.cache_hits);
    const int64_t size = cpu.cache_size();
    Array first = exec(PrimId::dot_general, {l, r}, dp)[0];
    for (int i = 0; i < 4; ++i) {
      QVERIFY(exec(PrimId::dot_general, {l, r}, dp)[0].same_values(first));
      exec(PrimId::conv_general_dilated, {x, w}, cp);
    }
    QCOMPARE(count(k.cache_builds), builds);
    QCOMPARE(count(k.cache_hits) - hits, 9);
    QCOMPARE(cpu.cache_size(), size);
    exec(PrimId::dot_general, {rand_array({9, 12}, 14), rand_array({12, 6}, 15)}, dp);
    QCOMPARE(count(k.cache_builds), builds + 1);  // a new shape is a new plan
  }

  // A small CNN's loss and gradient, jitted, on both backends: exercises what reverse mode emits
  // (the input- and weight-gradient convolutions, transposed matmuls, pooling transposes).
  void jitted_cnn_gradient_matches_reference() {
    auto loss = [](PyTree p, Tensor x) {
      Tensor h = tanh(conv(x, p["c1"].leaf(), {1, 1}, "SAME"));
      h = avg_pool(h, {2, 2}, {2, 2});
      h = maximum(conv(h, p["c2"].leaf(), {1, 1}, "SAME"), Tensor(Array::scalar(0.0)));
      h = max_pool(h, {2, 2}, {2, 2});
      h = reshape(h, {x.shape()[0], 6 * 2 * 2});
      Tensor z = matmul(h, p["d"].leaf());
      return sum(z * z) / 10.0 + sum(sigmoid(z));
    };
    PyTree params = PyTree::dict({{"c1", rand_array({3, 3, 1, 4}, 20)},
                                  {"c2", rand_array({3, 3, 4, 6}, 21)},
                                  {"d", rand_array({6 * 2 * 2, 3}, 22)}});
    Array x = rand_array({5, 8, 8, 1}, 23);
    JitFn step = jit(value_and_grad(loss));
    CpuCounters& k = cpu_backend().counters();
    const int64_t bw = count(k.conv_backward_weights), fwd = count(k.conv_forward),
                  pool = count(k.pooling);
    set_default_backend(&cpu_backend());
    Tensors got = tree_leaves(step(params, Tensor(x)));
    set_default_backend(&reference_backend());
    Tensors want = tree_leaves(step(params, Tensor(x)));
    set_default_backend(nullptr);
    QCOMPARE(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i)
      QVERIFY2(scaled_error(got[i].array(), want[i].array()) < 1e-5, qPrintable(QString::number(i)));
    QVERIFY(count(k.conv_forward) - fwd >= 3);          // two forward convs + the input grad
    QCOMPARE(count(k.conv_backward_weights) - bw, 2);  // both kernels' gradients
    QVERIFY(count(k.pooling) - pool >= 3);  // avg and max pool, avg_pool's transpose
  }

  // A strided conv differentiated in both operands: backward-data and backward-weights forms.
  void jitted_strided_conv_gradient_matches_reference() {
    auto loss = [](Tensor w, Tensor x) { return sum(square(conv(x, w, {2, 2}, "SAME"))); };
    JitFn g = jit(grad(loss, {.argnums = {0, 1}}));
    Array w = rand_array({3, 3, 3, 4}, 30), x = rand_array({5, 9, 9, 3}, 31);
    CpuCounters& k = cpu_backend().counters();
    const int64_t bw = count(k.conv_backward_weights), bd = count(k.conv_backward_data);
    set_default_backend(&cpu_backend());
    Tensors got = tree_leaves(g(Tensor(w), Tensor(x)));
    set_default_backend(&reference_backend());
    Tensors want = tree_leaves(g(Tensor(w), Tensor(x)));
    set_default_backend(nullptr);
    QCOMPARE(got.size(), size_t{2});
    for (size_t i = 0; i < got.size(); ++i)
      QVERIFY2(scaled_error(got[i].array(), want[i].array()) < 1e-5, qPrintable(QString::number(i)));
    QCOMPARE(count(k.conv_backward_weights) - bw, 1);
    QCOMPARE(count(k.conv_backward_data) - bd, 1);
  }

  // A matmul's elementwise tail runs as oneDNN post-ops inside the matmul (compile/executable's
  // fuse_epilogues): an SGD update of the weight gradient, a scalar minus the scaled product.
  // Results match the unfused program; a tail that reads the product twice (relu's compare and
  // select, swish) stays a separate loop.
  void matmul_tails_run_as_post_ops() {
    Array x = rand_array({32, 24}, 41), dy = rand_array({32, 16}, 42), w = rand_array({24, 16}, 43);
    Array v = rand_array({24, 8}, 45), u = rand_array({24, 4}, 46), b = rand_array({16}, 44);
    Array c = Array::scalar(0.75f);
    // Each product read by one tail only (a product read twice is one CSE'd value with two
    // readers), each tail of its own shape (elementwise ops of one shape share one loop).
    ClosedJaxpr cj = make_jaxpr([](const Tensor& x, const Tensor& dy, const Tensor& w, const Tensor& v,
                                   const Tensor& u, const Tensor& b, const Tensor& c) {
      Tensor update = w - 0.1 * matmul(transpose(x), dy);
      Tensor hidden = relu(matmul(x, w) + b);
      Tensor flipped = c - matmul(x, v) * c;
      Tensor h = matmul(x, u);
      return std::make_tuple(update, hidden, flipped, h * sigmoid(h));
    })(x, dy, w, v, u, b, c);
    std::vector<Array> args{x, dy, w, v, u, b, c};
    auto fused = compile(cj, cpu_backend(), {.profile = true});
    auto plain = compile(cj, cpu_backend(), {.fuse_epilogues = false});
    auto got = fused->run(args), want = plain->run(args);
    for (size_t i = 0; i < got.size(); ++i) QVERIFY2(scaled_error(got[i], want[i]) < 1e-6, got[i].repr().c_str());
    // update, hidden (bias, then relu's where(v > 0, v, 0) as max(v, 0)) and flipped; swish reads
    // the product twice, which no post-op chain does.
    int with_tail = 0;
    for (const auto& step : fused->profile()) with_tail += step.label.find(" ops) ") != std::string::npos;
    QVERIFY2(with_tail == 3, format_profile(fused->profile()).c_str());
  }

  // Unbatched products run as oneDNN's sgemm, whose alpha takes a tail's scalar factors (a
  // constant, a scalar input, a negation) and whose beta adds the array or bias row the tail ends
  // with (x - v, v - x, v + b). Each result matches the unfused program.
  void matmul_tails_run_as_sgemm_alpha_and_beta() {
    Array x = rand_array({32, 24}, 51), dy = rand_array({32, 16}, 52), w = rand_array({24, 16}, 53);
    Array v = rand_array({24, 8}, 54), e = rand_array({32, 8}, 55), u = rand_array({24, 4}, 56);
    Array f = rand_array({32, 4}, 57), lr = Array::scalar(0.05f), q = rand_array({24, 2}, 58);
    Array b = rand_array({2}, 59);
    ClosedJaxpr cj = make_jaxpr([](const Tensor& x, const Tensor& dy, const Tensor& w, const Tensor& v,
                                   const Tensor& e, const Tensor& u, const Tensor& f, const Tensor& lr,
                                   const Tensor& q, const Tensor& b) {
      Tensor sgd = w - lr * matmul(transpose(x), dy);
      Tensor minus_x = matmul(x, v) * 0.5 - e;
      Tensor negated = -matmul(x, u) * lr + f;
      Tensor biased = b - matmul(x, q);
      return std::make_tuple(sgd, minus_x, negated, biased);
    })(x, dy, w, v, e, u, f, lr, q, b);
    std::vector<Array> args{x, dy, w, v, e, u, f, lr, q, b};
    auto fused = compile(cj, cpu_backend(), {.profile = true});
    auto plain = compile(cj, cpu_backend(), {.fuse_epilogues = false});
    const int64_t sgemm = count(cpu_backend().counters().sgemm);
    auto got = fused->run(args);
    QCOMPARE(count(cpu_backend().counters().sgemm) - sgemm, 4);
    auto want = plain->run(args);
    for (size_t i = 0; i < got.size(); ++i) QVERIFY2(scaled_error(got[i], want[i]) < 1e-6, got[i].repr().c_str());
    int with_tail = 0;
    for (const auto& step : fused->profile()) with_tail += step.label.find(" ops) ") != std::string::npos;
    QVERIFY2(with_tail == 4, format_profile(fused->profile()).c_str());
  }

  void conv_tails_run_as_post_ops() {
    // An inference conv: BatchNorm with running statistics (per-channel rows), then relu, all as
    // post-ops of the convolution. The first image is NaN, and channel 0 is scaled and offset by
    // -0.0, so relu meets NaN and -0: both must come out +0.0, as the unfused select gives them.
    std::vector<float> pixels = rand_array({4, 9, 9, 3}, 51).to_vector<float>();
    std::fill(pixels.begin(), pixels.begin() + 243, std::nanf(""));
    std::vector<float> scales = rand_array({8}, 54).to_vector<float>(), biases = rand_array({8}, 55).to_vector<float>();
    scales[0] = biases[0] = -0.0f;
    const Array x = Array::from_vector(pixels, {4, 9, 9, 3}), w = rand_array({3, 3, 3, 8}, 52);
    const Array mean = rand_array({8}, 53), scale = Array::from_vector(scales), bias = Array::from_vector(biases);
    ClosedJaxpr cj = make_jaxpr([](const Tensor& x, const Tensor& w, const Tensor& mean, const Tensor& scale,
                                   const Tensor& bias) {
      return relu((conv(x, w, {1, 1}, "SAME") - mean) * scale + bias);
    })(x, w, mean, scale, bias);
    std::vector<Array> args{x, w, mean, scale, bias};
    auto fused = compile(cj, cpu_backend(), {.profile = true});
    auto plain = compile(cj, cpu_backend(), {.fuse_epilogues = false});
    const Array got = fused->run(args)[0], want = plain->run(args)[0];
    QVERIFY2(scaled_error(got, want) < 1e-6, got.repr().c_str());
    const float *g = got.data<float>(), *v = want.data<float>();
    int64_t zeros = 0;
    for (int64_t i = 0; i < got.size(); ++i) {
      if (std::bit_cast<uint32_t>(v[i]) != 0) continue;
      ++zeros;
      QVERIFY2(std::bit_cast<uint32_t>(g[i]) == 0, ("element " + std::to_string(i) + " is not +0").c_str());
    }
    QVERIFY(zeros >= 9 * 9 * 8 + 3 * 9 * 9);  // the NaN image and channel 0 of the others
    const std::string profile = format_profile(fused->profile());
    QVERIFY2(profile.find("conv_general_dilated (+") != std::string::npos, profile.c_str());
    QVERIFY2(fused->num_fused_groups() == 0, profile.c_str());
  }
};

QTEST_APPLESS_MAIN(CpuBackendTest)
#include "cpu_backend_test.moc"
