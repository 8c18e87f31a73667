// Optimization passes: each one's effect on the jaxpr text, and that the optimized jaxpr computes
// bit-identical results on random inputs (including jaxprs produced by jvp and vmap).
#include <QtTest>

#include "engine/compile/passes.h"
#include "engine/ir/interpreter.h"
#include "engine/ir/trace.h"
#include "engine/numpy.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/jvp.h"
#include "engine/transforms/make_jaxpr.h"
#include "engine/transforms/vmap.h"

using namespace engine;

namespace {

using P = PrimId;

Array randu(const Aval& aval, uint32_t seed) {
  Array a = Array::empty(aval.dtype, aval.shape);
  uint32_t s = seed * 2654435761u + 7;
  dispatch_dtype(aval.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = a.mutable_data<T>();
    for (int64_t i = 0; i < a.size(); ++i) {
      s ^= s << 13, s ^= s >> 17, s ^= s << 5;
      p[i] = static_cast<T>(static_cast<double>(s % 40000) / 10000.0 - 2.0);
    }
  });
  return a;
}

Array zeros_f32(Shape s) { return Array::zeros(DType::f32, std::move(s)); }

QString text(const ClosedJaxpr& cj) { return QString::fromStdString(jaxpr_to_string(cj.jaxpr)); }

// Evaluates both jaxprs on the same random inputs (several draws) and requires identical bits, or
// with `bits` off equal values (for the documented rewrites that may flip the sign of a zero).
void check_same_results(const ClosedJaxpr& before, const ClosedJaxpr& after, const std::string& what,
                        bool bits = true) {
  QCOMPARE(after.jaxpr.in_avals(), before.jaxpr.in_avals());
  QCOMPARE(after.jaxpr.out_avals(), before.jaxpr.out_avals());
  for (uint32_t draw = 0; draw < 3; ++draw) {
    Tensors args;
    for (size_t i = 0; i < before.jaxpr.invars.size(); ++i)
      args.push_back(randu(before.jaxpr.avals[before.jaxpr.invars[i]], draw * 31 + static_cast<uint32_t>(i)));
    Tensors want = eval_jaxpr(before, args), got = eval_jaxpr(after, args);
    for (size_t k = 0; k < want.size(); ++k)
      QVERIFY2(bits ? got[k].array().same_values(want[k].array())
                    : got[k].array().to_vector<double>() == want[k].array().to_vector<double>(),
               (what + ": output " + std::to_string(k) + " got " + got[k].array().repr() + " want " +
                want[k].array().repr() + "\n" + jaxpr_to_string(after.jaxpr))
                   .c_str());
  }
}

}  // namespace

class PassesTest : public QObject {
  Q_OBJECT

 private slots:
  void dceRemovesUnusedEquationsAndConsts() {
    Array c = randu({{3}, DType::f32}, 1);
    ClosedJaxpr cj = make_jaxpr([c](Tensor x) {
      Tensor unused = exp(x) * Tensor(c);
      return sin(x);
    })(zeros_f32({3}));
    QCOMPARE(cj.jaxpr.eqns.size(), size_t(3));
    QCOMPARE(cj.consts.size(), size_t(1));
    PassStats stats;
    ClosedJaxpr out = dce(cj, &stats);
    QCOMPARE(text(out), QString("{ lambda ; a:f32[3]. let b:f32[3] = sin a in (b,) }"));
    QCOMPARE(stats.removed, 2);
    QCOMPARE(out.jaxpr.avals.size(), size_t(2));  // renumbered densely
    check_same_results(cj, out, "dce");
  }

  void cseMergesIdenticalEquationsOnly() {
    ClosedJaxpr cj = make_jaxpr([](Tensor x, Tensor y) { return sin(x) * y + sin(x) * y; })(zeros_f32({3}), zeros_f32({3}));
    PassStats stats;
    ClosedJaxpr out = dce(cse(cj, &stats));
    QCOMPARE(stats.merged, 2);
    QCOMPARE(text(out), QString("{ lambda ; a:f32[3] b:f32[3]. let c:f32[3] = sin a; d:f32[3] = mul c b; "
                                "e:f32[3] = add d d in (e,) }"));
    check_same_results(cj, out, "cse");
    // Different params, literals or inputs are different computations.
    ClosedJaxpr distinct = make_jaxpr([](Tensor x) {
      return std::make_tuple(sum(x, 0), sum(x, 1), x * 2.0, x * 3.0, astype(x * 2.0, DType::f64));
    })(zeros_f32({3, 3}));
    ClosedJaxpr kept = cse(distinct, &stats);
    QCOMPARE(kept.jaxpr.eqns.size(), distinct.jaxpr.eqns.size() - 1);  // only the second x * 2.0
    check_same_results(distinct, kept, "cse distinct");
  }

  void constantFoldingEvaluatesSmallConstants() {
    Array c = Array::from_vector<float>({1, 2, 3});
    ClosedJaxpr cj = make_jaxpr([c](Tensor x) { return x + exp(Tensor(c)) * 2.0; })(zeros_f32({3}));
    PassStats stats;
    ClosedJaxpr out = optimize(cj, {}, &stats);
    QCOMPARE(text(out), QString("{ lambda a:f32[3]; b:f32[3]. let c:f32[3] = add b a in (c,) }"));
    QVERIFY(stats.folded >= 2);
    QVERIFY(out.consts[0].array().same_values((exp(Tensor(c)) * 2.0).array()));
    check_same_results(cj, out, "fold");
    // Scalars fold into literals.
    ClosedJaxpr scalars = make_jaxpr([](Tensor x) {
      return x * (Tensor(Array::scalar(2)) + Tensor(Array::scalar(3)));
    })(zeros_f32({3}));
    QCOMPARE(text(optimize(scalars)), QString("{ lambda ; a:f32[3]. let b:f32[3] = mul a 5.0 in (b,) }"));
    // Above the size limit nothing folds: no big constants appear.
    Array big = randu({{100}, DType::f32}, 2);
    ClosedJaxpr large = make_jaxpr([big](Tensor x) { return x + exp(Tensor(big)) + zeros_like(x); })(zeros_f32({100}));
    ClosedJaxpr large_out = optimize(large);
    QCOMPARE(large_out.consts.size(), size_t(1));
    QVERIFY(large_out.consts[0].array().same_values(big));
    check_same_results(large, large_out, "fold large");
  }

  void transposedProductSwapsItsOperands() {
    // The weight gradient of x @ w: reverse mode emits dot_general(g, x) then a transpose; the
    // pass computes dot_general(x, g) directly. Same sums in the same order: same bits (checked on
    // the reference backend, whose loops fix the order).
    auto weight_grad = [](Tensor w, Tensor x) {
      return grad([](const Tensor& ww, const Tensor& xx) { return sum(matmul(xx, ww)); })(w, x);
    };
    ClosedJaxpr cj = make_jaxpr([](Tensor x, Tensor g) {
      return transpose(dot_general(g, x, {{0}, {0}, {}, {}}));
    })(zeros_f32({4, 3}), zeros_f32({4, 5}));
    PassStats stats;
    ClosedJaxpr out = optimize(cj, {}, &stats);
    QCOMPARE(text(out), QString("{ lambda ; a:f32[4,3] b:f32[4,5]. let c:f32[3,5] = dot_general["
                                "dimension_numbers=((0,), (0,), (), ()) precision=None "
                                "preferred_element_type=None] a b in (c,) }"));
    set_default_backend(&reference_backend());
    check_same_results(cj, out, "transposed product");
    // A batched product: the batch axis stays in front.
    ClosedJaxpr batched = make_jaxpr([](Tensor x, Tensor g) {
      return transpose(dot_general(g, x, {{1}, {1}, {0}, {0}}), {0, 2, 1});
    })(zeros_f32({2, 4, 3}), zeros_f32({2, 4, 5}));
    ClosedJaxpr batched_out = optimize(batched);
    QCOMPARE(batched_out.jaxpr.eqns.size(), size_t(1));
    check_same_results(batched, batched_out, "batched transposed product");
    set_default_backend(nullptr);
    // Kept when the product has another reader, or when the permutation is not the swap.
    ClosedJaxpr shared = make_jaxpr([](Tensor x, Tensor g) {
      Tensor d = dot_general(g, x, {{0}, {0}, {}, {}});
      return std::make_tuple(transpose(d), d);
    })(zeros_f32({4, 3}), zeros_f32({4, 5}));
    QCOMPARE(optimize(shared).jaxpr.eqns.size(), size_t(2));
    QCOMPARE(optimize(shared).jaxpr.eqns[1].prim, P::transpose);
    ClosedJaxpr other = make_jaxpr([](Tensor x, Tensor g) {
      return transpose(dot_general(g, x, {{1}, {1}, {0}, {0}}), {2, 1, 0});
    })(zeros_f32({2, 4, 3}), zeros_f32({2, 4, 5}));
    QCOMPARE(optimize(other).jaxpr.eqns.back().prim, P::transpose);
    // What autodiff emits for a weight gradient has no transpose left.
    ClosedJaxpr grad_jaxpr = optimize(make_jaxpr(weight_grad)(zeros_f32({3, 5}), zeros_f32({4, 3})));
    for (const Eqn& e : grad_jaxpr.jaxpr.eqns) QVERIFY(e.prim != P::transpose);
  }

  void simplifyForwardsIdentities() {
    auto identities = [](Tensor x) {
      Tensor y = ((x * 1.0) / 1.0 + 0.0 - 0.0) * ones_like(x);
      y = zeros_like(x) + 1.0 * y;
      y = bind1(P::convert_element_type, {y}, Params{{"new_dtype", DType::f32}, {"weak_type", false}});
      y = bind1(P::reshape, {y}, Params{{"new_sizes", IntList{2, 3}}, {"dimensions", std::string("None")}});
      y = bind1(P::transpose, {y}, Params{{"permutation", IntList{0, 1}}});
      y = bind1(P::broadcast_in_dim, {y}, Params{{"shape", IntList{2, 3}}, {"broadcast_dimensions", IntList{0, 1}}});
      y = integer_pow(y, 1);
      return bind1(P::reduce_sum, {y}, Params{{"axes", IntList{}}});
    };
    ClosedJaxpr cj = make_jaxpr(identities)(zeros_f32({2, 3}));
    PassStats stats;
    ClosedJaxpr out = optimize(cj, {}, &stats);
    QVERIFY(out.jaxpr.eqns.empty());
    QCOMPARE(out.jaxpr.outvars[0].var, out.jaxpr.invars[0]);
    QVERIFY(stats.simplified >= 11);
    check_same_results(cj, out, "identities");
    // A transpose that permutes is kept even when the shape happens to be unchanged.
    ClosedJaxpr square = make_jaxpr([](Tensor x) { return transpose(x); })(zeros_f32({3, 3}));
    QCOMPARE(optimize(square).jaxpr.eqns.size(), size_t(1));
  }

  void zeroProductsBecomeZeros() {
    ClosedJaxpr cj = make_jaxpr([](Tensor x, Tensor s) {
      return std::make_pair(x * zeros_like(x) + sin(x) * 0.0 * 4.0, s * 0.0);
    })(zeros_f32({3}), zeros_f32({}));
    ClosedJaxpr out = optimize(cj);
    QCOMPARE(text(out), QString("{ lambda ; a:f32[3] b:f32[]. let c:f32[3] = broadcast_in_dim[broadcast_dimensions=() "
                                "shape=(3,)] 0.0 in (c, 0.0) }"));
    check_same_results(cj, out, "zero products", false);  // finite inputs: equal up to the sign of 0
    PassOptions strict;
    strict.fold_zero_products = false;
    QCOMPARE(optimize(cj, strict).jaxpr.eqns.size(), size_t(6));
  }

  void scalarBroadcastsFeedElementwiseOpsDirectly() {
    ClosedJaxpr cj = make_jaxpr([](Tensor x, Tensor s) {
      Tensor a = x * broadcast_to(s, x.shape());
      Tensor b = a + full_like(x, 2.0);
      return where(b > full_like(x, 0.5), b, broadcast_to(s, x.shape()));
    })(zeros_f32({4}), zeros_f32({}));
    ClosedJaxpr out = optimize(cj);
    QCOMPARE(text(out), QString("{ lambda ; a:f32[4] b:f32[]. let c:f32[4] = mul a b; d:f32[4] = add c 2.0; "
                                "e:bool[4] = gt d 0.5; f:f32[4] = select_n e b d in (f,) }"));
    check_same_results(cj, out, "scalar broadcasts");
    // With both operands broadcast, one keeps the output's shape.
    ClosedJaxpr both = make_jaxpr([](Tensor s, Tensor t) {
      return broadcast_to(s, {3}) * broadcast_to(t, {3});
    })(zeros_f32({}), zeros_f32({}));
    ClosedJaxpr both_out = optimize(both);
    QCOMPARE(both_out.jaxpr.out_avals()[0].shape, (Shape{3}));
    QCOMPARE(both_out.jaxpr.eqns.size(), size_t(2));
    check_same_results(both, both_out, "both broadcast");
  }

  void optimizedAutodiffAndVmapJaxprsComputeTheSame() {
    const std::vector<std::pair<std::string, std::function<Tensor(Tensor)>>> fns = {
        {"sin*x", [](Tensor x) { return sin(x) * x; }},
        {"softmax", [](Tensor x) { return softmax(x, -1); }},
        {"logsumexp", [](Tensor x) { return logsumexp(x, 1); }},
        {"gelu+relu", [](Tensor x) { return gelu(x) + relu(x) * 3.0; }},
        {"mean square", [](Tensor x) { return mean(square(x - 1.0)); }},
        {"elu/softplus", [](Tensor x) { return elu(x) * softplus(x) + leaky_relu(x); }},
        {"max+var", [](Tensor x) { return max(x, 0) + var(x, {0}); }},
    };
    for (const auto& named : fns) {  // not a structured binding: clang 14 cannot capture one
      const auto& name = named.first;
      const auto& f = named.second;
      auto jvp_f = [f](Tensor x, Tensor t) { return jvp(f, {x}, {t}); };
      ClosedJaxpr j1 = make_jaxpr(jvp_f)(zeros_f32({3, 4}), zeros_f32({3, 4}));
      ClosedJaxpr o1 = optimize(j1);
      QVERIFY(o1.jaxpr.eqns.size() <= j1.jaxpr.eqns.size());
      check_same_results(j1, o1, name + " jvp");
      ClosedJaxpr j2 = make_jaxpr(vmap(jvp_f, {0, std::nullopt}))(zeros_f32({2, 3, 4}), zeros_f32({3, 4}));
      ClosedJaxpr o2 = optimize(j2);
      QVERIFY(o2.jaxpr.eqns.size() <= j2.jaxpr.eqns.size());
      check_same_results(j2, o2, name + " vmap(jvp)");
    }
  }
};

QTEST_APPLESS_MAIN(PassesTest)
#include "passes_test.moc"
