// A short training run, end to end as the reference programs do it: a small CNN with BatchNorm,
// a TrainState with SGD + momentum, one jitted step that returns the new batch_stats as grad's
// aux, and eval with the running averages frozen. The data is a task a few steps can learn
// (bright top half vs bright bottom half), so the loss must fall and eval must classify it.
#include <QtTest>

#include "engine/nn/nn.h"
#include "engine/numpy.h"
#include "engine/optim/optim.h"
#include "engine/random/random.h"
#include "engine/train/losses.h"
#include "engine/train/metrics.h"
#include "engine/train/train_state.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/jit.h"
#include "engine/tree/tree.h"

using namespace engine;

namespace {

// n 8x8x1 images: label 0 lights the top half, label 1 the bottom half, plus uniform noise.
std::pair<Array, Array> halves_task(uint32_t seed, int64_t n) {
  Array noise = random::uniform(random::PRNGKey(seed), {n, 8, 8, 1}, 0.0, 0.5);
  Array x = Array::empty(DType::f32, {n, 8, 8, 1});
  std::vector<int32_t> labels;
  const float* pn = noise.data<float>();
  float* px = x.mutable_data<float>();
  for (int64_t i = 0; i < n; ++i) {
    const int label = static_cast<int>(i % 2);
    labels.push_back(label);
    for (int r = 0; r < 8; ++r)
      for (int c = 0; c < 8; ++c) {
        const int64_t k = i * 64 + r * 8 + c;
        px[k] = pn[k] + ((r < 4) == (label == 0) ? 0.5f : 0.0f);
      }
  }
  return {x, Array::from_vector(labels)};
}

}  // namespace

class TrainLoopTest : public QObject {
  Q_OBJECT

 private slots:
  void cnnWithBatchNormLearns() {
    nn::Sequential model({nn::conv(4, {3, 3}), nn::batch_norm(0.9), nn::activation("relu"),
                          nn::avg_pool({2, 2}, {2, 2}), nn::flatten(), nn::dense(2)});
    PyTree variables = model.init(random::PRNGKey(0), zeros({1, 8, 8, 1}));
    train::ApplyFn apply_fn = [model](const PyTree& v, const PyTree& in) { return PyTree(model(v, in.leaf())); };
    train::TrainState state = train::TrainState::create(apply_fn, variables["params"], optim::sgd(0.05, 0.9),
                                                        PyTree::dict({{"batch_stats", variables["batch_stats"]}}));
    auto step = jit([base = state, model](PyTree tree, Tensor x, Tensor y) {
      train::TrainState s = base.from_tree(tree);
      auto loss_fn = [&](const PyTree& params) {
        nn::ApplyResult r = model.apply(s.with_params(params).variables(), x,
                                        {.train = true, .mutable_collections = {"batch_stats"}});
        Tensor loss = mean(train::softmax_cross_entropy_with_integer_labels(r.out, y));
        return PyTree::tuple({loss, r.updated["batch_stats"]});
      };
      PyTree vg = value_and_grad(loss_fn, {.has_aux = true})(s.params);
      train::TrainState next = s.apply_gradients(vg[1]).with_extra(PyTree::dict({{"batch_stats", vg[0][1]}}));
      return PyTree::tuple({next.to_tree(), vg[0][0]});
    });

    auto [x, y] = halves_task(1, 32);
    const PyTree stats0 = state.extra;
    std::vector<double> losses;
    for (int i = 0; i < 30; ++i) {
      PyTree out = step(state.to_tree(), x, y);
      state = state.from_tree(out[0]);
      losses.push_back(out[1].leaf().item());
    }
    QCOMPARE(state.step.item(), 30.0);
    QVERIFY2(losses.back() < 0.5 * losses.front(),
             ("loss " + std::to_string(losses.front()) + " -> " + std::to_string(losses.back())).c_str());
    // The running mean moved away from its initial zeros (training mutated batch_stats).
    QVERIFY(max(abs(state.extra["batch_stats"]["BatchNorm_0"]["mean"].leaf())).item() > 1e-3);
    QCOMPARE(tree_structure(state.extra), tree_structure(stats0));

    // Eval on fresh data with the running averages: the task is learnt, and eval leaves them alone.
    auto [tx, ty] = halves_task(2, 64);
    Tensor logits = state.apply(PyTree(Tensor(tx))).leaf();
    const double acc = train::accuracy(logits, ty).item();
    qInfo("loss %.4f -> %.4f in 30 steps; eval accuracy %.3f", losses.front(), losses.back(), acc);
    QVERIFY2(acc >= 0.9, ("eval accuracy " + std::to_string(acc)).c_str());
    nn::ApplyResult frozen = model.apply(state.variables(), tx, {.train = false, .mutable_collections = {"batch_stats"}});
    QCOMPARE(max(abs(frozen.updated["batch_stats"]["BatchNorm_0"]["var"].leaf() -
                     state.extra["batch_stats"]["BatchNorm_0"]["var"].leaf())).item(), 0.0);
  }
};

QTEST_APPLESS_MAIN(TrainLoopTest)
#include "train_loop_test.moc"
