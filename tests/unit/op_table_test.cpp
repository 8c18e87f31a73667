// The op table: one row per differentiable primitive or jnp function, and every row, on every
// shape case, through each check a primitive must pass (JAX's op-record tests):
//  - gradients (grad_check.h): jvp vs central finite differences in float64, linearize vs jvp,
//    and the transpose identity <vjp(u), v> == <u, jvp(v)>, to second order by default;
//  - vmap vs a loop: the batch rules, with every input mapped and with the last one unmapped;
//  - jit vs eager: tracing, the compiler's passes and its fused loops;
//  - the cpu backend vs the reference one, in float32 over a batch of 512 examples (so that the
//    vector loops, fused and eager, run full width), eager and jitted.
//
// Adding an op is one row: {name, function of the inputs, shape cases, input range, ...}. Shape
// cases list the input shapes of one call; the shared lists below cover scalars, vectors,
// matrices and NumPy broadcasting. A final test traces every row and fails if a primitive with a
// JVP rule is used by none of them, so new primitives get a row.
#include <QtTest>
#include <set>

#include "grad_check.h"
#include "engine/backend/backend.h"
#include "engine/ops/families.h"
#include "engine/ops/indexing_ops.h"
#include "engine/ir/trace.h"
#include "engine/transforms/jit.h"
#include "engine/transforms/vmap.h"

using namespace engine;
using engine::testing::check_grads;

namespace {

using Shapes = std::vector<Shape>;
using Fn = Tensor (*)(const Tensors&);

struct OpRow {
  const char* name;
  Fn fn;
  std::vector<Shapes> cases;
  double lo = -2, hi = 2;  // inputs drawn uniformly from [lo, hi)
  double tol = 1e-6;       // rtol and atol of jvp vs finite differences
  int order = 2;
  double eps = 1e-6;       // finite-difference step
};

const std::vector<Shapes> kUnary = {{{}}, {{3}}, {{2, 3}}};
const std::vector<Shapes> kBinary = {{{}, {}}, {{3}, {3}}, {{2, 3}, {}}, {{}, {2, 3}},
                                     {{2, 3}, {3}}, {{2, 1}, {1, 3}}};
const std::vector<Shapes> kMatrix = {{{2, 3}}, {{3, 1, 2}}};

#define UNARY(expr) [](const Tensors& in) { const Tensor& x = in[0]; return Tensor(expr); }
#define BINARY(expr) [](const Tensors& in) { const Tensor &x = in[0], &y = in[1]; return Tensor(expr); }

const std::vector<OpRow> kRows = {
    // elementwise unary
    {"neg", UNARY(-x), kUnary},
    {"abs", UNARY(abs(x)), kUnary},
    {"sign", UNARY(sign(x) * x), kUnary},
    {"floor", UNARY(floor(x) + x), kUnary},
    {"ceil", UNARY(ceil(x) * x), kUnary},
    {"round", UNARY(round(x) * x), kUnary},
    {"exp", UNARY(exp(x)), kUnary},
    {"log", UNARY(log(x)), kUnary, 0.2, 3},
    {"log1p", UNARY(log1p(x)), kUnary, -0.5, 2},
    {"expm1", UNARY(expm1(x)), kUnary},
    {"sin", UNARY(sin(x)), kUnary},
    {"cos", UNARY(cos(x)), kUnary},
    {"tan", UNARY(tan(x)), kUnary, -1.2, 1.2},
    {"tanh", UNARY(tanh(x)), kUnary},
    {"sigmoid", UNARY(sigmoid(x)), kUnary},
    {"sqrt", UNARY(sqrt(x)), kUnary, 0.2, 3},
    {"rsqrt", UNARY(rsqrt(x)), kUnary, 0.2, 3},
    {"erf", UNARY(erf(x)), kUnary},
    {"erf_inv", UNARY(erf_inv(x)), kUnary, -0.9, 0.9},
    {"integer_pow 3", UNARY(integer_pow(x, 3)), kUnary},
    {"integer_pow -2", UNARY(integer_pow(x, -2)), kUnary, 0.5, 2},
    {"square", UNARY(square(x)), kUnary},
    {"reciprocal", UNARY(reciprocal(x)), kUnary, 0.5, 2},
    // f32 round trip: rounding dominates small steps, so the step and tolerance are coarse.
    {"convert_element_type", UNARY(astype(astype(x, DType::f32), DType::f64) * x), kUnary, -2, 2, 1e-4,
     2, 1e-3},
    // elementwise binary, with broadcasting and scalar operands
    {"add", BINARY(x + y), kBinary},
    {"sub", BINARY(x - y), kBinary},
    {"mul", BINARY(x * y), kBinary},
    {"div", BINARY(x / y), kBinary, 0.5, 2},
    {"rem", BINARY(rem(x, y)), kBinary, 0.6, 3},
    {"pow", BINARY(pow(x, y)), kBinary, 0.5, 2},
    {"maximum", BINARY(maximum(x, y)), kBinary},
    {"minimum", BINARY(minimum(x, y)), kBinary},
    {"atan2", BINARY(atan2(x, y)), kBinary},
    {"where", BINARY(where(x > y, x * y, sin(x))), kBinary},
    {"square of sum", BINARY(square(x + y) * x), kBinary},
    // reductions
    {"sum", UNARY(sum(sin(x))), kUnary},
    {"sum axis", UNARY(sum(x, 0)), kMatrix},
    {"sum keepdims", UNARY(sum(x * x, IntList{-1}, true)), kMatrix},
    {"mean", UNARY(mean(x, 1)), kMatrix},
    {"max", UNARY(max(x)), kUnary},
    {"max axis", UNARY(max(x, 0)), kMatrix},
    {"min axis", UNARY(min(x, -1)), kMatrix},
    {"prod", UNARY(prod(x, IntList{0})), kMatrix, 0.5, 2},
    {"var", UNARY(var(x, IntList{1})), kMatrix},
    {"logsumexp", UNARY(logsumexp(x, 0)), kMatrix},
    {"softmax", UNARY(softmax(x, -1)), kMatrix},
    {"log_softmax", UNARY(log_softmax(x, 0)), kMatrix},
    // shape
    {"reshape", UNARY(reshape(x, {-1}) * reshape(x, {-1})), kMatrix},
    {"broadcast_to", UNARY(broadcast_to(x, {4, 3}) * 2.0), {{{3}}, {{1, 3}}, {{}}}},
    {"transpose", UNARY(transpose(x) * transpose(x)), kMatrix},
    {"transpose perm", UNARY(transpose(x, {1, 2, 0})), {{{2, 3, 4}}}},
    {"squeeze", UNARY(squeeze(x, {0}) * 3.0), {{{1, 3}}, {{1}}}},
    {"expand_dims", UNARY(expand_dims(x, 1)), kMatrix},
    // indexing
    {"slice", UNARY(slice(x, {0, 1}, {2, 3}) * 2.0), {{{2, 3}}, {{3, 4}}}},
    {"slice strided", UNARY(slice(x, {0, 0}, {3, 4}, {2, 3})), {{{3, 4}}}},
    {"pad", BINARY(pad_general(x, y, {{1, 0, 1}, {0, 2, 0}})), {{{2, 3}, {}}}},
    {"pad negative", BINARY(pad_general(x, y, {{-1, 1, 0}, {1, -1, 1}})), {{{3, 3}, {}}}},
    {"concatenate", BINARY(concatenate({x, y, x}, 0)), {{{2, 3}, {1, 3}}, {{1}, {2}}}},
    {"rev", UNARY(rev(x, {0}) * x), {{{2, 3}}, {{4}}}},
    {"index", UNARY(index(x, {1, Slice(0, 2)}) * 3.0), {{{3, 4}}}},
    {"at set", BINARY(at(x, {0, Slice(1, 3)}).set(y) * x), {{{2, 3}, {2}}}},
    // linear algebra, convolution, pooling
    {"matmul", BINARY(matmul(x, y)), {{{2, 3}, {3, 4}}, {{2, 2, 3}, {2, 3, 4}}, {{3}, {3}}, {{3}, {3, 2}}}},
    {"dot_general batch", BINARY(dot_general(x, y, {{2}, {1}, {0}, {0}})), {{{2, 3, 4}, {2, 4, 2}}}},
    {"conv same", BINARY(conv(x, y)), {{{1, 4, 4, 2}, {3, 3, 2, 3}}}},
    {"conv strided valid", BINARY(conv(x, y, {2, 2}, "VALID")), {{{2, 5, 5, 1}, {3, 3, 1, 2}}}},
    {"conv dilated", BINARY(conv(x, y, {1, 1}, "SAME", {2, 2})), {{{1, 5, 5, 1}, {2, 2, 1, 1}}}},
    {"avg_pool", UNARY(avg_pool(x, {2, 2}, {2, 2})), {{{1, 4, 4, 2}}}},
    {"max_pool", UNARY(max_pool(x, {2, 2}, {2, 2})), {{{1, 4, 4, 2}}}},
    {"max_pool overlapping same", UNARY(max_pool(x, {3, 3}, {1, 1}, "SAME")), {{{1, 3, 3, 1}}}},
    {"select_and_scatter_add", BINARY(select_and_scatter_add(x, y, {2, 2}, {2, 2}, {{0, 0}, {0, 0}})),
     {{{2, 2}, {4, 4}}}},
    {"select_and_gather_add", BINARY(select_and_gather_add(x, y, {2, 2}, {2, 2}, {{0, 0}, {0, 0}})),
     {{{4, 4}, {4, 4}}}},
    // activations (jax.nn composites)
    {"relu", UNARY(relu(x)), kUnary},
    {"swish", UNARY(swish(x)), kUnary},
    {"gelu tanh", UNARY(gelu(x, true)), kUnary},
    {"gelu erf", UNARY(gelu(x, false)), kUnary},
    {"elu", UNARY(elu(x)), kUnary},
    {"selu", UNARY(selu(x)), kUnary},
    {"softplus", UNARY(softplus(x)), kUnary},
    {"log_sigmoid", UNARY(log_sigmoid(x)), kUnary},
    {"leaky_relu", UNARY(leaky_relu(x, 0.1)), kUnary},
    // composites as models use them
    {"cross-entropy", UNARY(-sum(log_softmax(x, -1) * softmax(x * 0.5, -1))), kMatrix},
    {"tanh layer", BINARY(sum(tanh(x * y + 1.0) * x)), kBinary},
};

#undef UNARY
#undef BINARY

std::string shapes_str(const Shapes& s) {
  std::string out;
  for (const Shape& x : s) out += (out.empty() ? "" : ", ") + std::string("[") + shape_str(x) + "]";
  return out;
}

Tensors row_inputs(const OpRow& row, const Shapes& shapes, unsigned seed) {
  std::mt19937 rng(seed);
  Tensors xs;
  for (const Shape& s : shapes) xs.push_back(engine::testing::random_array(rng, s, DType::f64, row.lo, row.hi));
  return xs;
}

FlatFn flat(const OpRow& row) {
  return [fn = row.fn](const Tensors& in) { return Tensors{fn(in)}; };
}

// The row's inputs with a leading batch axis of `batch` examples, in `dtype`.
Tensors batched_inputs(const OpRow& row, const Shapes& shapes, int64_t batch, DType dtype, unsigned seed) {
  std::mt19937 rng(seed);
  Tensors xs;
  for (Shape s : shapes) {
    s.insert(s.begin(), batch);
    xs.push_back(engine::testing::random_array(rng, s, dtype, row.lo, row.hi));
  }
  return xs;
}

using TensorsFn = std::function<Tensor(const Tensors&)>;

// jit(fn)(xs), for the one or two inputs a row takes.
Tensor jitted(const TensorsFn& fn, const Tensors& xs) {
  if (xs.size() == 1) return jit([fn](Tensor x) { return fn({x}); })(xs[0]).leaf();
  QTEST_ASSERT(xs.size() == 2);
  return jit([fn](Tensor x, Tensor y) { return fn({x, y}); })(xs[0], xs[1]).leaf();
}

// The largest difference between got and want, relative to want's largest magnitude (at least 1);
// NaN where only one of them is NaN.
double scaled_error(const Tensor& got, const Tensor& want) {
  if (got.shape() != want.shape()) return INFINITY;
  std::vector<double> g = got.array().to_vector<double>(), w = want.array().to_vector<double>();
  double scale = 1, err = 0;
  for (double v : w)
    if (std::isfinite(v)) scale = std::max(scale, std::abs(v));
  for (size_t i = 0; i < w.size(); ++i) {
    if (std::isnan(g[i]) || std::isnan(w[i])) {
      if (std::isnan(g[i]) != std::isnan(w[i])) return NAN;
      continue;
    }
    if (g[i] == w[i]) continue;  // equal infinities too
    err = std::max(err, std::abs(g[i] - w[i]) / scale);
  }
  return err;
}

std::string row_case_name(const OpRow& row, const Shapes& shapes) {
  return std::string(row.name) + " (" + shapes_str(shapes) + ")";
}

// One data row per (op row, shape case), for every check.
void add_every_row_case() {
  QTest::addColumn<int>("row");
  QTest::addColumn<int>("shapes");
  for (size_t r = 0; r < kRows.size(); ++r)
    for (size_t c = 0; c < kRows[r].cases.size(); ++c)
      QTest::newRow(row_case_name(kRows[r], kRows[r].cases[c]).c_str()) << static_cast<int>(r)
                                                                        << static_cast<int>(c);
}

}  // namespace

class OpTableTest : public QObject {
  Q_OBJECT

 private slots:
  void gradients_data() { add_every_row_case(); }
  void gradients() {
    QFETCH(int, row);
    QFETCH(int, shapes);
    const OpRow& op = kRows[row];
    Tensors xs = row_inputs(op, op.cases[shapes], 1234u + row);
    engine::testing::GradCheckOptions opts;
    opts.rtol = opts.atol = op.tol;
    opts.order = op.order;
    opts.eps = op.eps;
    opts.seed = 99u + row;
    // The identity holds up to rounding, which the float32 round-trip row has more of.
    opts.identity_rtol = op.tol * 1e-3;
    std::string failure = check_grads(flat(op), xs, opts);
    QVERIFY2(failure.empty(), failure.c_str());
  }

  // vmap(f) on a batch of 3 equals f on each example, stacked: every input mapped, then the last
  // one unmapped (shared by every example), which takes the batch rules' broadcasting paths.
  void vmapMatchesALoop_data() { add_every_row_case(); }
  void vmapMatchesALoop() {
    QFETCH(int, row);
    QFETCH(int, shapes);
    const OpRow& op = kRows[row];
    const Shapes& case_shapes = op.cases[shapes];
    const int64_t batch = 3;
    Tensors xs = batched_inputs(op, case_shapes, batch, DType::f64, 55u + row);
    for (bool last_unmapped : {false, true}) {
      if (last_unmapped && xs.size() < 2) continue;
      Tensors args = xs;
      std::vector<int> dims(xs.size(), 0);
      if (last_unmapped) {
        args.back() = index(xs.back(), {0});
        dims.back() = kNotMapped;
      }
      Tensor got = vmap_flat(flat(op), args, dims, 0)[0];
      Tensors examples;
      for (int64_t b = 0; b < batch; ++b) {
        Tensors one;
        for (size_t k = 0; k < args.size(); ++k) one.push_back(dims[k] == 0 ? index(args[k], {b}) : args[k]);
        examples.push_back(op.fn(one));
      }
      const double err = scaled_error(got, stack(examples));
      QVERIFY2(err <= 1e-12, qPrintable(QString("%1 (last input %2): error %3")
                                            .arg(op.name, last_unmapped ? "unmapped" : "mapped")
                                            .arg(err)));
    }
  }

  void jitMatchesEager_data() { add_every_row_case(); }
  void jitMatchesEager() {
    QFETCH(int, row);
    QFETCH(int, shapes);
    const OpRow& op = kRows[row];
    Tensors xs = row_inputs(op, op.cases[shapes], 77u + row);
    const double err = scaled_error(jitted(op.fn, xs), op.fn(xs));
    QVERIFY2(err <= 1e-12, qPrintable(QString("%1: error %2").arg(op.name).arg(err)));
  }

  // float32 on the cpu backend (its eager loops and oneDNN kernels; jitted, also the fused loops)
  // against the reference backend's plain loops, over a batch of 512 examples of each case.
  void cpuBackendMatchesReference_data() { add_every_row_case(); }
  void cpuBackendMatchesReference() {
    QFETCH(int, row);
    QFETCH(int, shapes);
    const OpRow& op = kRows[row];
    Tensors xs = batched_inputs(op, op.cases[shapes], 512, DType::f32, 99u + row);
    const TensorsFn batched = [f = flat(op)](const Tensors& in) {
      return vmap_flat(f, in, std::vector<int>(in.size(), 0), 0)[0];
    };
    set_default_backend(&reference_backend());
    const Tensor want = batched(xs);
    set_default_backend(nullptr);
    const Tensor eager = batched(xs), compiled = jitted(batched, xs);
    // Elementwise primitives compute the reference's bits (their tile kernels are built from the
    // reference's scalar functions), and so do rows of nothing else but data movement; sums,
    // matmuls and convolutions add in another order (oneDNN's blocking, double partial sums).
    const std::set<PrimId> moves = {PrimId::broadcast_in_dim, PrimId::reshape, PrimId::transpose,
                                    PrimId::squeeze, PrimId::slice, PrimId::pad, PrimId::concatenate,
                                    PrimId::rev};
    bool elementwise = true;
    for (const Eqn& e : trace_to_jaxpr(FlatFn([&](const Tensors& in) { return Tensors{batched(in)}; }),
                                       avals_of(xs)).jaxpr.eqns)
      elementwise = elementwise && (rules(e.prim).tile || moves.count(e.prim));
    const double tolerance = elementwise ? 0 : 2e-5;
    for (const auto& [what, got] : {std::pair{"eager", eager}, std::pair{"jit", compiled}}) {
      const double err = scaled_error(got, want);
      QVERIFY2(err <= tolerance, qPrintable(QString("%1, %2: error %3 (tolerance %4)")
                                                .arg(op.name, what).arg(err).arg(tolerance)));
    }
  }

  // The checker must be able to fail: stop_gradient hides a term from the jvp but not from the
  // finite differences, so this function's derivative is "wrong" and must be reported.
  void checkerCatchesAWrongDerivative() {
    std::mt19937 rng(1);
    Tensors xs{engine::testing::random_array(rng, {4}, DType::f64)};
    FlatFn wrong = [](const Tensors& in) { return Tensors{sin(in[0]) + stop_gradient(in[0] * in[0])}; };
    std::string failure = check_grads(wrong, xs);
    QVERIFY(failure.find("jvp vs finite differences") != std::string::npos);
  }

  // Every registered primitive with a JVP rule appears in some row's jaxpr, except those listed
  // those listed here (boolean or integer valued: nothing to check numerically). stop_gradient
// has no row of its own (finite differences see through it) but softmax and logsumexp use it.
  void tableCoversEveryDifferentiablePrimitive() {
    std::set<PrimId> used;
    for (const OpRow& op : kRows)
      for (const Shapes& shapes : op.cases) {
        ClosedJaxpr cj = trace_to_jaxpr(flat(op), avals_of(row_inputs(op, shapes, 0)));
        for (const Eqn& e : cj.jaxpr.eqns) used.insert(e.prim);
      }
    const std::set<PrimId> exempt = {PrimId::not_, PrimId::is_finite, PrimId::and_, PrimId::or_,
                                     PrimId::xor_, PrimId::shift_left, PrimId::shift_right_logical,
                                     PrimId::eq, PrimId::ne, PrimId::lt, PrimId::le, PrimId::gt,
                                     PrimId::ge, PrimId::argmax, PrimId::argmin, PrimId::iota,
                                     PrimId::threefry2x32};
    std::string missing;
    for (int i = 0; i < kNumPrimitives; ++i) {
      auto id = static_cast<PrimId>(i);
      if (!has_rules(id) || !rules(id).jvp || exempt.count(id) || used.count(id)) continue;
      missing += (missing.empty() ? "" : ", ") + std::string(prim_name(id));
    }
    QVERIFY2(missing.empty(), ("no grad-table row uses: " + missing).c_str());
  }
};

QTEST_APPLESS_MAIN(OpTableTest)
#include "op_table_test.moc"
