// The layer catalog: it lists every spec type with complete rows, its field checks word errors as
// the spec reader does, build/write round-trip every layer, and check_spec() reports every layer's
// status, shape and parameter count without throwing (the same numbers as describe()).
#include <QtTest>

#include "engine/nn/nn.h"

using namespace engine;
using json = nlohmann::json;

namespace {

QString q(const std::string& s) {
  return QString::fromStdString(s);
}

json spec_of(const json& layers, const json& input_shape = json{28, 28, 1}) {
  return json{{"name", "t"}, {"input_shape", input_shape}, {"layers", layers}};
}

}  // namespace

class LayerCatalogTest : public QObject {
  Q_OBJECT

 private slots:
  void everyTypeHasACompleteRow() {
    QCOMPARE(nn::layer_catalog().size(), nn::layer_types().size());
    std::vector<std::string> types;
    for (const nn::LayerDef& d : nn::layer_catalog()) {
      types.push_back(d.type);
      QVERIFY2(!d.flax_name.empty() && !d.doc.empty() && d.build && d.write, d.type.c_str());
      const auto& cats = nn::layer_categories();
      QVERIFY2(std::find(cats.begin(), cats.end(), d.category) != cats.end(), d.category.c_str());
      for (const nn::FieldDef& f : d.fields) {
        QVERIFY2(!f.doc.empty(), f.name.c_str());
        QVERIFY2(!f.problem(f.initial()), (d.type + "." + f.name).c_str());  // a new layer is valid
      }
      QCOMPARE(nn::find_layer(d.type), &d);
    }
    QVERIFY(types == nn::layer_types());
    for (const std::string& a : nn::Activation::names())
      QCOMPARE(q(nn::find_layer(a)->category), QString("activation"));
    QVERIFY(nn::find_layer("resnet") == nullptr);
    QCOMPARE(q(nn::find_layer("conv")->flax_name), QString("Conv"));
    QCOMPARE(q(nn::find_layer("flatten")->category), QString("reshape"));
    QCOMPARE(q(nn::find_layer("dropout")->category), QString("regularization"));
  }

  void fieldsDescribeThemselves() {
    const nn::LayerDef& bn = *nn::find_layer("batch_norm");
    const nn::FieldDef& eps = *bn.field("epsilon");
    QCOMPARE(eps.kind, nn::FieldKind::number);
    QCOMPARE(eps.default_value->get<double>(), 1e-5);
    QVERIFY(eps.min_open && !eps.max_open);
    QCOMPARE(q(eps.expected()), QString("a number in (0, 1]"));
    QCOMPARE(q(*eps.problem(0)), QString("must be a number in (0, 1], got 0"));
    QVERIFY(!eps.problem(1e-3));
    const nn::FieldDef& features = *nn::find_layer("dense")->field("features");
    QVERIFY(features.required());
    QCOMPARE(q(features.expected()), QString("a positive integer"));
    QVERIFY(features.problem(2.5));
    const nn::FieldDef& padding = *nn::find_layer("conv")->field("padding");
    QCOMPARE(padding.kind, nn::FieldKind::choice);
    QCOMPARE(q(padding.expected()), QString("\"SAME\" or \"VALID\""));
    QCOMPARE(nn::find_layer("avg_pool")->field("window")->kind, nn::FieldKind::int_pair);
    QCOMPARE(q(nn::new_layer("dense").dump()), QString(R"({"features":64,"type":"dense"})"));
    QCOMPARE(q(nn::new_layer("relu").dump()), QString(R"({"type":"relu"})"));
  }

  void buildAndWriteRoundTrip() {
    for (const nn::LayerDef& d : nn::layer_catalog()) {
      const json layer = nn::new_layer(d.type);
      const nn::ModulePtr m = nn::layer_from_json(layer, 0);
      QCOMPARE(q(m->kind()), q(d.flax_name));
      const json back = nn::layer_to_json(*m);
      QCOMPARE(q(back["type"].get<std::string>()), q(d.type));
      QCOMPARE(back.size(), d.fields.size() + 1);  // every field written, defaults included
      QCOMPARE(q(nn::layer_to_json(*nn::layer_from_json(back, 0)).dump()), q(back.dump()));
    }
    // swish and silu are the same function but stay distinct types.
    QCOMPARE(q(nn::layer_to_json(*nn::activation("silu"))["type"].get<std::string>()),
             QString("silu"));
    QCOMPARE(q(nn::layer_to_json(*nn::max_pool({2, 2}, {2, 2}))["type"].get<std::string>()),
             QString("max_pool"));
  }

  void checkLayerCollectsEveryProblem() {
    const nn::CheckedLayer c = nn::check_layer(
        json{{"type", "conv"}, {"features", 0}, {"padding", "same"}, {"alpha", 1}}, 3);
    QCOMPARE(c.errors.size(), size_t{3});
    QCOMPARE(q(c.errors[0].field), QString("alpha"));
    QCOMPARE(q(c.errors[1].message),
             QString("layers[3] (conv): 'features' must be a positive integer, got 0"));
    QCOMPARE(q(c.errors[2].field), QString("padding"));
    QCOMPARE(q(nn::check_layer(json{{"type", "dens"}}, 0).errors.at(0).field), QString("type"));
  }

  void checkMatchesDescribe() {
    for (const char* name : {"mlp", "cnn", "linear"}) {
      const json spec = nn::builtin_spec(name);
      const nn::Sequential m = nn::from_spec(spec);
      const std::vector<nn::LayerInfo> info = nn::describe(m, nn::batched_input_shape(m, 1));
      const nn::SpecReport r = nn::check_spec(spec);
      QVERIFY2(r.ok, r.problem.c_str());
      QCOMPARE(q(r.problem), QString());
      QCOMPARE(r.layers.size(), info.size());
      for (size_t i = 0; i < info.size(); ++i) {
        QCOMPARE(q(r.layers[i].name), q(info[i].name));
        QVERIFY(r.layers[i].output_shape == info[i].output_shape);
        QCOMPARE(r.layers[i].param_count, info[i].param_count);
        QCOMPARE(r.layers[i].status, nn::LayerStatus::ok);
      }
      QCOMPARE(r.total_params, nn::total_params(info));
    }
    const nn::SpecReport mlp = nn::check_spec(nn::builtin_spec("mlp"));
    QCOMPARE(mlp.total_params, int64_t{407050});
    QVERIFY(*mlp.output_shape() == (Shape{1, 10}));
    QCOMPARE(q(nn::shape_text(mlp.layers[0].output_shape)), QString("(1, 784)"));
    // The given input shape wins over the spec's.
    const nn::SpecReport small = nn::check_spec(nn::builtin_spec("mlp"), Shape{4, 4});
    QCOMPARE(small.total_params, int64_t{16 * 512 + 512 + 512 * 10 + 10});
  }

  void convAfterFlattenIsAShapeError() {
    const nn::SpecReport r = nn::check_spec(spec_of(json::parse(
        R"([{"type": "flatten"}, {"type": "conv", "features": 8}, {"type": "relu"}, {"type": "dense", "features": 10}])")));
    QVERIFY(!r.ok);
    QCOMPARE(r.layers[0].status, nn::LayerStatus::ok);
    QCOMPARE(r.layers[1].status, nn::LayerStatus::error);
    QCOMPARE(q(r.layers[1].name), QString("Conv_0"));
    QCOMPARE(q(r.layers[1].message),
             QString("layers[1] (conv): input (1, 784) has rank 2 but Conv needs NHWC (rank 4)"));
    QCOMPARE(q(r.problem), q(r.layers[1].message));
    QCOMPARE(r.errors.size(), size_t{1});
    QCOMPARE(q(r.errors[0].field), QString());
    QCOMPARE(r.errors[0].layer, 1);
    for (int i : {2, 3}) {
      QCOMPARE(r.layers[i].status, nn::LayerStatus::after_error);
      QVERIFY(!r.layers[i].output_shape);
      QCOMPARE(q(r.layers[i].message),
               QString("output shape unknown: follows the error at layers[1]"));
    }
    QCOMPARE(q(r.layers[3].name), QString("Dense_0"));
    QCOMPARE(r.total_params, int64_t{0});
  }

  void badFieldInTheMiddle() {
    const nn::SpecReport r = nn::check_spec(spec_of(json::parse(R"([{"type": "flatten"},
        {"type": "dense", "features": 32}, {"type": "relu"}, {"type": "dense", "features": -3},
        {"type": "dropout", "rate": 2}, {"type": "dense", "features": 10}])")));
    QVERIFY(!r.ok);
    QCOMPARE(r.layers.size(), size_t{6});
    QCOMPARE(q(r.problem),
             QString("layers[3] (dense): 'features' must be a positive integer, got -3"));
    QCOMPARE(r.layers[3].status, nn::LayerStatus::error);
    QCOMPARE(q(r.layers[3].name), QString("Dense_1"));
    QCOMPARE(r.layers[4].status, nn::LayerStatus::error);  // its own field error, reported too
    QCOMPARE(q(r.errors[1].field), QString("rate"));
    QCOMPARE(r.errors[1].layer, 4);
    QCOMPARE(r.layers[5].status, nn::LayerStatus::after_error);
    QCOMPARE(q(r.layers[5].name), QString("Dense_2"));
    QCOMPARE(r.total_params, int64_t{784 * 32 + 32});  // the valid prefix
    QVERIFY(*r.layers[2].output_shape == (Shape{1, 32}));
  }

  void unknownTypeAndSpecErrors() {
    const nn::SpecReport r =
        nn::check_spec(spec_of(json::parse(R"([{"type": "dens"}, {"type": "relu"}])")));
    QVERIFY(!r.ok);
    QCOMPARE(q(r.layers[0].type), QString("dens"));
    QCOMPARE(q(r.layers[0].name), QString());
    QCOMPARE(q(r.errors[0].field), QString("type"));
    QVERIFY(r.problem.starts_with("layers[0]: unknown type 'dens'; known types: dense, conv"));
    QCOMPARE(q(r.layers[1].name), QString("relu_0"));
    QCOMPARE(r.layers[1].status, nn::LayerStatus::after_error);

    const nn::SpecReport none = nn::check_spec(json{{"layers", json::array({{{"type", "relu"}}})}});
    QVERIFY(!none.ok);
    QCOMPARE(q(none.errors[0].field), QString("input_shape"));
    QCOMPARE(q(none.layers[0].message), QString("output shape unknown: no input shape"));
    QVERIFY(nn::check_spec(json{{"layers", json::array({{{"type", "relu"}}})}}, Shape{3}).ok);

    QCOMPARE(q(nn::check_spec(json::array()).problem),
             QString("model spec: must be a JSON object, got []"));
    QCOMPARE(q(nn::check_spec(json{{"layers", 3}}, Shape{2}).problem),
             QString("model spec: 'layers' must be a list, got 3"));
    QCOMPARE(q(nn::check_spec(spec_of(json::array(), json{28, 0})).problem),
             QString("model spec: 'input_shape' must be a list of positive integers, got [28,0]"));
  }

  void emptyModel() {
    const nn::SpecReport r = nn::check_spec(spec_of(json::array()));
    QVERIFY(r.ok);
    QVERIFY(r.layers.empty());
    QCOMPARE(r.total_params, int64_t{0});
    QVERIFY(*r.output_shape() == (Shape{1, 28, 28, 1}));
  }
};

QTEST_APPLESS_MAIN(LayerCatalogTest)
#include "layer_catalog_test.moc"
