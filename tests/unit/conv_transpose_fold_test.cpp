// compile: transposes around a conv (reverse mode puts three around every weight gradient) are
// read and written by the conv itself on the cpu backend (Backend::prepare_permuted). The folded
// step must give what the unfolded step and the reference backend give, to float32 accuracy, and
// a transpose the backend cannot fold (or one with other readers) must stay.
#include <QtTest>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/compile/executable.h"
#include "engine/numpy.h"
#include "engine/random/random.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/make_jaxpr.h"

using namespace engine;

namespace {

double rel_error(const Array& a, const Array& b) {
  if (a.shape() != b.shape()) return INFINITY;
  double scale = 1e-3, err = 0;
  for (int64_t k = 0; k < b.size(); ++k) scale = std::max(scale, std::fabs(b.at_flat(k)));
  for (int64_t k = 0; k < b.size(); ++k) err = std::max(err, std::fabs(a.at_flat(k) - b.at_flat(k)));
  return std::isnan(err) ? INFINITY : err / scale;
}

size_t folded_transposes(const Executable& exe) {
  size_t n = 0;
  for (const auto& s : exe.profile())
    if (s.label.rfind("conv_general_dilated", 0) == 0) n += s.eqns.size() - 1;
  return n;
}

}  // namespace

class ConvTransposeFoldTest : public QObject {
  Q_OBJECT
 private slots:
  void gradientsMatchUnfoldedAndReference_data() {
    QTest::addColumn<int>("channels");
    QTest::addColumn<int>("stride");
    QTest::addColumn<int>("dilation");
    QTest::newRow("one input channel") << 1 << 1 << 1;
    QTest::newRow("three channels") << 3 << 1 << 1;
    QTest::newRow("strided") << 4 << 2 << 1;
    QTest::newRow("dilated") << 2 << 1 << 2;
  }
  void gradientsMatchUnfoldedAndReference() {
    QFETCH(int, channels);
    QFETCH(int, stride);
    QFETCH(int, dilation);
    Array x = random::normal(random::PRNGKey(1), {3, 9, 8, channels});
    Array w = random::normal(random::PRNGKey(2), {3, 3, channels, 5});
    auto loss = [stride, dilation](const Tensor& w, const Tensor& x) {
      Tensor y = conv(x, w, {stride, stride}, "SAME", {dilation, dilation});
      return sum(tanh(y) * y);
    };
    ClosedJaxpr cj = make_jaxpr(grad(loss, {.argnums = {0, 1}}))(w, x);
    std::vector<Array> args{w, x};
    auto folded = compile(cj, cpu_backend(), {.profile = true});
    auto plain = compile(cj, cpu_backend(), {.fold_transposes = false, .profile = true});
    auto reference = compile(cj, reference_backend(), {.fold_transposes = true});
    // The weight gradient's three transposes at least (the input gradient's kernel transpose
    // feeds a rev, so it stays).
    QVERIFY2(folded_transposes(*folded) >= 3, format_profile(folded->profile()).c_str());
    QCOMPARE(folded_transposes(*plain), size_t{0});
    auto a = folded->run(args), b = plain->run(args), r = reference->run(args);
    QCOMPARE(a.size(), r.size());
    for (size_t i = 0; i < a.size(); ++i) {
      QVERIFY2(rel_error(a[i], r[i]) < 1e-5, a[i].repr().c_str());
      QVERIFY2(rel_error(b[i], r[i]) < 1e-5, b[i].repr().c_str());
    }
  }

  void transposeWithAnotherReaderStays() {
    // t feeds the conv and is also returned: it must be computed, so it is not folded.
    Array x = random::normal(random::PRNGKey(3), {4, 6, 6, 2});
    Array w = random::normal(random::PRNGKey(4), {3, 3, 2, 4});
    ClosedJaxpr cj = make_jaxpr([](const Tensor& x, const Tensor& w) {
      Tensor t = transpose(x, {0, 2, 1, 3});
      return std::make_tuple(conv(t, w), t);
    })(x, w);
    auto exe = compile(cj, cpu_backend(), {.profile = true});
    QCOMPARE(folded_transposes(*exe), size_t{0});
    auto out = exe->run(std::vector<Array>{x, w});
    auto want = compile(cj, reference_backend())->run(std::vector<Array>{x, w});
    QVERIFY(rel_error(out[0], want[0]) < 1e-5);
    QVERIFY(out[1].same_values(want[1]));
  }

  void transposedInputOfAForwardConv() {
    // A transpose whose only reader is a plain forward conv: read through strides.
    Array x = random::normal(random::PRNGKey(5), {6, 5, 4, 3});
    Array w = random::normal(random::PRNGKey(6), {3, 3, 3, 2});
    ClosedJaxpr cj = make_jaxpr([](const Tensor& x, const Tensor& w) {
      return transpose(conv(transpose(x, {0, 2, 1, 3}), w), {3, 1, 2, 0});
    })(x, w);
    auto exe = compile(cj, cpu_backend(), {.profile = true});
    QCOMPARE(folded_transposes(*exe), size_t{2});
    auto out = exe->run(std::vector<Array>{x, w});
    auto want = compile(cj, reference_backend())->run(std::vector<Array>{x, w});
    QVERIFY2(rel_error(out[0], want[0]) < 1e-5, out[0].repr().c_str());
  }
};

QTEST_APPLESS_MAIN(ConvTransposeFoldTest)
#include "conv_transpose_fold_test.moc"
