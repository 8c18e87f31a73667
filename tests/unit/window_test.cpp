// Windowed reductions and pooling: reduce_window_sum/max against naive loops over explicitly
// padded and dilated copies, Flax's avg_pool/max_pool semantics, the argmax pair
// select_and_scatter_add / select_and_gather_add (first maximum wins), and every rule: jvp vs
// central differences, transposes by the inner-product identity, batch rules vs a loop.
#include <QtTest>
#include <limits>

#include "engine/ops/rule_helpers.h"
#include "linalg_checks.h"

using namespace engine;
using namespace linalg_checks;

namespace {

struct WinCase {
  Shape x;
  IntList dims, strides;
  IntLists pads;
  IntList bd = {}, wd = {};
};

IntList or_ones(const IntList& v, size_t n) {
  return v.empty() ? IntList(n, 1) : v;
}

std::vector<WinCase> win_cases() {
  return {
      {{2, 6, 6, 3}, {1, 2, 2, 1}, {1, 2, 2, 1}, {{0, 0}, {0, 0}, {0, 0}, {0, 0}}},
      {{1, 7, 5, 2}, {1, 3, 3, 1}, {1, 2, 2, 1}, {{0, 0}, {1, 1}, {1, 1}, {0, 0}}},
      {{2, 5, 5, 1}, {1, 2, 3, 1}, {1, 1, 2, 1}, {{0, 0}, {1, 0}, {2, 1}, {0, 0}}},
      {{1, 4, 6, 2},
       {1, 2, 2, 1},
       {1, 1, 2, 1},
       {{0, 0}, {1, 1}, {0, 2}, {0, 0}},
       {1, 2, 1, 1},
       {1, 1, 2, 1}},
      {{3, 4, 3, 4}, {2, 2, 1, 2}, {1, 2, 1, 2}, {{0, 1}, {0, 0}, {0, 0}, {1, 0}}},
  };
}

// The operand copied into a padded, base-dilated buffer filled with init, then windows slid over
// it.
std::vector<double> naive_reduce_window(const Array& x, bool is_max, const WinCase& c,
                                        Shape* out_shape) {
  const size_t r = x.shape().size();
  IntList bd = or_ones(c.bd, r), wd = or_ones(c.wd, r);
  const double init = is_max ? -std::numeric_limits<double>::infinity() : 0.0;
  Shape P(r), out(r), window = c.dims;
  for (size_t a = 0; a < r; ++a) {
    P[a] = (x.shape()[a] - 1) * bd[a] + 1 + c.pads[a][0] + c.pads[a][1];
    out[a] = (P[a] - ((c.dims[a] - 1) * wd[a] + 1)) / c.strides[a] + 1;
  }
  auto ps = row_major_strides(P);
  std::vector<double> buf(shape_size(P), init), xv = x.to_vector<double>(), res;
  for_each_index(x.shape(), [&](int64_t flat, const std::vector<int64_t>& idx) {
    int64_t o = 0;
    for (size_t a = 0; a < r; ++a) o += (c.pads[a][0] + idx[a] * bd[a]) * ps[a];
    buf[o] = xv[flat];
  });
  for_each_index(out, [&](int64_t, const std::vector<int64_t>& y) {
    double acc = init;
    for_each_index(window, [&](int64_t, const std::vector<int64_t>& k) {
      int64_t o = 0;
      for (size_t a = 0; a < r; ++a) o += (y[a] * c.strides[a] + k[a] * wd[a]) * ps[a];
      acc = is_max ? std::max(acc, buf[o]) : acc + buf[o];
    });
    res.push_back(acc);
  });
  *out_shape = out;
  return res;
}

// Naive select_and_scatter_add: per window, the first strictly larger element becomes the choice.
std::vector<double> naive_scatter(const Array& source, const Array& operand, const WinCase& c) {
  const size_t r = operand.shape().size();
  auto xs = row_major_strides(operand.shape());
  std::vector<double> x = operand.to_vector<double>(), s = source.to_vector<double>(),
                      out(x.size(), 0.0);
  std::vector<std::vector<int64_t>> taps;
  for_each_index(c.dims, [&](int64_t, const std::vector<int64_t>& k) { taps.push_back(k); });
  for_each_index(source.shape(), [&](int64_t w, const std::vector<int64_t>& y) {
    int64_t sel = -1;
    for (const auto& k : taps) {
      int64_t o = 0;
      bool inside = true;
      for (size_t a = 0; a < r && inside; ++a) {
        int64_t p = y[a] * c.strides[a] + k[a] - c.pads[a][0];
        inside = p >= 0 && p < operand.shape()[a];
        o += p * xs[a];
      }
      if (inside && (sel < 0 || x[o] > x[sel])) sel = o;
    }
    if (sel >= 0) out[sel] += s[w];
  });
  return out;
}

bool dilated(const WinCase& c) {
  return !c.bd.empty() || !c.wd.empty();
}

FlatFn window_fn(bool is_max, const WinCase& c) {
  return [=](const Tensors& xs) {
    return Tensors{is_max ? reduce_window_max(xs[0], c.dims, c.strides, c.pads, c.bd, c.wd)
                          : reduce_window_sum(xs[0], c.dims, c.strides, c.pads, c.bd, c.wd)};
  };
}

FlatFn scatter_fn(const WinCase& c) {
  return [=](const Tensors& xs) {
    return Tensors{select_and_scatter_add(xs[0], xs[1], c.dims, c.strides, c.pads)};
  };
}

FlatFn gather_fn(const WinCase& c) {
  return [=](const Tensors& xs) {
    return Tensors{select_and_gather_add(xs[0], xs[1], c.dims, c.strides, c.pads, c.bd, c.wd)};
  };
}

}  // namespace

class WindowTest : public QObject {
  Q_OBJECT

 private slots:
  void reduceWindowMatchesNaiveLoops() {
    uint64_t seed = 1;
    for (const WinCase& c : win_cases())
      for (bool is_max : {false, true}) {
        Array x = rand_array(c.x, seed++);
        Shape want_shape;
        std::vector<double> want = naive_reduce_window(x, is_max, c, &want_shape);
        Tensor got = window_fn(is_max, c)({x})[0];
        QCOMPARE(got.shape(), want_shape);
        EXPECT_NEAR_ALL(values(got), want, 1e-14);
        EXPECT_NEAR_ALL(values(window_fn(is_max, c)({x.astype(DType::f32)})[0]),
                        naive_reduce_window(x.astype(DType::f32), is_max, c, &want_shape), 1e-6);
      }
    Array xi = Array::from_vector<int32_t>({3, -7, 2, 9, -1, 4}, {1, 6});
    QCOMPARE(reduce_window_max(xi, {1, 2}, {1, 2}).array().to_vector<int32_t>(),
             (std::vector<int32_t>{3, 9, 4}));
    QCOMPARE(reduce_window_sum(xi, {1, 3}, {1, 1}, "SAME").array().to_vector<int32_t>(),
             (std::vector<int32_t>{-4, -2, 4, 10, 12, 3}));
  }

  void poolsFollowFlax() {
    // avg_pool counts padding (count_include_pad=True): a corner of SAME 3x3 over ones is 4/9.
    Tensor avg = avg_pool(ones({1, 4, 4, 1}, DType::f64), {3, 3}, {1, 1}, "SAME");
    QCOMPARE(avg.shape(), (Shape{1, 4, 4, 1}));
    QVERIFY(std::abs(values(avg)[0] - 4.0 / 9) < 1e-15 && std::abs(values(avg)[5] - 1.0) < 1e-15);
    Array x =
        Array::from_vector<float>({1, 5, 2, 0, 3, 4, 8, 6, 7, 2, 9, 1, 0, 3, 4, 5}, {1, 4, 4, 1});
    QCOMPARE(values(max_pool(x, {2, 2}, {2, 2})), (std::vector<double>{5, 8, 7, 9}));
    QCOMPARE(values(avg_pool(x, {2, 2}, {2, 2})),
             (std::vector<double>{13 / 4.0, 16 / 4.0, 12 / 4.0, 19 / 4.0}));
    QCOMPARE(avg_pool(x, {2, 2}).shape(), (Shape{1, 3, 3, 1}));  // strides default to 1
    // No batch axis, and several batch axes, as Flax accepts.
    QCOMPARE(values(max_pool(x.reshape({4, 4, 1}), {2, 2}, {2, 2})),
             (std::vector<double>{5, 8, 7, 9}));
    Array xb = rand_array({2, 3, 4, 4, 2}, 5);
    Tensor mb = max_pool(xb, {2, 2}, {2, 2}, "VALID");
    QCOMPARE(mb.shape(), (Shape{2, 3, 2, 2, 2}));
    EXPECT_NEAR_ALL(values(mb), values(max_pool(xb.reshape({6, 4, 4, 2}), {2, 2}, {2, 2})), 0.0);
    QCOMPARE(avg_pool(Array::from_vector<int32_t>({1, 2, 3, 4}, {1, 2, 2, 1}), {2, 2}).item(), 2.5);
  }

  void printsJaxParams() {
    Eqn e = traced_eqn(
        [](const Tensors& xs) {
          return Tensors{avg_pool(xs[0], {2, 2}, {2, 2})};
        },
        {{{1, 4, 4, 3}, DType::f32}}, PrimId::reduce_window_sum);
    QCOMPARE(QString::fromStdString(e.params.str()),
             QString("[base_dilation=(1, 1, 1, 1) padding=((0, 0), (0, 0), (0, 0), (0, 0)) "
                     "window_dilation=(1, 1, 1, 1) window_dimensions=(1, 2, 2, 1) "
                     "window_strides=(1, 2, 2, 1)]"));
    Eqn j = traced_eqn(
        [](const Tensors& xs) {
          return jvp_flat(
                     [](const Tensors& a) {
                       return Tensors{max_pool(a[0], {2, 2}, {2, 2})};
                     },
                     xs, xs)
              .second;
        },
        {{{1, 4, 4, 3}, DType::f32}}, PrimId::select_and_gather_add);
    QVERIFY(j.params.str().find("select_prim=ge") != std::string::npos);
  }

  void selectionPairMatchesNaiveAndFirstMaxWins() {
    uint64_t seed = 20;
    for (const WinCase& c : win_cases()) {
      if (dilated(c)) continue;
      Array x = rand_array(c.x, seed++);
      Shape ws = reduce_window_max(x, c.dims, c.strides, c.pads).shape();
      Array s = rand_array(ws, seed++);
      EXPECT_NEAR_ALL(values(select_and_scatter_add(s, x, c.dims, c.strides, c.pads)),
                      naive_scatter(s, x, c), 1e-14);
      // The gather of x itself at the argmax is the max.
      EXPECT_NEAR_ALL(values(select_and_gather_add(x, x, c.dims, c.strides, c.pads)),
                      values(reduce_window_max(x, c.dims, c.strides, c.pads)), 0.0);
    }
    // Ties: the first maximum in row-major window order takes the whole cotangent.
    Array tie = Array::from_vector<double>({1, 7, 7, 7, 2, 2, 2, 2}, {1, 2, 4, 1});
    Array src = Array::from_vector<double>({10, 20}, {1, 1, 2, 1});
    QCOMPARE(values(select_and_scatter_add(src, tie, {1, 2, 2, 1}, {1, 2, 2, 1},
                                           {{0, 0}, {0, 0}, {0, 0}, {0, 0}})),
             (std::vector<double>{0, 10, 20, 0, 0, 0, 0, 0}));
    Array tng = Array::from_vector<double>({1, 2, 3, 4, 5, 6, 7, 8}, {1, 2, 4, 1});
    QCOMPARE(values(select_and_gather_add(tng, tie, {1, 2, 2, 1}, {1, 2, 2, 1},
                                          {{0, 0}, {0, 0}, {0, 0}, {0, 0}})),
             (std::vector<double>{2, 3}));
  }

  void shapeErrorsNameOperands() {
    std::string e = error_of([] {
      reduce_window_sum(rand_array({1, 4, 4, 2}, 1), {2, 2}, {2, 2});
    });
    QVERIFY2(e.find("f64[1,4,4,2]") != std::string::npos && e.find("(2, 2)") != std::string::npos,
             e.c_str());
    e = error_of([] { max_pool(rand_array({4, 4}, 1), {2, 2}); });
    QVERIFY2(e.find("max_pool") != std::string::npos && e.find("f64[4,4]") != std::string::npos,
             e.c_str());
    e = error_of([] {
      select_and_scatter_add(rand_array({1, 3, 3, 1}, 1), rand_array({1, 4, 4, 1}, 2), {1, 2, 2, 1},
                             {1, 2, 2, 1}, {{0, 0}, {0, 0}, {0, 0}, {0, 0}});
    });
    QVERIFY2(
        e.find("f64[1,3,3,1]") != std::string::npos && e.find("f64[1,2,2,1]") != std::string::npos,
        e.c_str());
    e = error_of([] { avg_pool(rand_array({1, 4, 4, 1}, 1), {2, 2}, {2, 2}, "HALF"); });
    QVERIFY2(e.find("HALF") != std::string::npos, e.c_str());
  }

  void jvpsMatchFiniteDifferences() {
    uint64_t seed = 40;
    for (const WinCase& c : win_cases()) {
      for (bool is_max : {false, true}) {
        double err = jvp_fd_error(window_fn(is_max, c), {rand_array(c.x, seed)}, seed + 1);
        QVERIFY2(err < 1e-8, qPrintable(QString("max=%1: %2").arg(is_max).arg(err)));
        seed += 2;
      }
      Array x = rand_array(c.x, seed++);
      const auto input_seed = seed++, tangent_seed = seed++;  // in this order on every compiler
      QVERIFY(jvp_fd_error(gather_fn(c), {rand_array(c.x, input_seed), x}, tangent_seed) < 1e-8);
      if (dilated(c)) continue;
      Array s = rand_array(reduce_window_max(x, c.dims, c.strides, c.pads).shape(), seed++);
      QVERIFY(jvp_fd_error(scatter_fn(c), {s, x}, seed++) < 1e-8);
    }
    FlatFn pools = [](const Tensors& xs) {
      return Tensors{avg_pool(xs[0], {2, 2}, {2, 2}), max_pool(xs[0], {3, 3}, {2, 2}, "SAME")};
    };
    QVERIFY(jvp_fd_error(pools, {rand_array({2, 6, 6, 3}, 7)}, 8) < 1e-8);
  }

  void transposesSatisfyInnerProductIdentity() {
    uint64_t seed = 60;
    for (const WinCase& c : win_cases()) {
      Tensors x{rand_array(c.x, seed)};
      Eqn e = traced_eqn(window_fn(false, c), avals_of(x), PrimId::reduce_window_sum);
      double err = transpose_error(e, x, 0, seed + 1);
      QVERIFY2(err < 1e-12, qPrintable(QString("reduce_window_sum: %1").arg(err)));
      seed += 2;
      if (dilated(c)) continue;
      Array op = rand_array(c.x, seed++);
      Tensors sargs{rand_array(reduce_window_max(op, c.dims, c.strides, c.pads).shape(), seed++),
                    op};
      QVERIFY(transpose_error(
                  traced_eqn(scatter_fn(c), avals_of(sargs), PrimId::select_and_scatter_add), sargs,
                  0, seed++) < 1e-12);
      Tensors gargs{rand_array(c.x, seed++), op};
      QVERIFY(
          transpose_error(traced_eqn(gather_fn(c), avals_of(gargs), PrimId::select_and_gather_add),
                          gargs, 0, seed++) < 1e-12);
    }
    // Max pooling with dilation has no gradient (as in JAX): the error says so.
    WinCase d = win_cases()[3];
    Tensors gargs{rand_array(d.x, 1), rand_array(d.x, 2)};
    Eqn e = traced_eqn(gather_fn(d), avals_of(gargs), PrimId::select_and_gather_add);
    QVERIFY(error_of([&] { transpose_error(e, gargs, 0, 3); }).find("dilation") !=
            std::string::npos);
  }

  void batchRulesMatchLoop() {
    uint64_t seed = 80;
    for (const WinCase& c : win_cases()) {
      for (bool is_max : {false, true}) {
        Eqn e = traced_eqn(window_fn(is_max, c), {{c.x, DType::f64}},
                           is_max ? PrimId::reduce_window_max : PrimId::reduce_window_sum);
        for (int bd : {0, 2, 4}) {
          Shape s = c.x;
          s.insert(s.begin() + bd, 3);
          double err = batch_error(e, {rand_array(s, seed++)}, {bd});
          QVERIFY2(err < 1e-14, qPrintable(QString("dim %1: %2").arg(bd).arg(err)));
        }
      }
      Shape ws =
          reduce_window_max(rand_array(c.x, 0), c.dims, c.strides, c.pads, c.bd, c.wd).shape();
      for (auto [d0, d1] : {std::pair{0, -1}, {-1, 1}, {2, 0}}) {
        Shape xs = c.x, s0 = c.x;
        if (d0 >= 0) s0.insert(s0.begin() + d0, 2);
        if (d1 >= 0) xs.insert(xs.begin() + d1, 2);
        Eqn g = traced_eqn(gather_fn(c), {{c.x, DType::f64}, {c.x, DType::f64}},
                           PrimId::select_and_gather_add);
        QVERIFY(batch_error(g, {rand_array(s0, seed++), rand_array(xs, seed++)}, {d0, d1}) < 1e-14);
        if (dilated(c)) continue;
        Shape ss = ws;
        if (d0 >= 0) ss.insert(ss.begin() + d0, 2);
        Eqn sc = traced_eqn(scatter_fn(c), {{ws, DType::f64}, {c.x, DType::f64}},
                            PrimId::select_and_scatter_add);
        QVERIFY(batch_error(sc, {rand_array(ss, seed++), rand_array(xs, seed++)}, {d0, d1}) <
                1e-14);
      }
    }
  }
};

QTEST_APPLESS_MAIN(WindowTest)
#include "window_test.moc"
