// engine::nn::summarize / summary_table (what `gradient-cli model show` prints): the example of
// Flax's tabulate docstring (flax/linen/summary.py: Dense(4) then Dense(2) on float32[16,9] gives
// "40 (160 B)", "10 (40 B)", total "50 (200 B)"), Flax's _bytes_repr number forms, that
// variable_shapes lists exactly what init makes for every layer kind, and errors naming the layer.
#include <QtTest>

#include "engine/nn/nn.h"
#include "engine/random/random.h"
#include "engine/tree/tree.h"

using namespace engine;

namespace {

// The ("collection/name", shape) pairs init made, and those variable_shapes announced.
std::vector<std::pair<std::string, Shape>> made(const nn::Module& layer, const Shape& in) {
  std::vector<std::pair<std::string, Shape>> out;
  for (const auto& [path, leaf] : tree_flatten_with_path(layer.init(random::PRNGKey(0), Array::zeros(DType::f32, in))))
    out.emplace_back(path.slash(), leaf.shape());
  std::sort(out.begin(), out.end());
  return out;
}
std::vector<std::pair<std::string, Shape>> announced(const nn::Module& layer, const Shape& in) {
  std::vector<std::pair<std::string, Shape>> out;
  for (const nn::VariableShape& v : layer.variable_shapes(in)) out.emplace_back(v.collection + "/" + v.name, v.shape);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

class ModelSummaryTest : public QObject {
  Q_OBJECT

 private slots:
  void flaxTabulateDocstringExample() {
    nn::Sequential foo({nn::dense(4), nn::dense(2)}, "Foo");
    const nn::ModelSummary s = nn::summarize(foo, {16, 9}, foo.name());
    QCOMPARE(s.rows.size(), size_t{3});
    QCOMPARE(QString::fromStdString(s.rows[0].module), QString("Foo"));
    QCOMPARE(s.rows[0].output, (Shape{16, 2}));
    QCOMPARE(s.rows[1].params.count, int64_t{40});
    QCOMPARE(s.rows[1].params.bytes, int64_t{160});
    QCOMPARE(s.rows[2].input, (Shape{16, 4}));
    QCOMPARE(s.params.count, int64_t{50});
    QCOMPARE(s.batch_stats.count, int64_t{0});
    const QString table = QString::fromStdString(nn::summary_table(s));
    for (const char* cell : {"| Dense_0 | Dense  | float32[16,9] | float32[16,4] | bias: float32[4]     |",
                             "kernel: float32[9,4] |", "| 40 (160 B)           |", "| 10 (40 B)            |",
                             "| Total         | 50 (200 B)           |", "Total Parameters: 50 (200 B)"})
      QVERIFY2(table.contains(cell), qPrintable(cell + QString("\nnot in\n") + table));
    QVERIFY(!table.contains("batch_stats"));  // no column for a collection the model lacks
  }

  void flaxNumberForms() {
    QCOMPARE(nn::count_str(0), std::string("0"));
    QCOMPARE(nn::count_str(999), std::string("999"));
    QCOMPARE(nn::count_str(1000), std::string("1,000"));
    QCOMPARE(nn::count_str(824650), std::string("824,650"));
    QCOMPARE(nn::count_str(1234567890), std::string("1,234,567,890"));
    QCOMPARE(nn::bytes_str(200), std::string("200 B"));
    QCOMPARE(nn::bytes_str(1000), std::string("1,000 B"));  // strictly above 1e3 becomes KB
    QCOMPARE(nn::bytes_str(1001), std::string("1.0 KB"));
    QCOMPARE(nn::bytes_str(3298600), std::string("3.3 MB"));
    QCOMPARE(nn::bytes_str(int64_t{1234} * 1000 * 1000 * 1000), std::string("1,234.0 GB"));
    QCOMPARE(nn::typed_shape_str(DType::f32, {1, 28, 28, 1}), std::string("float32[1,28,28,1]"));
  }

  void cnnSummary() {
    nn::Sequential cnn = nn::from_spec(nn::builtin_spec("cnn"));
    const nn::ModelSummary s = nn::summarize(cnn, {1, 28, 28, 1}, cnn.name());
    QCOMPARE(s.rows.size(), cnn.layers().size() + 1);
    QCOMPARE(s.params.count, cnn.param_count({1, 28, 28, 1}));  // 824,650, as nn_test pins
    QCOMPARE(s.batch_stats.count, int64_t{2 * (32 + 64)});
    QCOMPARE(s.params.bytes, 4 * s.params.count);
    const QString table = QString::fromStdString(nn::summary_table(s));
    QVERIFY(table.contains("| Total               | 824,650 (3.3 MB)           | 192 (768 B)       |"));
    QVERIFY(table.contains("kernel: float32[3,3,32,64]"));
    QVERIFY(table.contains("Total Parameters: 824,842 (3.3 MB)"));
  }

  // variable_shapes must list what init makes, layer by layer, or the summary would lie.
  void variableShapesMatchInit() {
    nn::Sequential cnn = nn::from_spec(nn::builtin_spec("cnn"));
    Shape s{2, 28, 28, 1};
    for (size_t i = 0; i < cnn.layers().size(); ++i) {
      const nn::Module& layer = *cnn.layers()[i];
      QCOMPARE(announced(layer, s), made(layer, s));
      s = layer.output_shape(s);
    }
    nn::Dense no_bias(3, false);
    QCOMPARE(announced(no_bias, {2, 5}), made(no_bias, {2, 5}));
    QCOMPARE(announced(no_bias, {2, 5}).size(), size_t{1});
    QCOMPARE(announced(*nn::dropout(0.5), {2, 5}).size(), size_t{0});
  }

  void wrongInputNamesTheLayer() {
    nn::Sequential cnn = nn::from_spec(nn::builtin_spec("cnn"));
    try {
      nn::summarize(cnn, {1, 28, 28}, cnn.name());
      QFAIL("expected an error");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).startsWith("Conv_0: input (1, 28, 28) has rank 3"), e.what());
    }
    try {
      nn::summarize(nn::Sequential({nn::dense(3), nn::conv(2)}), {4, 5}, "");
      QFAIL("expected an error");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).startsWith("Conv_0: "), e.what());
    }
  }
};

QTEST_APPLESS_MAIN(ModelSummaryTest)
#include "model_summary_test.moc"
