// dot_general and conv_general_dilated: values against naive loops, the NumPy products, printed
// params, shape errors, and every rule (jvp vs central differences in f64, transposes by the
// inner-product identity, batch rules vs a loop over examples).
#include <QtTest>

#include "engine/ops/families.h"
#include "engine/ops/rule_helpers.h"
#include "linalg_checks.h"

using namespace engine;
using namespace linalg_checks;

namespace {

// Naive dot_general: for every output element, a loop over the contracted multi-index.
std::vector<double> naive_dot_general(const Array& l, const Array& r,
                                      const DotDimensionNumbers& d) {
  auto free_of = [](int rank, const IntList& c, const IntList& b) {
    IntList f;
    for (int i = 0; i < rank; ++i)
      if (std::find(c.begin(), c.end(), i) == c.end() &&
          std::find(b.begin(), b.end(), i) == b.end())
        f.push_back(i);
    return f;
  };
  IntList lf = free_of(l.rank(), d.lhs_contract, d.lhs_batch),
          rf = free_of(r.rank(), d.rhs_contract, d.rhs_batch);
  Shape out_shape, k_shape;
  for (int64_t a : d.lhs_batch) out_shape.push_back(l.shape()[a]);
  for (int64_t a : lf) out_shape.push_back(l.shape()[a]);
  for (int64_t a : rf) out_shape.push_back(r.shape()[a]);
  for (int64_t a : d.lhs_contract) k_shape.push_back(l.shape()[a]);
  auto ls = row_major_strides(l.shape()), rs = row_major_strides(r.shape());
  auto lv = l.to_vector<double>(), rv = r.to_vector<double>();
  std::vector<double> out;
  for_each_index(out_shape, [&](int64_t, const std::vector<int64_t>& o) {
    int64_t lo = 0, ro = 0;
    size_t p = 0;
    for (size_t i = 0; i < d.lhs_batch.size(); ++i, ++p) {
      lo += o[p] * ls[d.lhs_batch[i]];
      ro += o[p] * rs[d.rhs_batch[i]];
    }
    for (int64_t a : lf) lo += o[p++] * ls[a];
    for (int64_t a : rf) ro += o[p++] * rs[a];
    double s = 0;
    for_each_index(k_shape, [&](int64_t, const std::vector<int64_t>& k) {
      int64_t lk = lo, rk = ro;
      for (size_t i = 0; i < k.size(); ++i) {
        lk += k[i] * ls[d.lhs_contract[i]];
        rk += k[i] * rs[d.rhs_contract[i]];
      }
      s += lv[lk] * rv[rk];
    });
    out.push_back(s);
  });
  return out;
}

struct ConvCase {
  Shape x, w;
  IntList strides = {1, 1};
  IntLists pads = {{0, 0}, {0, 0}};
  IntList ld = {1, 1}, rd = {1, 1};
  int64_t groups = 1, batch_groups = 1;
};

// Naive NHWC/HWIO convolution over an explicitly dilated and zero-padded copy of the input.
std::vector<double> naive_conv2d(const Array& xa, const Array& wa, const ConvCase& c,
                                 Shape* out_shape) {
  const Shape &xs = xa.shape(), &ws = wa.shape();
  const int64_t N = xs[0], H = xs[1], W = xs[2], C = xs[3], KH = ws[0], KW = ws[1], I = ws[2],
                O = ws[3];
  const int64_t PH = (H - 1) * c.ld[0] + 1 + c.pads[0][0] + c.pads[0][1];
  const int64_t PW = (W - 1) * c.ld[1] + 1 + c.pads[1][0] + c.pads[1][1];
  std::vector<double> buf(N * PH * PW * C, 0.0), x = xa.to_vector<double>(),
                                                 w = wa.to_vector<double>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t v = 0; v < W; ++v)
        for (int64_t ch = 0; ch < C; ++ch)
          buf[((n * PH + c.pads[0][0] + h * c.ld[0]) * PW + c.pads[1][0] + v * c.ld[1]) * C + ch] =
              x[((n * H + h) * W + v) * C + ch];
  const int64_t EH = (KH - 1) * c.rd[0] + 1, EW = (KW - 1) * c.rd[1] + 1;
  const int64_t OH = (PH - EH) / c.strides[0] + 1, OW = (PW - EW) / c.strides[1] + 1,
                NO = N / c.batch_groups;
  *out_shape = {NO, OH, OW, O};
  std::vector<double> out;
  for (int64_t n = 0; n < NO; ++n)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow)
        for (int64_t o = 0; o < O; ++o) {
          int64_t g = o / (O / c.groups), gb = o / (O / c.batch_groups);
          double s = 0;
          for (int64_t kh = 0; kh < KH; ++kh)
            for (int64_t kw = 0; kw < KW; ++kw)
              for (int64_t i = 0; i < I; ++i) {
                int64_t ph = oh * c.strides[0] + kh * c.rd[0],
                        pw = ow * c.strides[1] + kw * c.rd[1];
                s += buf[(((gb * NO + n) * PH + ph) * PW + pw) * C + g * I + i] *
                     w[((kh * KW + kw) * I + i) * O + o];
              }
          out.push_back(s);
        }
  return out;
}

Tensor conv_of(const Tensor& x, const Tensor& w, const ConvCase& c) {
  return conv_general_dilated(x, w, c.strides, c.pads, c.ld, c.rd, c.groups, c.batch_groups);
}

std::vector<ConvCase> conv_cases() {
  return {
      {{2, 5, 6, 3}, {3, 3, 3, 4}},                            // VALID
      {{2, 7, 6, 3}, {3, 3, 3, 2}, {2, 2}, {{1, 1}, {0, 1}}},  // SAME-like, stride 2
      {{1, 5, 4, 2}, {2, 2, 2, 3}, {2, 2}, {{0, 0}, {0, 0}}},  // stride 2, 5 not covered
      {{1, 7, 7, 2}, {3, 2, 2, 2}, {1, 2}, {{1, 2}, {0, 1}}, {1, 1}, {2, 2}},     // rhs dilation
      {{2, 4, 3, 2}, {3, 3, 2, 3}, {1, 1}, {{2, 1}, {1, 1}}, {2, 2}, {1, 1}},     // lhs dilation
      {{2, 5, 5, 4}, {3, 3, 2, 6}, {1, 2}, {{1, 1}, {1, 1}}, {1, 1}, {1, 1}, 2},  // feature groups
      {{4, 5, 4, 3}, {2, 3, 3, 4}, {1, 1}, {{0, 1}, {1, 0}}, {1, 1}, {1, 1}, 1, 2},  // batch groups
  };
}

FlatFn conv_fn(const ConvCase& c) {
  return [c](const Tensors& xs) { return Tensors{conv_of(xs[0], xs[1], c)}; };
}

FlatFn dot_fn(DotDimensionNumbers d) {
  return [d](const Tensors& xs) { return Tensors{dot_general(xs[0], xs[1], d)}; };
}

struct DotCase {
  Shape l, r;
  DotDimensionNumbers d;
};

std::vector<DotCase> dot_cases() {
  return {
      {{3, 4}, {4, 5}, {{1}, {0}}},
      {{2, 3, 4}, {2, 4, 5}, {{2}, {1}, {0}, {0}}},
      {{4, 2, 3}, {3, 5, 2, 4}, {{0, 2}, {3, 0}, {1}, {2}}},
      {{3}, {2}, {{}, {}}},
      {{5, 2, 3}, {3, 2}, {{2, 1}, {0, 1}}},
  };
}

}  // namespace

class LinalgTest : public QObject {
  Q_OBJECT

 private slots:
  void dotGeneralMatchesNaiveLoops() {
    uint64_t seed = 1;
    for (const DotCase& c : dot_cases()) {
      Array l = rand_array(c.l, seed++), r = rand_array(c.r, seed++);
      EXPECT_NEAR_ALL(values(dot_general(l, r, c.d)), naive_dot_general(l, r, c.d), 1e-14);
      Array lf = l.astype(DType::f32), rf = r.astype(DType::f32);
      Tensor f = dot_general(lf, rf, c.d);
      QCOMPARE(f.dtype(), DType::f32);
      EXPECT_NEAR_ALL(values(f), naive_dot_general(lf, rf, c.d), 1e-6);
      QCOMPARE(dot_general(lf, rf, c.d, DType::f64).dtype(), DType::f64);
    }
    Array a = Array::from_vector<int32_t>({1, 2, 3, 4, 5, 6}, {2, 3});
    Array b = Array::from_vector<int32_t>({7, 8, 9, 10, 11, 12}, {3, 2});
    QCOMPARE(dot_general(a, b, {{1}, {0}}).array().to_vector<int32_t>(),
             (std::vector<int32_t>{58, 64, 139, 154}));
  }

  void dotGeneralPrintsJaxParams() {
    Eqn e = traced_eqn([](const Tensors& xs) { return Tensors{dot(xs[0], xs[1])}; },
                       {{{2, 3}, DType::f32}, {{3, 4}, DType::f32}}, PrimId::dot_general);
    QCOMPARE(QString::fromStdString(e.params.str()),
             QString("[dimension_numbers=((1,), (0,), (), ()) precision=None "
                     "preferred_element_type=float32]"));
  }

  void numpyProductsMatchNaiveLoops() {
    Array v3 = rand_array({3}, 1), v4 = rand_array({4}, 2), m34 = rand_array({3, 4}, 3),
          m45 = rand_array({4, 5}, 4);
    EXPECT_NEAR_ALL(values(dot(v3, v3)), naive_dot_general(v3, v3, {{0}, {0}}), 1e-14);
    EXPECT_NEAR_ALL(values(dot(m34, v4)), naive_dot_general(m34, v4, {{1}, {0}}), 1e-14);
    EXPECT_NEAR_ALL(values(dot(m34, m45)), naive_dot_general(m34, m45, {{1}, {0}}), 1e-14);
    // np.dot of N-D arrays: a's last axis with b's second-to-last; (2,3,4)·(5,4,6) -> (2,3,5,6).
    Array a3 = rand_array({2, 3, 4}, 5), b3 = rand_array({5, 4, 6}, 6);
    QCOMPARE(dot(a3, b3).shape(), (Shape{2, 3, 5, 6}));
    EXPECT_NEAR_ALL(values(dot(a3, b3)), naive_dot_general(a3, b3, {{2}, {1}}), 1e-14);
    QCOMPARE(dot(Array::scalar(2.0, DType::f64), v3).shape(), (Shape{3}));
    // matmul broadcasts batch axes: (2,1,3,4) @ (5,4,2) -> (2,5,3,2); checked per batch element.
    Array ma = rand_array({2, 1, 3, 4}, 7), mb = rand_array({5, 4, 2}, 8);
    Tensor mm = matmul(ma, mb);
    QCOMPARE(mm.shape(), (Shape{2, 5, 3, 2}));
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 5; ++j) {
        Array ai = take(take(ma, 0, i), 0, 0), bj = take(mb, 0, j);
        EXPECT_NEAR_ALL(values(take(take(mm.array(), 0, i), 0, j)),
                        naive_dot_general(ai, bj, {{1}, {0}}), 1e-14);
      }
    QCOMPARE(matmul(v4, rand_array({2, 4, 3}, 9)).shape(), (Shape{2, 3}));
    QCOMPARE(matmul(rand_array({2, 3, 4}, 9), v4).shape(), (Shape{2, 3}));
    QCOMPARE(matmul(v4, v4).shape(), Shape{});
    EXPECT_NEAR_ALL(values(matmul(m34, m45)), naive_dot_general(m34, m45, {{1}, {0}}), 1e-14);
    // tensordot, vdot, outer.
    Array t1 = rand_array({2, 3, 4}, 10), t2 = rand_array({3, 4, 5}, 11);
    EXPECT_NEAR_ALL(values(tensordot(t1, t2)), naive_dot_general(t1, t2, {{1, 2}, {0, 1}}), 1e-14);
    EXPECT_NEAR_ALL(values(tensordot(t1, t2, {1}, {0})), naive_dot_general(t1, t2, {{1}, {0}}),
                    1e-14);
    double want = 0;
    auto x = m34.to_vector<double>(), y = rand_array({12}, 12).to_vector<double>();
    for (size_t i = 0; i < 12; ++i) want += x[i] * y[i];
    QVERIFY(std::abs(vdot(m34, Array::from_vector(y, {4, 3})).item() - want) < 1e-14);
    EXPECT_NEAR_ALL(values(outer(v3, m34)), naive_dot_general(v3, m34.reshape({12}), {{}, {}}),
                    1e-14);
  }

  void dotShapeErrorsNameShapes() {
    std::string e = error_of([] { dot(rand_array({2, 3}, 1), rand_array({4, 5}, 2)); });
    QVERIFY2(e.find("(2, 3)") != std::string::npos && e.find("(4, 5)") != std::string::npos,
             e.c_str());
    e = error_of([] { dot_general(rand_array({2, 3}, 1), rand_array({4, 5}, 2), {{1}, {0}}); });
    QVERIFY2(e.find("f64[2,3]") != std::string::npos && e.find("f64[4,5]") != std::string::npos &&
                 e.find("((1,), (0,))") != std::string::npos &&
                 e.find("3 and 4") != std::string::npos,
             e.c_str());
    e = error_of([] { matmul(rand_array({2, 3, 4}, 1), rand_array({3, 4, 5}, 2)); });
    QVERIFY2(e.find("f64[2,3,4]") != std::string::npos && e.find("broadcast") != std::string::npos,
             e.c_str());
    e = error_of([] {
      dot_general(rand_array({2, 3}, 1), rand_array({3, 2}, 2), {{1, 1}, {0, 1}});
    });
    QVERIFY2(e.find("repeated") != std::string::npos, e.c_str());
  }

  void dotGeneralJvpMatchesFiniteDifferences() {
    uint64_t seed = 20;
    for (const DotCase& c : dot_cases()) {
      Tensors xs{rand_array(c.l, seed), rand_array(c.r, seed + 1)};
      QVERIFY(jvp_fd_error(dot_fn(c.d), xs, seed += 2) < 1e-8);
    }
    FlatFn mm = [](const Tensors& xs) { return Tensors{matmul(xs[0], xs[1])}; };
    QVERIFY(jvp_fd_error(mm, {rand_array({2, 1, 3, 4}, 1), rand_array({5, 4, 2}, 2)}, 3) < 1e-8);
  }

  void dotGeneralTransposesBothOperands() {
    uint64_t seed = 40;
    for (const DotCase& c : dot_cases()) {
      Tensors xs{rand_array(c.l, seed), rand_array(c.r, seed + 1)};
      Eqn e = traced_eqn(dot_fn(c.d), avals_of(xs), PrimId::dot_general);
      QVERIFY(transpose_error(e, xs, 0, seed + 2) < 1e-12);
      QVERIFY(transpose_error(e, xs, 1, seed + 3) < 1e-12);
      seed += 4;
    }
  }

  void dotGeneralBatchRuleMatchesLoop() {
    uint64_t seed = 60;
    for (const DotCase& c : dot_cases()) {
      Eqn e = traced_eqn(dot_fn(c.d), {{c.l, DType::f64}, {c.r, DType::f64}}, PrimId::dot_general);
      for (int ld : {-1, 0, static_cast<int>(c.l.size())})
        for (int rd : {-1, 0, 1}) {
          if (ld < 0 && rd < 0) continue;
          Shape l = c.l, r = c.r;
          if (ld >= 0) l.insert(l.begin() + ld, 3);
          if (rd >= 0) r.insert(r.begin() + rd, 3);
          double err = batch_error(e, {rand_array(l, seed), rand_array(r, seed + 1)}, {ld, rd});
          QVERIFY2(err < 1e-12,
                   qPrintable(QString("lhs dim %1, rhs dim %2: %3").arg(ld).arg(rd).arg(err)));
          seed += 2;
        }
    }
    // One batched operand stays a free axis: no broadcast of the other, no extra batch dimension.
    Tensors xs{rand_array({3, 4}, 1), rand_array({4, 5}, 2)};
    Eqn e = traced_eqn(dot_fn({{1}, {0}}), avals_of(xs), PrimId::dot_general);
    auto [out, dims] =
        rules(PrimId::dot_general)
            .batch(Tensors{rand_array({7, 3, 4}, 3), xs[1]}, std::vector<int>{0, -1}, e.params);
    QCOMPARE(out[0].shape(), (Shape{7, 3, 5}));
    QCOMPARE(dims[0], 0);
  }

  void convMatchesNaiveLoops() {
    uint64_t seed = 80;
    for (const ConvCase& c : conv_cases()) {
      Array x = rand_array(c.x, seed++), w = rand_array(c.w, seed++);
      Shape want_shape;
      std::vector<double> want = naive_conv2d(x, w, c, &want_shape);
      Tensor got = conv_of(x, w, c);
      QCOMPARE(got.shape(), want_shape);
      EXPECT_NEAR_ALL(values(got), want, 1e-13);
      Tensor got32 = conv_of(x.astype(DType::f32), w.astype(DType::f32), c);
      QCOMPARE(got32.dtype(), DType::f32);
      EXPECT_NEAR_ALL(values(got32),
                      naive_conv2d(x.astype(DType::f32), w.astype(DType::f32), c, &want_shape),
                      1e-6);
    }
    // 1-D: (N, W, C) with (K, I, O) is the 2-D case with H = 1.
    Array x1 = rand_array({2, 9, 3}, 1), w1 = rand_array({3, 3, 2}, 2);
    Shape s;
    ConvCase c2{{2, 1, 9, 3}, {1, 3, 3, 2}, {1, 2}, {{0, 0}, {1, 1}}};
    EXPECT_NEAR_ALL(values(conv(x1, w1, {2}, IntLists{{1, 1}})),
                    naive_conv2d(x1.reshape({2, 1, 9, 3}), w1.reshape({1, 3, 3, 2}), c2, &s),
                    1e-13);
  }

  void convPaddingStringsFollowLax() {
    QCOMPARE(padtype_to_pads({5, 4, 6}, {3, 3, 1}, {2, 2, 2}, "SAME"),
             (IntLists{{1, 1}, {0, 1}, {0, 0}}));
    QCOMPARE(padtype_to_pads({4}, {3}, {2}, "SAME_LOWER"), (IntLists{{1, 0}}));
    QCOMPARE(padtype_to_pads({5}, {3}, {2}, "valid"), (IntLists{{0, 0}}));
    QVERIFY(error_of([] { padtype_to_pads({5}, {3}, {1}, "FULL"); }).find("FULL") !=
            std::string::npos);
    // SAME keeps the spatial size at stride 1 and resolves against the dilated kernel.
    Array x = rand_array({1, 5, 5, 2}, 1), w = rand_array({3, 3, 2, 4}, 2);
    QCOMPARE(conv(x, w).shape(), (Shape{1, 5, 5, 4}));
    Eqn e = traced_eqn(
        [](const Tensors& xs) {
          return Tensors{conv(xs[0], xs[1], {1, 1}, "SAME", {2, 2})};
        },
        {{x.shape(), x.dtype()}, {w.shape(), w.dtype()}}, PrimId::conv_general_dilated);
    QCOMPARE(
        QString::fromStdString(e.params.str()),
        QString("[batch_group_count=1 dimension_numbers=((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2)) "
                "feature_group_count=1 lhs_dilation=(1, 1) padding=((2, 2), (2, 2)) precision=None "
                "preferred_element_type=None rhs_dilation=(2, 2) window_strides=(1, 1)]"));
    QCOMPARE(conv(x, w, {2, 2}, "VALID").shape(), (Shape{1, 2, 2, 4}));
  }

  void convShapeErrorsNameLayer() {
    std::string e = error_of([] {
      conv(rand_array({1, 5, 5, 3}, 1), rand_array({3, 3, 4, 8}, 2));
    });
    QVERIFY2(e.find("f64[1,5,5,3]") != std::string::npos &&
                 e.find("f64[3,3,4,8]") != std::string::npos &&
                 e.find("feature_group_count=1") != std::string::npos &&
                 e.find("3 channels") != std::string::npos,
             e.c_str());
    e = error_of([] {
      conv(rand_array({1, 5, 5, 4}, 1), rand_array({3, 3, 2, 5}, 2), {}, "SAME", {}, 2);
    });
    QVERIFY2(e.find("not divisible by feature_group_count=2") != std::string::npos, e.c_str());
    e = error_of([] { conv(rand_array({5, 5, 4}, 1), rand_array({3, 3, 4, 8}, 2)); });
    QVERIFY2(e.find("f64[5,5,4]") != std::string::npos, e.c_str());
    e = error_of([] {
      conv(rand_array({1, 2, 2, 1}, 1), rand_array({3, 3, 1, 1}, 2), {1, 1},
           IntLists{{0, 0}, {-3, 0}});
    });
    QVERIFY2(e.find("negative padding") != std::string::npos, e.c_str());
  }

  void convJvpMatchesFiniteDifferences() {
    uint64_t seed = 100;
    for (const ConvCase& c : conv_cases()) {
      double err =
          jvp_fd_error(conv_fn(c), {rand_array(c.x, seed), rand_array(c.w, seed + 1)}, seed + 2);
      QVERIFY2(err < 1e-8, qPrintable(QString::number(err)));
      seed += 3;
    }
  }

  void convTransposesBothOperands() {
    std::vector<ConvCase> cases = conv_cases();
    cases.push_back(
        {{1, 6, 6, 2}, {3, 3, 2, 2}, {2, 1}, {{-1, 0}, {2, 0}}});  // negative and large padding
    uint64_t seed = 120;
    for (const ConvCase& c : cases) {
      Tensors xs{rand_array(c.x, seed), rand_array(c.w, seed + 1)};
      Eqn e = traced_eqn(conv_fn(c), avals_of(xs), PrimId::conv_general_dilated);
      double err = transpose_error(e, xs, 1, seed + 2);
      QVERIFY2(err < 1e-12, qPrintable(QString("kernel: %1").arg(err)));
      if (has_rules(
              PrimId::rev)) {  // the input's transpose reverses the kernel (rev, ops/indexing)
        err = transpose_error(e, xs, 0, seed + 3);
        QVERIFY2(err < 1e-12, qPrintable(QString("input: %1").arg(err)));
      }
      seed += 4;
    }
    if (!has_rules(PrimId::rev)) QSKIP("input transpose needs the rev primitive (indexing family)");
  }

  void convBatchRuleMatchesLoop() {
    uint64_t seed = 140;
    for (const ConvCase& c : conv_cases()) {
      Eqn e = traced_eqn(conv_fn(c), {{c.x, DType::f64}, {c.w, DType::f64}},
                         PrimId::conv_general_dilated);
      for (int ld : {-1, 0, 2, 4})
        for (int rd : {-1, 0, 3, 4}) {
          if (ld < 0 && rd < 0) continue;
          Shape x = c.x, w = c.w;
          if (ld >= 0) x.insert(x.begin() + ld, 2);
          if (rd >= 0) w.insert(w.begin() + rd, 2);
          double err = batch_error(e, {rand_array(x, seed), rand_array(w, seed + 1)}, {ld, rd});
          QVERIFY2(err < 1e-12,
                   qPrintable(QString("input dim %1, kernel dim %2: %3").arg(ld).arg(rd).arg(err)));
          seed += 2;
        }
    }
  }
};

QTEST_APPLESS_MAIN(LinalgTest)
#include "linalg_test.moc"
