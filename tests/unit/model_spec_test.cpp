// Model specs: the built-in specs build the reference models, specs round-trip through
// to_spec/from_spec, and every malformed spec is refused with a message naming the layer index,
// its type and the field.
#include <QtTest>

#include "engine/nn/nn.h"
#include "engine/random/random.h"

using namespace engine;
using json = nlohmann::json;

namespace {

std::string error_of(const json& spec) {
  try {
    nn::from_spec(spec);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

json one_layer(const json& layer) { return json{{"layers", json::array({layer})}}; }

}  // namespace

class ModelSpecTest : public QObject {
  Q_OBJECT

 private slots:
  void builtinsRoundTrip() {
    for (const std::string& name : nn::builtin_spec_names()) {
      nn::Sequential m = nn::from_spec(nn::builtin_spec(name));
      json full = nn::to_spec(m);
      QCOMPARE(QString::fromStdString(nn::to_spec(nn::from_spec(full)).dump()),
               QString::fromStdString(full.dump()));
      QCOMPARE(full["layers"].size(), nn::builtin_spec(name)["layers"].size());
      QCOMPARE(QString::fromStdString(full["name"].get<std::string>()), QString::fromStdString(name));
    }
    // Defaults are written out.
    json mlp = nn::to_spec(nn::from_spec(nn::builtin_spec("mlp")));
    QCOMPARE(QString::fromStdString(mlp.dump()),
             QString(R"({"input_shape":[28,28,1],"layers":[{"type":"flatten"},)"
                     R"({"features":512,"type":"dense","use_bias":true},{"type":"swish"},)"
                     R"({"features":10,"type":"dense","use_bias":true}],"name":"mlp"})"));
    json cnn = nn::to_spec(nn::from_spec(nn::builtin_spec("cnn")));
    QCOMPARE(QString::fromStdString(cnn["layers"][0].dump()),
             QString(R"({"dilation":[1,1],"features":32,"kernel_size":[3,3],"padding":"SAME",)"
                     R"("strides":[1,1],"type":"conv","use_bias":true})"));
    QCOMPARE(QString::fromStdString(cnn["layers"][1].dump()),
             QString(R"({"epsilon":1e-05,"momentum":0.99,"type":"batch_norm"})"));
    QCOMPARE(QString::fromStdString(cnn["layers"][3].dump()),
             QString(R"({"padding":"VALID","strides":[2,2],"type":"avg_pool","window":[2,2]})"));
  }

  void everyLayerTypeRoundTrips() {
    json spec = {{"name", "all"}, {"input_shape", {8, 8, 2}}, {"layers", json::array()}};
    spec["layers"] = json::parse(R"([
      {"type": "conv", "features": 4, "kernel_size": [3, 2], "strides": [2, 1], "padding": "VALID",
       "dilation": [1, 2], "use_bias": false},
      {"type": "batch_norm", "momentum": 0.9, "epsilon": 0.001},
      {"type": "max_pool", "window": [2, 2], "strides": [1, 1], "padding": "SAME"},
      {"type": "dropout", "rate": 0.1}, {"type": "flatten"},
      {"type": "dense", "features": 6, "use_bias": false}])");
    for (const char* a : {"relu", "swish", "silu", "selu", "gelu", "tanh", "sigmoid", "softmax", "log_softmax"})
      spec["layers"].push_back({{"type", a}});
    nn::Sequential m = nn::from_spec(spec);
    QCOMPARE(QString::fromStdString(nn::to_spec(m).dump()), QString::fromStdString(spec.dump()));
    PyTree vars = m.init(random::PRNGKey(0), Array::zeros(DType::f32, nn::batched_input_shape(m, 2)));
    QCOMPARE(QString::fromStdString(tree_shapes_str(vars)),
             QString("{'batch_stats': {'BatchNorm_0': {'mean': (4,), 'var': (4,)}}, "
                     "'params': {'BatchNorm_0': {'bias': (4,), 'scale': (4,)}, "
                     "'Conv_0': {'kernel': (3, 2, 2, 4)}, 'Dense_0': {'kernel': (72, 6)}}}"));
    QCOMPARE(m(vars, Array::zeros(DType::f32, {2, 8, 8, 2})).shape(), (Shape{2, 6}));
  }

  void errors() {
    auto check = [](const json& spec, const char* expected) {
      QCOMPARE(QString::fromStdString(error_of(spec)), QString(expected));
    };
    check(json::parse(R"({"layers": [{"type": "flatten"}, {"type": "relu"},
                                     {"type": "dense", "features": -3}]})"),
          "layers[2] (dense): 'features' must be a positive integer, got -3");
    check(one_layer({{"type", "dense"}}), "layers[0] (dense): 'features' is required (a positive integer)");
    check(one_layer({{"type", "dense"}, {"features", 2.5}}),
          "layers[0] (dense): 'features' must be a positive integer, got 2.5");
    check(one_layer({{"type", "dense"}, {"features", 4}, {"use_bias", "yes"}}),
          "layers[0] (dense): 'use_bias' must be true or false, got \"yes\"");
    check(one_layer({{"type", "dense"}, {"features", 4}, {"feature", 4}}),
          "layers[0] (dense): unknown field 'feature'; dense takes fields: features, use_bias");
    check(one_layer({{"type", "relu"}, {"alpha", 1}}), "layers[0] (relu): unknown field 'alpha'; relu takes no fields");
    check(one_layer({{"type", "dens"}}),
          "layers[0]: unknown type 'dens'; known types: dense, conv, batch_norm, dropout, avg_pool, "
          "max_pool, flatten, relu, swish, silu, selu, gelu, tanh, sigmoid, softmax, log_softmax");
    check(one_layer({{"features", 3}}),
          "layers[0]: missing \"type\"; known types: dense, conv, batch_norm, dropout, avg_pool, "
          "max_pool, flatten, relu, swish, silu, selu, gelu, tanh, sigmoid, softmax, log_softmax");
    check(one_layer({{"type", 3}}), "layers[0]: \"type\" must be a string, got 3");
    check(one_layer(5), "layers[0]: must be an object with a \"type\", got 5");
    check(one_layer({{"type", "conv"}, {"features", 8}, {"kernel_size", {3}}}),
          "layers[0] (conv): 'kernel_size' must be a list of 2 positive integers, got [3]");
    check(one_layer({{"type", "conv"}, {"features", 8}, {"padding", "same"}}),
          "layers[0] (conv): 'padding' must be \"SAME\" or \"VALID\", got \"same\"");
    check(one_layer({{"type", "conv"}, {"features", 8}, {"strides", {1, 0}}}),
          "layers[0] (conv): 'strides' must be a list of 2 positive integers, got [1,0]");
    check(one_layer({{"type", "dropout"}, {"rate", 1}}), "layers[0] (dropout): 'rate' must be a number in [0, 1), got 1");
    check(one_layer({{"type", "dropout"}}), "layers[0] (dropout): 'rate' is required (a number in [0, 1))");
    check(one_layer({{"type", "batch_norm"}, {"momentum", 1.5}}),
          "layers[0] (batch_norm): 'momentum' must be a number in [0, 1], got 1.5");
    check(one_layer({{"type", "batch_norm"}, {"epsilon", 0}}),
          "layers[0] (batch_norm): 'epsilon' must be a number in (0, 1], got 0");
    check(one_layer({{"type", "avg_pool"}}),
          "layers[0] (avg_pool): 'window' is required (a list of 2 positive integers)");
    check(json::array(), "model spec: must be a JSON object, got []");
    check(json{{"layers", json::array()}, {"optimizer", "sgd"}},
          "model spec: unknown field 'optimizer'; known: name, input_shape, layers");
    check(json{{"name", "x"}}, "model spec: 'layers' is required (a list of layers)");
    check(json{{"layers", 3}}, "model spec: 'layers' must be a list, got 3");
    check(json{{"name", 1}, {"layers", json::array()}}, "model spec: 'name' must be a string, got 1");
    check(json{{"input_shape", {28, 0}}, {"layers", json::array()}},
          "model spec: 'input_shape' must be a list of positive integers, got [28,0]");
    try {
      nn::builtin_spec("resnet");
      QFAIL("no error");
    } catch (const Error& e) {
      QCOMPARE(QString(e.what()), QString("unknown built-in model spec 'resnet'; known: cnn, linear, mlp"));
    }
  }
};

QTEST_APPLESS_MAIN(ModelSpecTest)
#include "model_spec_test.moc"
