// Indexing primitives (slice, pad, concatenate, rev, iota) and the API over them: values against
// hand-computed results, JVPs against central differences in f64, batch rules against a loop over
// examples, transposes through <transpose(ct), v> == <ct, f(v)>, immutable at[] updates and the
// error messages.
#include <QtTest>

#include <cmath>

#include "engine/ir/interpreter.h"
#include "engine/ir/trace.h"
#include "engine/numpy.h"
#include "engine/transforms/jvp.h"
#include "unit/test_support.h"

using namespace engine;

namespace {

using P = PrimId;

// 0, 1, 2, ... in the given shape.
Array ramp(Shape shape, DType dtype = DType::f64) {
  std::vector<double> v(shape_size(shape));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
  return Array::from_vector(v, shape).astype(dtype);
}
Array vec(std::vector<double> v) { return Array::from_vector(v); }
// Deterministic, irregular values (no two equal), for tangents and cotangents.
Array wiggle(const Shape& shape, double seed = 0) {
  std::vector<double> v(shape_size(shape));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(1.7 * static_cast<double>(i) + 0.3 + seed) + 0.1 * seed;
  return Array::from_vector(v, shape);
}

std::string text(const Tensor& t) {
  std::string s = "(" + shape_str(t.shape()) + ")";
  for (double v : t.array().to_vector<double>()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " %g", v);
    s += buf;
  }
  return s;
}
std::string text(Shape shape, std::vector<double> values) {
  return text(Array::from_vector(values, shape));
}
#define EXPECT(t, shape, ...) QCOMPARE(QString::fromStdString(text(t)), \
                                       QString::fromStdString(text(shape, std::vector<double>__VA_ARGS__)))

double max_abs_diff(const Tensor& a, const Tensor& b) {
  auto x = a.array().to_vector<double>(), y = b.array().to_vector<double>();
  if (x.size() != y.size() || a.shape() != b.shape()) return INFINITY;
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::abs(x[i] - y[i]));
  return m;
}

#define EXPECT_ERROR(expr, ...)                                                         \
  do {                                                                                  \
    std::string msg_ = error_of([&] { (void)(expr); });                                 \
    for (const char* part_ : {__VA_ARGS__})                                              \
      QVERIFY2(msg_.find(part_) != std::string::npos, (msg_ + " lacks: " + part_).c_str()); \
  } while (0)

// The JVP of f at xs along irregular tangents against central differences (f is linear or smooth
// enough that eps = 1e-5 in f64 leaves ~1e-9 error).
void check_jvp(const FlatFn& f, const Tensors& xs) {
  Tensors ts, plus, minus;
  const double eps = 1e-5;
  for (size_t i = 0; i < xs.size(); ++i) {
    ts.push_back(wiggle(xs[i].shape(), static_cast<double>(i)));
    plus.push_back(xs[i] + eps * ts[i]);
    minus.push_back(xs[i] - eps * ts[i]);
  }
  auto [outs, touts] = jvp_flat(f, xs, ts);
  touts = instantiate_zeros(touts, avals_of(outs));
  Tensors fp = f(plus), fm = f(minus);
  for (size_t k = 0; k < outs.size(); ++k) {
    Tensor fd = (fp[k] - fm[k]) / (2 * eps);
    double err = max_abs_diff(fd, touts[k]);
    QVERIFY2(err < 1e-7, ("jvp output " + std::to_string(k) + " differs by " + std::to_string(err)).c_str());
    QVERIFY(max_abs_diff(outs[k], f(xs)[k]) == 0);
  }
}

// Element b of axis `axis`.
Tensor take(const Tensor& t, int axis, int64_t b) {
  Indices idx(axis, all());
  idx.push_back(b);
  return index(t, idx);
}

// The batch rule on batched operands against the primitive applied to each example in turn.
void check_batch(PrimId prim, const Tensors& args, std::vector<int> dims, const Params& params) {
  auto [outs, out_dims] = rules(prim).batch(args, dims, params);
  int64_t batch = 0;
  for (size_t i = 0; i < args.size(); ++i)
    if (dims[i] != kNotMapped) batch = args[i].shape()[dims[i]];
  for (int64_t b = 0; b < batch; ++b) {
    Tensors example;
    for (size_t i = 0; i < args.size(); ++i) example.push_back(dims[i] == kNotMapped ? args[i] : take(args[i], dims[i], b));
    Tensor expected = bind(prim, example, params)[0];
    Tensor got = out_dims[0] == kNotMapped ? outs[0] : take(outs[0], out_dims[0], b);
    QCOMPARE(QString::fromStdString(text(got)), QString::fromStdString(text(expected)));
  }
}

// <transpose(ct), v> summed over the linear operands equals <ct, f(v)>.
void check_transpose(PrimId prim, const Tensors& args, std::vector<bool> linear, const Params& params) {
  Tensor y = bind(prim, args, params)[0];
  Tensor ct = wiggle(y.shape(), 5);
  Tensors known = args;
  std::vector<Aval> avals;
  for (size_t i = 0; i < args.size(); ++i) {
    avals.push_back(args[i].aval());
    if (linear[i]) known[i] = Tensor();
  }
  Tensors cts = rules(prim).transpose(std::vector<Tensor>{ct}, known, avals, linear, params);
  double lhs = 0, rhs = sum(ct * y).item();
  for (size_t i = 0; i < args.size(); ++i) {
    if (!linear[i]) continue;
    QVERIFY(cts[i].defined());
    QCOMPARE(cts[i].shape(), args[i].shape());
    lhs += sum(cts[i] * args[i]).item();
  }
  QVERIFY2(std::abs(lhs - rhs) < 1e-9 * (1 + std::abs(rhs)),
           (std::to_string(lhs) + " != " + std::to_string(rhs)).c_str());
}

Params slice_params(IntList start, IntList limit, IntList strides) {
  return Params{{"limit_indices", limit}, {"start_indices", start}, {"strides", strides}};
}
Params pad_params(IntLists config) { return Params{{"padding_config", config}}; }
Tensor scalar(double v) { return Array::scalar(v, DType::f64); }

}  // namespace

class IndexingTest : public QObject {
  Q_OBJECT

 private slots:
  void slicePrimitive() {
    Array x = ramp({3, 4});
    EXPECT(slice(x, {1, 0}, {3, 4}, {1, 2}), Shape({2, 2}), ({4, 6, 8, 10}));
    EXPECT(slice(x, {0, 1}, {3, 4}, {2, 3}), Shape({2, 1}), ({1, 9}));
    EXPECT(slice(x, {2, 1}, {2, 4}), Shape({0, 3}), ({}));
    QVERIFY(slice(x, {0, 0}, {3, 4}).array().same_values(x));  // the whole array binds nothing
  }

  void padPrimitive() {
    Array x = vec({1, 2, 3});
    EXPECT(pad_general(x, scalar(0), {{1, 2, 1}}), Shape({8}), ({0, 1, 0, 2, 0, 3, 0, 0}));
    EXPECT(pad_general(x, scalar(9), {{-1, 1, 0}}), Shape({3}), ({2, 3, 9}));
    EXPECT(pad_general(x, scalar(7), {{-2, -1, 1}}), Shape({2}), ({2, 7}));  // [1 7 2 7 3] cropped
    EXPECT(pad_general(ramp({2, 2}), scalar(-1), {{1, 0, 0}, {0, 1, 1}}), Shape({3, 4}),
           ({-1, -1, -1, -1, 0, -1, 1, -1, 2, -1, 3, -1}));
    EXPECT(pad_general(ramp({0}), scalar(4), {{1, 1, 3}}), Shape({2}), ({4, 4}));
  }

  void concatenateAndRev() {
    Array a = ramp({2, 1}), b = ramp({2, 2});
    EXPECT(concatenate({a, b}, 1), Shape({2, 3}), ({0, 0, 1, 1, 2, 3}));
    EXPECT(concatenate({b, a.reshape({1, 2}), b}, -2), Shape({5, 2}), ({0, 1, 2, 3, 0, 1, 0, 1, 2, 3}));
    Tensor mixed = concatenate({ramp({2}, DType::i32), vec({0.5})});
    QCOMPARE(mixed.dtype(), DType::f64);
    EXPECT(mixed, Shape({3}), ({0, 1, 0.5}));
    Array x = ramp({2, 3});
    EXPECT(rev(x, {0}), Shape({2, 3}), ({3, 4, 5, 0, 1, 2}));
    EXPECT(rev(x, {-1}), Shape({2, 3}), ({2, 1, 0, 5, 4, 3}));
    EXPECT(rev(x, {0, 1}), Shape({2, 3}), ({5, 4, 3, 2, 1, 0}));
  }

  void iotaEagerAndTraced() {
    EXPECT(broadcasted_iota(DType::i32, {2, 3}, 1), Shape({2, 3}), ({0, 1, 2, 0, 1, 2}));
    EXPECT(broadcasted_iota(DType::f32, {2, 2}, 0), Shape({2, 2}), ({0, 0, 1, 1}));
    QCOMPARE(arange(4).dtype(), DType::i32);
    EXPECT(arange(4), Shape({4}), ({0, 1, 2, 3}));
    // A primitive without operands traces, prints and evaluates like any other.
    ClosedJaxpr cj = trace_to_jaxpr([](const Tensors& xs) { return Tensors{one_hot(xs[0], 3)}; },
                                    {Aval{{2}, DType::i32}});
    std::string printed = jaxpr_to_string(cj.jaxpr);
    QVERIFY2(printed.find("iota[dimension=0 dtype=int32 shape=(3,)]") != std::string::npos, printed.c_str());
    EXPECT(eval_jaxpr(cj, Tensors{ramp({2}, DType::i32)})[0], Shape({2, 3}), ({1, 0, 0, 0, 1, 0}));
    // Parameters print as JAX prints them (sorted names, strides=None when all 1).
    ClosedJaxpr sliced = trace_to_jaxpr([](const Tensors& xs) { return Tensors{index(xs[0], {Slice(1)})}; },
                                        {Aval{{3, 4}, DType::f32}});
    printed = jaxpr_to_string(sliced.jaxpr);
    QVERIFY2(printed.find("slice[limit_indices=(3, 4) start_indices=(1, 0) strides=None] a") != std::string::npos,
             printed.c_str());
  }

  void numpyIndexing() {
    Array x = ramp({3, 4});
    EXPECT(index(x, {1}), Shape({4}), ({4, 5, 6, 7}));
    EXPECT(index(x, {-1, Slice(1, 3)}), Shape({2}), ({9, 10}));
    EXPECT(index(x, {Slice({}, {}, -1)}), Shape({3, 4}), ({8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3}));
    EXPECT(index(x, {all(), Slice(3, 0, -2)}), Shape({3, 2}), ({3, 1, 7, 5, 11, 9}));
    EXPECT(index(x, {Slice({}, {}, 2), Slice(-3)}), Shape({2, 3}), ({1, 2, 3, 9, 10, 11}));
    EXPECT(index(x, {Slice(-1, -4, -1), -2}), Shape({3}), ({10, 6, 2}));
    EXPECT(index(x, {newaxis, 0}), Shape({1, 4}), ({0, 1, 2, 3}));
    EXPECT(index(x, {ellipsis, -1, newaxis}), Shape({3, 1}), ({3, 7, 11}));
    EXPECT(index(x, {Slice(-100, 100), Slice(5)}), Shape({3, 0}), ({}));
    EXPECT(index(x, {Slice(2, 1)}), Shape({0, 4}), ({}));
    EXPECT(index(x, {1, 2}), Shape({}), ({6}));
    QCOMPARE(index_str({0, Slice(1, 3), Slice({}, {}, -1), newaxis, ellipsis}), std::string("[0, 1:3, ::-1, None, ...]"));
  }

  void jnpHelpers() {
    Array a = vec({1, 2}), b = vec({3, 4});
    EXPECT(stack({a, b}), Shape({2, 2}), ({1, 2, 3, 4}));
    EXPECT(stack({a, b}, -1), Shape({2, 2}), ({1, 3, 2, 4}));
    auto parts = split(ramp({2, 6}), 3, 1);
    QCOMPARE(parts.size(), size_t{3});
    EXPECT(parts[2], Shape({2, 2}), ({4, 5, 10, 11}));
    auto cuts = split_at(ramp({5}), {2, -1, 1});
    QCOMPARE(cuts.size(), size_t{4});
    EXPECT(cuts[0], Shape({2}), ({0, 1}));
    EXPECT(cuts[1], Shape({2}), ({2, 3}));
    EXPECT(cuts[2], Shape({0}), ({}));
    EXPECT(cuts[3], Shape({1}), ({4}));
    EXPECT(pad(ramp({1, 2}), {{1, 0}, {0, 2}}, 5), Shape({2, 4}), ({5, 5, 5, 5, 0, 1, 5, 5}));
    EXPECT(pad(vec({1}), {{2, 1}}), Shape({4}), ({0, 0, 1, 0}));
    EXPECT(flip(ramp({2, 2})), Shape({2, 2}), ({3, 2, 1, 0}));
    EXPECT(flip(ramp({2, 2}), {1}), Shape({2, 2}), ({1, 0, 3, 2}));
    Tensor labels = Array::from_vector(std::vector<int32_t>{2, -1, 0, 3});
    EXPECT(one_hot(labels, 3), Shape({4, 3}), ({0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0}));
    QCOMPARE(one_hot(labels, 3, DType::i32).dtype(), DType::i32);
    Tensor idx = Array::from_vector(std::vector<int32_t>{2, 0, -1, 1}, {2, 2});
    EXPECT(take_along_axis(ramp({2, 3}), idx, 1), Shape({2, 2}), ({2, 0, 5, 4}));
    Tensor rows = Array::from_vector(std::vector<int32_t>{1, 0, 0}, {1, 3});
    EXPECT(take_along_axis(ramp({2, 3}), rows, 0), Shape({1, 3}), ({3, 1, 2}));
    EXPECT(linspace(scalar(1), scalar(2), 5), Shape({5}), ({1, 1.25, 1.5, 1.75, 2}));
    EXPECT(linspace(scalar(0), scalar(1), 4, false), Shape({4}), ({0, 0.25, 0.5, 0.75}));
    EXPECT(linspace(scalar(3), scalar(9), 1), Shape({1}), ({3}));
    EXPECT(eye(2, 3, 1), Shape({2, 3}), ({0, 1, 0, 0, 0, 1}));
    EXPECT(eye(3), Shape({3, 3}), ({1, 0, 0, 0, 1, 0, 0, 0, 1}));
  }

  void immutableUpdates() {
    Array x = ramp({3, 4});
    Array before = x;
    EXPECT(at(x, {1, Slice(0, 4, 2)}).set(-1), Shape({3, 4}), ({0, 1, 2, 3, -1, 5, -1, 7, 8, 9, 10, 11}));
    EXPECT(at(x, {Slice(1), 3}).add(vec({10, 20})), Shape({3, 4}), ({0, 1, 2, 3, 4, 5, 6, 17, 8, 9, 10, 31}));
    EXPECT(at(x, {0}).mul(vec({2, 3, 4, 5})), Shape({3, 4}), ({0, 3, 8, 15, 4, 5, 6, 7, 8, 9, 10, 11}));
    EXPECT(at(x, {2}).min(9.5), Shape({3, 4}), ({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9.5, 9.5}));
    EXPECT(at(x, {Slice(0, 2), 0}).max(vec({3, 3})), Shape({3, 4}), ({3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
    // A negative step walks backwards: the first update element lands on the last row.
    EXPECT(at(x, {Slice({}, {}, -1), 0}).set(vec({100, 200, 300})), Shape({3, 4}),
           ({300, 1, 2, 3, 200, 5, 6, 7, 100, 9, 10, 11}));
    EXPECT(at(x, {Slice(3, 0, -2), newaxis}).set(vec({-1, -2, -3, -4})), Shape({3, 4}),
           ({0, 1, 2, 3, 4, 5, 6, 7, -1, -2, -3, -4}));
    EXPECT(at(x, {Slice(2, 2)}).set(1), Shape({3, 4}), ({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
    EXPECT(at(x, {1, 1}).get(), Shape({}), ({5}));
    Tensor ints = at(ramp({3}, DType::i32), {-1}).add(2.0);
    QCOMPARE(ints.dtype(), DType::i32);
    EXPECT(ints, Shape({3}), ({0, 1, 4}));
    QVERIFY(x.same_values(before));
    QVERIFY(x.same_values(ramp({3, 4})));
  }

  void jvpsAgainstFiniteDifferences() {
    Array x = wiggle({3, 4}, 1);
    check_jvp([](const Tensors& a) { return Tensors{slice(a[0], {0, 1}, {3, 4}, {2, 2})}; }, {x});
    check_jvp([](const Tensors& a) { return Tensors{pad_general(a[0], a[1], {{-1, 2, 1}, {1, -2, 2}})}; },
              {x, scalar(0.5)});
    check_jvp([](const Tensors& a) { return Tensors{concatenate({a[0], a[1], a[0]}, 1)}; }, {x, wiggle({3, 2})});
    check_jvp([](const Tensors& a) { return Tensors{rev(a[0], {0, 1})}; }, {x});
    check_jvp([](const Tensors& a) { return Tensors{index(a[0], {Slice({}, {}, -2), newaxis, Slice(3, 0, -1)})}; },
              {x});
    check_jvp([](const Tensors& a) { return Tensors{at(a[0], {Slice(2, 0, -1), Slice(0, 4, 3)}).set(a[1])}; },
              {x, wiggle({2, 2})});
    check_jvp([](const Tensors& a) { return Tensors{at(a[0], {1}).mul(a[1])}; }, {x, wiggle({4})});
    check_jvp([](const Tensors& a) { return Tensors{at(a[0], {all(), 1}).max(a[1])}; }, {x, wiggle({3}, 4)});
    Tensor idx = Array::from_vector(std::vector<int32_t>{3, 0, -1}, {3, 1});
    check_jvp([idx](const Tensors& a) { return Tensors{take_along_axis(a[0], idx, 1)}; }, {x});
    check_jvp([](const Tensors& a) { return Tensors{linspace(a[0], a[1], 4)}; }, {scalar(-1), scalar(2)});
  }

  void batchRules() {
    Array x = ramp({3, 2, 5});
    check_batch(P::slice, {x}, {1}, slice_params({1, 0}, {3, 5}, {1, 2}));
    check_batch(P::rev, {x}, {2}, Params{{"dimensions", IntList{0, 1}}});
    check_batch(P::pad, {x, scalar(-1)}, {0, kNotMapped}, pad_params({{1, -1, 1}, {0, 2, 0}}));
    check_batch(P::pad, {x, vec({7, 8})}, {1, 0}, pad_params({{1, -1, 1}, {-1, 2, 2}}));
    check_batch(P::pad, {ramp({3}), vec({7, 8})}, {kNotMapped, 0}, pad_params({{2, 0, 1}}));
    check_batch(P::concatenate, {x, ramp({3, 1})}, {1, kNotMapped}, Params{{"dimension", int64_t{1}}});
    check_batch(P::concatenate, {ramp({2, 5}), x}, {kNotMapped, 1}, Params{{"dimension", int64_t{0}}});
    auto [outs, dims] = rules(P::iota).batch({}, {}, Params{{"dimension", int64_t{0}}, {"dtype", DType::i32},
                                                             {"shape", IntList{3}}});
    QCOMPARE(dims[0], kNotMapped);
    EXPECT(outs[0], Shape({3}), ({0, 1, 2}));
  }

  void transposes() {
    check_transpose(P::slice, {wiggle({5, 4})}, {true}, slice_params({1, 0}, {5, 3}, {2, 2}));
    check_transpose(P::slice, {wiggle({4})}, {true}, slice_params({3}, {3}, {1}));
    check_transpose(P::pad, {wiggle({3, 4}), scalar(0.7)}, {true, true}, pad_params({{-1, 2, 1}, {2, -3, 2}}));
    check_transpose(P::pad, {wiggle({3}), scalar(0)}, {true, false}, pad_params({{1, 1, 2}}));
    // An operand that is not transposed must be zero for f to be linear in the others.
    check_transpose(P::pad, {Array::zeros(DType::f64, {3}), scalar(0.3)}, {false, true}, pad_params({{1, -1, 2}}));
    check_transpose(P::concatenate, {wiggle({2, 1}), Array::zeros(DType::f64, {2, 3}), wiggle({2, 2}, 2)},
                    {true, false, true},
                    Params{{"dimension", int64_t{1}}});
    check_transpose(P::rev, {wiggle({2, 3})}, {true}, Params{{"dimensions", IntList{1}}});
  }

  void clearErrors() {
    Array x = ramp({3, 4});
    EXPECT_ERROR(index(x, {3}), "index 3 is out of bounds for axis 0 with size 3", "(3, 4)");
    EXPECT_ERROR(index(x, {0, -5}), "index -5 is out of bounds for axis 1 with size 4", "[0, -5]");
    EXPECT_ERROR(index(x, {0, 0, 0}), "too many indices", "(3, 4)");
    EXPECT_ERROR(index(x, {ellipsis, ellipsis}), "single ellipsis");
    EXPECT_ERROR(index(x, {Slice(0, 2, 0)}), "step cannot be zero");
    EXPECT_ERROR(at(x, {5}).set(1), "index 5 is out of bounds", "(3, 4)");
    EXPECT_ERROR(at(x, {Slice(1)}).set(vec({1, 2, 3})), "at[1:].set on f64[3,4]", "f64[3]", "(2, 4)");
    EXPECT_ERROR(slice(x, {0, 0}, {4, 4}), "out of bounds for f64[3,4]", "(4, 4)");
    EXPECT_ERROR(slice(x, {0}, {1}), "one entry per axis of f64[3,4]");
    EXPECT_ERROR(slice(x, {0, 0}, {3, 4}, {1, 0}), "strides (1, 0) must be positive");
    EXPECT_ERROR(pad_general(vec({1}), scalar(0), {{-1, -1, 0}}), "crops axis 0 of f64[1]");
    EXPECT_ERROR(pad_general(vec({1}), Array::scalar(0, DType::f32), {{1, 1, 0}}), "f32[]", "f64[1]");
    EXPECT_ERROR(concatenate({x, ramp({2, 3})}, 0), "f64[3,4], f64[2,3]");
    EXPECT_ERROR(concatenate({x, x}, 2), "concatenate axis 2 is out of range");
    EXPECT_ERROR(rev(x, {2}), "rev dimension 2");
    EXPECT_ERROR(split(x, 3, 1), "does not divide into 3");
    EXPECT_ERROR(stack({x, ramp({4, 3})}), "f64[3,4] and f64[4,3]");
    EXPECT_ERROR(broadcasted_iota(DType::boolean, {2}, 0), "iota: dtype must be numeric");
  }
};

QTEST_APPLESS_MAIN(IndexingTest)
#include "indexing_test.moc"
