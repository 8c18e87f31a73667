// engine/train/classifier_eval: the confusion matrix of label lists and of a tiny Dense model with
// hand-set weights, whose predictions, losses and probabilities are worked out below by hand.
#include <QtTest>
#include <cmath>

#include "engine/nn/dense.h"
#include "engine/nn/sequential.h"
#include "engine/train/classifier_eval.h"
#include "unit/test_support.h"

using namespace engine;
using namespace engine::train;

namespace {
double logsumexp(std::initializer_list<double> v) {
  double s = 0;
  for (double x : v) s += std::exp(x);
  return std::log(s);
}
}  // namespace

class ClassifierEvalTest : public QObject {
  Q_OBJECT
 private slots:
  void confusionOfLabelLists() {
    const std::vector<int64_t> m = confusion_matrix({0, 0, 1, 2, 2, 2}, {0, 1, 1, 2, 0, 2}, 3);
    QCOMPARE(m, (std::vector<int64_t>{1, 1, 0,   //
                                      0, 1, 0,   //
                                      1, 0, 2}));
    QVERIFY(error_of([] { confusion_matrix({0, 3}, {0, 0}, 3); }).find("example 1") != std::string::npos);
    QVERIFY(error_of([] { confusion_matrix({0}, {0, 1}, 3); }).find("1 true labels but 2") != std::string::npos);
  }

  // logits = x K + b with K = [[1, 0, -1], [0, 1, -1]], b = [0, 0, 0.5]: (x0, x1, 0.5 - x0 - x1).
  void tinyFixedModel() {
    nn::Sequential model({nn::dense(3)}, "tiny", Shape{2});
    PyTree vars = PyTree::dict(
        {{"params",
          PyTree::dict({{"Dense_0", PyTree::dict({{"kernel", Array::from_vector<float>({1, 0, -1, 0, 1, -1}, {2, 3})},
                                                  {"bias", Array::from_vector<float>({0, 0, 0.5f}, {3})}})}})}});
    //            x          logits            predicted  true
    // e0  (2, 0)     (2, 0, -1.5)         0          0
    // e1  (0, 2)     (0, 2, -1.5)         1          1
    // e2  (0, 0)     (0, 0, 0.5)          2          2
    // e3  (1, 0)     (1, 0, -0.5)         0          1   wrong, loss lse(1, 0, -0.5) - 0   = 1.46
    // e4  (-1, -1)   (-1, -1, 2.5)        2          2
    // e5  (0, 3)     (0, 3, -2.5)         1          0   wrong, loss lse(0, 3, -2.5) - 0   = 3.05
    data::Split split{Array::from_vector<float>({2, 0, 0, 2, 0, 0, 1, 0, -1, -1, 0, 3}, {6, 2}),
                      Array::from_vector<int32_t>({0, 1, 2, 1, 2, 0}, {6})};
    std::vector<std::pair<int64_t, int64_t>> progress;
    // Batches of 4: the second one is short.
    ClassifierEval e = evaluate_classifier(model, vars, split, 3, 4,
                                           {.on_batch = [&](int64_t d, int64_t n) { progress.push_back({d, n}); }});
    QCOMPARE(progress, (std::vector<std::pair<int64_t, int64_t>>{{4, 6}, {6, 6}}));
    QCOMPARE(e.examples(), int64_t{6});
    QCOMPARE(e.predicted, (std::vector<int32_t>{0, 1, 2, 0, 2, 1}));
    QCOMPARE(e.confusion, (std::vector<int64_t>{1, 1, 0,   //
                                                1, 1, 0,   //
                                                0, 0, 2}));
    QCOMPARE(e.class_totals(), (std::vector<int64_t>{2, 2, 2}));
    QCOMPARE(e.per_class_accuracy(), (std::vector<double>{0.5, 0.5, 1.0}));
    QCOMPARE(e.accuracy(), 4.0 / 6.0);
    QCOMPARE(e.misclassified_by_loss(), (std::vector<int64_t>{5, 3}));
    QVERIFY(std::abs(e.loss[3] - logsumexp({1, 0, -0.5})) < 1e-5);
    QVERIFY(std::abs(e.loss[5] - logsumexp({0, 3, -2.5})) < 1e-5);
    QVERIFY(std::abs(e.loss[0] - (logsumexp({2, 0, -1.5}) - 2)) < 1e-5);
    // Probabilities: softmax of e0's logits, rows summing to 1.
    const double z = std::exp(2.0) + 1 + std::exp(-1.5);
    QVERIFY(std::abs(e.probabilities[0] - std::exp(2.0) / z) < 1e-6);
    QVERIFY(std::abs(e.probabilities[2] - std::exp(-1.5) / z) < 1e-6);
    for (int i = 0; i < 6; ++i)
      QVERIFY(std::abs(e.probabilities[i * 3] + e.probabilities[i * 3 + 1] + e.probabilities[i * 3 + 2] - 1) < 1e-6);
    double mean = 0;
    for (float l : e.loss) mean += l;
    QCOMPARE(e.mean_loss(), mean / 6);
  }

  void aClassWithoutExamplesHasNoAccuracy() {
    ClassifierEval e;
    e.num_classes = 2;
    e.true_label = {0, 0};
    e.predicted = {0, 1};
    e.loss = {0.1f, 2.0f};
    e.confusion = confusion_matrix(e.true_label, e.predicted, 2);
    QCOMPARE(e.per_class_accuracy()[0], 0.5);
    QVERIFY(std::isnan(e.per_class_accuracy()[1]));
  }

  void badInputsAreErrors() {
    nn::Sequential model({nn::dense(3)}, "tiny", Shape{2});
    PyTree vars = PyTree::dict(
        {{"params",
          PyTree::dict({{"Dense_0", PyTree::dict({{"kernel", Array::from_vector<float>({1, 0, -1, 0, 1, -1}, {2, 3})},
                                                  {"bias", Array::from_vector<float>({0, 0, 0.5f}, {3})}})}})}});
    data::Split split{Array::from_vector<float>({2, 0}, {1, 2}), Array::from_vector<int32_t>({0}, {1})};
    QVERIFY(error_of([&] { evaluate_classifier(model, vars, split, 0, 4); }).find("no classes") != std::string::npos);
    QVERIFY(error_of([&] { evaluate_classifier(model, vars, split, 4, 4); }).find("not (batch, 4)") != std::string::npos);
    std::atomic<bool> cancel{true};
    QVERIFY(error_of([&] { evaluate_classifier(model, vars, split, 3, 4, {.cancel = &cancel}); }) ==
            "evaluation cancelled");
  }
};

QTEST_GUILESS_MAIN(ClassifierEvalTest)
#include "classifier_eval_test.moc"
