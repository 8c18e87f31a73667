// compile/fusion: elementwise chains of one shape run as one tiled loop, with results bit for bit
// those of unfused evaluation (the fused ops share the reference kernels' scalar functions).
#include <omp.h>

#include <QtTest>

#include "engine/backend/backend.h"
#include "engine/compile/executable.h"
#include "engine/compile/fusion.h"
#include "engine/ir/interpreter.h"
#include "engine/ir/trace.h"
#include "engine/numpy.h"
#include "engine/random/random.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/make_jaxpr.h"

using namespace engine;

namespace {
Array normal(int seed, Shape s) { return random::normal(random::PRNGKey(seed), s); }

// Compiles with and without fusion and compares every output bit for bit.
void check_bitwise(const ClosedJaxpr& cj, const std::vector<Array>& args, size_t min_groups) {
  auto fused = compile(cj, reference_backend(), {.fuse_elementwise = true});
  auto plain = compile(cj, reference_backend(), {.fuse_elementwise = false});
  QVERIFY2(fused->num_fused_groups() >= min_groups, jaxpr_to_string(cj.jaxpr).c_str());
  auto a = fused->run(args), b = plain->run(args);
  QCOMPARE(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) QVERIFY2(a[i].same_values(b[i]), a[i].repr().c_str());
}
// Sums inside a fused loop add per-thread double partials: equal to the unfused sums up to the
// rounding of those partials.
bool close(const Array& a, const Array& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  std::vector<float> x = a.to_vector<float>(), y = b.to_vector<float>();
  for (size_t i = 0; i < x.size(); ++i)
    if (std::abs(x[i] - y[i]) > 1e-6f + 1e-6f * std::abs(y[i])) return false;
  return true;
}

void check_close(const ClosedJaxpr& cj, const std::vector<Array>& args) {
  auto fused = compile(cj, reference_backend(), {.fuse_elementwise = true});
  auto plain = compile(cj, reference_backend(), {.fuse_elementwise = false});
  auto a = fused->run(args), b = plain->run(args);
  QCOMPARE(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) QVERIFY2(close(a[i], b[i]), (a[i].repr() + " vs " + b[i].repr()).c_str());
}

size_t fused_sums(const std::vector<Step>& steps) {
  size_t n = 0;
  for (const Step& s : steps) n += s.group ? s.group->reductions.size() : 0;
  return n;
}
}  // namespace

class FusionTest : public QObject {
  Q_OBJECT
 private slots:
  void activationChainIsOneLoop() {
    // 2000 elements: several tiles, the last one partial.
    Array x = normal(1, {2000});
    ClosedJaxpr cj = make_jaxpr([](const Tensor& v) { return selu(v) + swish(v) * gelu(v) - relu(v) / 3.0; })(x);
    std::vector<Step> steps = plan_fusion(cj.jaxpr);
    QCOMPARE(steps.size(), size_t{1});
    QVERIFY(steps[0].group != nullptr);
    check_bitwise(cj, {x}, 1);
  }

  void gradientOfAnMlpKeepsItsNumbers() {
    Array x = normal(2, {8, 5}), w = normal(3, {5, 7}), b = normal(4, {7});
    auto loss = [](const Tensor& w, const Tensor& x, const Tensor& b) {
      return mean(square(tanh(matmul(x, w) + b)) + sigmoid(matmul(x, w)));
    };
    ClosedJaxpr cj = make_jaxpr(value_and_grad(loss))(w, x, b);
    check_bitwise(cj, {w, x, b}, 1);
  }

  void valuesLeavingTheGroupAreWrittenOnce() {
    // exp(x) is both an output and an input of later ops; the comparison is a boolean output.
    Array x = normal(5, {3, 300});
    ClosedJaxpr cj = make_jaxpr([](const Tensor& v) {
      Tensor e = exp(v);
      return std::make_tuple(e, e * 2.0 + 1.0, e > 1.0, where(v > 0.0, v, zeros_like(v)));
    })(x);
    check_bitwise(cj, {x}, 1);
    std::vector<Array> args{x};
    auto out = compile(cj, reference_backend())->run(args);
    QCOMPARE(out[2].dtype(), DType::boolean);
  }

  void nonElementwiseConsumersSplitGroups() {
    // The reduction reads a group value: the group must run before it, and what follows the
    // reduction starts a new group.
    Array x = normal(6, {4, 64});
    ClosedJaxpr cj = make_jaxpr([](const Tensor& v) {
      Tensor a = exp(v) * v;
      Tensor s = sum(a, -1, true);
      return tanh(a / s) + sin(a);
    })(x);
    check_bitwise(cj, {x}, 2);
  }

  void scalarsAndLiteralsBroadcastInsideTheLoop() {
    Array x = normal(7, {1000});
    Array s = Array::scalar(0.25f);
    ClosedJaxpr cj = make_jaxpr([](const Tensor& v, const Tensor& c) {
      return integer_pow(v * c + 1.5, 3) + full_like(v, 2.0) * maximum(v, c);
    })(x, s);
    check_bitwise(cj, {x, s}, 1);
  }

  void rowBroadcastsRunInsideTheLoop() {
    // BatchNorm's shape: per-channel rows [C] broadcast over [N, H, W, C]; 3 * 50 * 7 = 1050
    // elements, so tiles start in the middle of a row. Transcendentals and negative powers too.
    Array x = normal(8, {3, 5, 10, 7}), mean = normal(9, {7}), scale = normal(10, {7});
    ClosedJaxpr cj = make_jaxpr([](const Tensor& v, const Tensor& m, const Tensor& g) {
      Tensor y = (v - m) * g + 0.5;
      return exp(y) * tanh(y) + integer_pow(y, -2) + log1p(abs(y)) + expm1(y) * sigmoid(y) + log(y * y);
    })(x, mean, scale);
    std::vector<Step> steps = plan_fusion(cj.jaxpr);
    QCOMPARE(steps.size(), size_t{1});
    QVERIFY(steps[0].group != nullptr);
    check_bitwise(cj, {x, mean, scale}, 1);
    // 32 channels divide the tile, so the rows are laid out once per loop rather than per tile;
    // 3 * 10 * 9 * 32 elements end in a part tile.
    Array x32 = normal(14, {3, 10, 9, 32}), mean32 = normal(15, {32}), scale32 = normal(16, {32});
    ClosedJaxpr channels = make_jaxpr([](const Tensor& v, const Tensor& m, const Tensor& g) {
      return exp((v - m) * g) + g;
    })(x32, mean32, scale32);
    QCOMPARE(plan_fusion(channels.jaxpr).size(), size_t{1});
    check_bitwise(channels, {x32, mean32, scale32}, 1);
    // Rows with size-1 axes (a keepdims mean) too.
    ClosedJaxpr keepdims = make_jaxpr([](const Tensor& v, const Tensor& m) {
      return exp(v - broadcast_in_dim(m, {3, 5, 10, 7}, {0, 1, 2, 3}));
    })(x, normal(13, {1, 1, 1, 7}));
    QCOMPARE(plan_fusion(keepdims.jaxpr).size(), size_t{1});
    check_bitwise(keepdims, {x, normal(13, {1, 1, 1, 7})}, 1);
    // A broadcast along another axis stays a plain equation.
    ClosedJaxpr lead = make_jaxpr([](const Tensor& v, const Tensor& c) {
      return exp(v + broadcast_in_dim(c, {4, 3}, {0}));
    })(normal(11, {4, 3}), normal(12, {4}));
    QCOMPARE(plan_fusion(lead.jaxpr).size(), size_t{2});
    check_bitwise(lead, {normal(11, {4, 3}), normal(12, {4})}, 1);
  }

  void leadingSumsAccumulateInsideTheLoop() {
    // BatchNorm's statistics over [N, H, W, C] (9 * 11 * 13 * 32 elements: many tiles, split among
    // threads) and the total of a loss: one loop reads x once for mean, mean of squares and the
    // normalized output, and the squares never reach memory.
    Array x = normal(14, {9, 11, 13, 32});
    ClosedJaxpr cj = make_jaxpr([](const Tensor& v) {
      Tensor m = mean(v, {0, 1, 2}), m2 = mean(v * v, {0, 1, 2});
      Tensor y = (v - m) * rsqrt(m2 - m * m + 1e-5);
      return std::make_tuple(y, sum(exp(y)), m);
    })(x);
    std::vector<Step> steps = plan_fusion(cj.jaxpr);
    QCOMPARE(fused_sums(steps), size_t{3});
    check_close(cj, {x});
    // The same sums, bit for bit, whatever the number of threads.
    auto exe = compile(cj, reference_backend());
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    auto one = exe->run(std::vector<Array>{x});
    omp_set_num_threads(3);
    auto three = exe->run(std::vector<Array>{x});
    omp_set_num_threads(threads);
    for (size_t i = 0; i < one.size(); ++i) QVERIFY(one[i].same_values(three[i]));
    // Widths that do not divide a tile (10 channels; a row of 3 * 7) take the modulo path.
    Array odd = normal(15, {37, 3, 7}), ten = normal(16, {301, 10});
    ClosedJaxpr rows = make_jaxpr([](const Tensor& a, const Tensor& b) {
      return std::make_tuple(sum(tanh(a), {0}), sum(b * 2.0, {0}), sum(b * b));
    })(odd, ten);
    QCOMPARE(fused_sums(plan_fusion(rows.jaxpr)), size_t{3});
    check_close(rows, {odd, ten});
  }

  void readingASumClosesItsGroup() {
    // x - sum(x) over the same shape: the subtraction needs the finished sum, so it runs in a
    // second loop after the one that sums.
    Array x = normal(17, {64, 16});
    ClosedJaxpr cj = make_jaxpr([](const Tensor& v) {
      Tensor e = exp(v);
      return e - sum(e, {0}, true);
    })(x);
    check_close(cj, {x});
  }

  void gradientOfBatchNormKeepsItsNumbers() {
    Array x = normal(18, {4, 6, 6, 8}), g = normal(19, {8});
    auto loss = [](const Tensor& v, const Tensor& scale) {
      Tensor m = mean(v, {0, 1, 2}), var = mean(square(v - m), {0, 1, 2});
      return sum(square(relu((v - m) * rsqrt(var + 1e-5) * scale)));
    };
    ClosedJaxpr cj = make_jaxpr(value_and_grad(loss, {.argnums = {0, 1}}))(x, g);
    QVERIFY(fused_sums(plan_fusion(cj.jaxpr)) >= 3);
    check_close(cj, {x, g});
  }

  void backwardLoopsRecomputeCheapForwardValues() {
    // BatchNorm then relu, forward and backward: the backward loop reads x (and the cotangent)
    // and recomputes x - mean, the normalized value and the relu mask itself, so the forward loop
    // does not write them: no loop writes a boolean mask, and the results do not change.
    // A product follows (as a conv or pooling does in a CNN), so forward and backward are loops
    // of their own.
    Array x = normal(20, {4, 6, 6, 8}), g = normal(21, {8}), w = normal(22, {8, 3});
    auto loss = [](const Tensor& v, const Tensor& scale, const Tensor& weight) {
      Tensor m = mean(v, {0, 1, 2}), var = mean(v * v, {0, 1, 2}) - m * m;
      return sum(tanh(matmul(relu((v - m) * rsqrt(var + 1e-5) * scale), weight)));
    };
    ClosedJaxpr cj = make_jaxpr(value_and_grad(loss, {.argnums = {0, 1}}))(x, g, w);
    for (const Step& step : plan_fusion(cj.jaxpr))
      if (step.group)
        for (DType d : step.group->output_dtypes) QVERIFY(d != DType::boolean);
    check_close(cj, {x, g, w});
  }

  void valuesOnlyARecomputingLoopNeededAreNotComputed() {
    // swish between two products, forward and backward: the backward loop recomputes
    // s = logistic(z) and s * (1 - s) from z, so the forward loop, which wrote them for it,
    // computes only z * s: no sub (1 - s) is left in it. The numbers do not change.
    Array x = normal(23, {8, 6}), w = normal(24, {6, 16}), v = normal(25, {16, 3});
    auto loss = [](const Tensor& x, const Tensor& w, const Tensor& v) {
      return sum(tanh(matmul(swish(matmul(x, w)), v)));
    };
    ClosedJaxpr cj = make_jaxpr(grad(loss, {.argnums = {1}}))(x, w, v);
    bool forward_seen = false;
    for (const Step& step : plan_fusion(cj.jaxpr)) {
      if (!step.group || step.group->shape != Shape{8, 16} || !step.group->reductions.empty()) continue;
      const bool has_logistic = std::any_of(step.group->ops.begin(), step.group->ops.end(),
                                            [](const FusedGroup::Op& op) { return op.prim == PrimId::logistic; });
      const bool has_sub = std::any_of(step.group->ops.begin(), step.group->ops.end(),
                                       [](const FusedGroup::Op& op) { return op.prim == PrimId::sub; });
      if (has_logistic && step.group->output_regs.size() == 1 && !forward_seen) {
        forward_seen = true;
        QVERIFY2(!has_sub, jaxpr_to_string(cj.jaxpr).c_str());
      }
    }
    QVERIFY(forward_seen);
    check_close(cj, {x, w, v});
  }
};

QTEST_APPLESS_MAIN(FusionTest)
#include "fusion_test.moc"
