// RunConfig: parsing with defaults, the round trip through to_json, and one error per kind of bad
// field, each naming the field; a model too big to allocate is refused from its shapes alone; no
// input text makes from_json_text throw anything but engine::Error.
#include <QtTest>

#include "engine/core/error.h"
#include "engine/optim/optim.h"
#include "engine/train/run_config.h"
#include "test_support.h"

using namespace engine;
using engine::train::RunConfig;
using nlohmann::json;

namespace {

json tiny_spec() {
  return json::parse(R"({"name": "tiny", "input_shape": [10], "layers": [{"type": "dense", "features": 5}]})");
}

json base() { return json{{"model", tiny_spec()}, {"dataset", "synthetic-regression:64"}}; }

// base() with one field replaced (a path like "optimizer.lr").
json with(const std::string& path, const json& value) {
  json j = base();
  json* at = &j;
  size_t start = 0;
  for (size_t dot; (dot = path.find('.', start)) != std::string::npos; start = dot + 1) {
    at = &(*at)[path.substr(start, dot - start)];
    if (at->is_null()) *at = json::object();
  }
  (*at)[path.substr(start)] = value;
  return j;
}

std::string error_for(const json& j) {
  return error_of([&] { RunConfig::from_json(j); });
}

}  // namespace

class RunConfigTest : public QObject {
  Q_OBJECT

 private slots:
  void defaults() {
    RunConfig c = RunConfig::from_json(base());
    QCOMPARE(c.dataset, std::string("synthetic-regression:64"));
    QCOMPARE(c.optimizer.name, std::string("sgd"));
    QCOMPARE(c.optimizer.lr, 0.1);
    QCOMPARE(c.batch_size, int64_t(32));
    QCOMPARE(c.epochs, int64_t(1));
    QCOMPARE(c.backend, std::string("cpu"));
    QCOMPARE(c.schedule.type, std::string("constant"));
    QCOMPARE(c.display_name(), std::string("tiny-synthetic-regression:64"));
  }

  void fullConfigRoundTrips() {
    json j = json::parse(R"({
      "name": "run a", "tags": ["x", "y"], "notes": "n", "model": "builtin:mlp",
      "dataset": {"name": "fashion-mnist", "limit": 500},
      "optimizer": {"name": "adamw", "lr": 0.003, "b1": 0.8, "weight_decay": 0.01},
      "schedule": {"type": "warmup_cosine_decay", "warmup_steps": 10, "decay_steps": 100},
      "batch_size": 50, "epochs": 3, "seed": -7, "backend": "reference",
      "log_every": 5, "eval_every": 2, "eval_batch_size": 250, "checkpoint_every": 0})");
    RunConfig c = RunConfig::from_json(j);
    QCOMPARE(c.model["name"].get<std::string>(), std::string("mlp"));  // builtin resolved to its spec
    QCOMPARE(c.limit, int64_t(500));
    QCOMPARE(c.optimizer.b1, 0.8);
    QCOMPARE(c.optimizer.b2, 0.999);  // default kept
    QCOMPARE(c.schedule.warmup_steps, int64_t(10));
    QCOMPARE(c.seed, int64_t(-7));
    const json out = c.to_json();
    QCOMPARE(RunConfig::from_json(out).to_json(), out);
    QCOMPARE(out["optimizer"]["weight_decay"].get<double>(), 0.01);
    QVERIFY(!out["optimizer"].contains("momentum"));  // adamw has no such field
    // An optimizer builds and its state has adam's moments.
    QVERIFY(c.build_optimizer().init);
  }

  // DESIGN's workflow 2: lr = 1.0 * 0.95^(epoch / 5), written in epochs and run in steps.
  void scheduleInEpochs() {
    RunConfig c = RunConfig::from_json(with("schedule", json{{"type", "exponential_decay"}, {"unit", "epochs"},
                                                          {"transition_steps", 5}, {"decay_rate", 0.95}}));
    QCOMPARE(c.to_json()["schedule"]["unit"].get<std::string>(), std::string("epochs"));
    c.optimizer.lr = 1.0;
    // The sgd state with a schedule counts steps: ((), {"count"}). After 10 epochs of 100 steps
    // the update of a unit gradient is -0.95^2.
    optim::GradientTransformation tx = c.build_optimizer(100);
    PyTree params = PyTree::dict({{"w", Tensor(Array::from_vector<float>({0.0f}))}});
    PyTree state = tx.init(params);
    PyTree g = PyTree::dict({{"w", Tensor(Array::from_vector<float>({1.0f}))}});
    for (int i = 0; i < 1000; ++i) state = tx.update(g, state, params).second;
    const double u = tx.update(g, state, params).first["w"].leaf().item();
    QVERIFY2(std::abs(u + 0.9025) < 1e-5, std::to_string(u).c_str());
    const double u_steps = RunConfig::from_json(base()).build_optimizer(100).update(g, tx.init(params), params)
                               .first["w"].leaf().item();
    QCOMPARE(u_steps, double(-0.1f));  // constant lr 0.1, in float32
  }

  void badFieldsNameTheField() {
    QCOMPARE(error_for(with("optimizer.lr", -1)), std::string("optimizer.lr: expected a positive number, got -1"));
    QCOMPARE(error_for(with("optimizer.lr", "fast")),
             std::string("optimizer.lr: expected a positive number, got \"fast\""));
    QCOMPARE(error_for(with("batch_size", 0)), std::string("batch_size: expected an integer in [1, 1000000], got 0"));
    QCOMPARE(error_for(with("epochs", 1.5)), std::string("epochs: expected an integer in [1, 1000000], got 1.5"));
    QCOMPARE(error_for(with("epochs", "two")),
             std::string("epochs: expected an integer in [1, 1000000], got \"two\""));
    QVERIFY(error_for(with("learning_rate", 0.1)).starts_with("learning_rate: unknown field (known: name, tags"));
    QVERIFY(error_for(with("optimizer.name", "adamax")).starts_with("optimizer.name: unknown optimizer 'adamax'"));
    QCOMPARE(error_for(with("optimizer", json{{"name", "adam"}, {"momentum", 0.9}})),
             std::string("optimizer.momentum: unknown field (known: name, lr, b1, b2, eps)"));
    QCOMPARE(error_for(with("optimizer.momentum", 1)),
             std::string("optimizer.momentum: expected a number in [0, 1), got 1"));
    QVERIFY(error_for(with("schedule.type", "step")).starts_with("schedule.type: unknown schedule 'step'"));
    QCOMPARE(error_for(with("schedule", json{{"type", "cosine_decay"}, {"unit", "days"}})),
             std::string("schedule.unit: expected \"steps\" or \"epochs\", got \"days\""));
    QCOMPARE(error_for(with("schedule", json{{"type", "exponential_decay"}, {"transition_steps", 0}})),
             std::string("schedule.transition_steps: expected an integer in [1, 1000000000], got 0"));
    QVERIFY(error_for(with("dataset", "cifar10")).starts_with("dataset.name: unknown dataset 'cifar10'"));
    QCOMPARE(error_for(with("dataset", json{{"name", "fashion-mnist"}, {"limit", -1}})),
             std::string("dataset.limit: expected an integer in [0, 1000000000], got -1"));
    QVERIFY(error_for(with("backend", "tpu")).starts_with("backend: unknown backend 'tpu'"));
    QCOMPARE(error_for(with("tags", json::array({"ok", 3}))),
             std::string("tags: expected a list of non-empty strings, got [\"ok\",3]"));
    QVERIFY(error_for(json{{"dataset", "fashion-mnist"}}).starts_with("model: required"));
    QVERIFY(error_for(json{{"model", "builtin:mlp"}}).starts_with("dataset: required"));
    QVERIFY(error_for(with("model", "builtin:resnet")).find("unknown built-in model spec 'resnet'") != std::string::npos);
    QVERIFY(error_for(with("model", "/no/such/spec.json")).starts_with("model: '/no/such/spec.json' is neither"));
    QVERIFY(error_for(json::array()).starts_with("run config: expected a JSON object"));
    // A layer error from the spec keeps the spec's own message behind "model: ".
    json bad_layer = tiny_spec();
    bad_layer["layers"][0]["features"] = -3;
    QVERIFY(error_for(with("model", bad_layer)).starts_with("model: layers[0] (dense)"));
  }

  void crossFieldRules() {
    json j = with("batch_size", 100);
    j["dataset"] = json{{"name", "synthetic-regression:64"}, {"limit", 50}};
    QVERIFY(error_for(j).starts_with("dataset.limit: 50 examples make no batch of 100"));
    // The MLP takes 28x28 images; the regression data has 10 features.
    QVERIFY(error_for(with("model", "builtin:mlp")).starts_with("model: input_shape (28, 28, 1) does not match"));
    json wrong_out = tiny_spec();
    wrong_out["layers"][0]["features"] = 3;
    QVERIFY(error_for(with("model", wrong_out)).starts_with("model: output (32, 3) does not fit"));
    QVERIFY(error_for(with("optimizer", json{{"name", "sgd"}, {"nesterov", true}})).starts_with("optimizer.nesterov"));
  }

  // 10^10 parameters are refused from the shapes, before any allocation (which would fail or
  // take minutes), and the message gives the count.
  void hugeModelRefusedBeforeAllocation() {
    json spec = json::parse(R"({"name": "huge", "input_shape": [100000],
      "layers": [{"type": "dense", "features": 100000}, {"type": "dense", "features": 5}]})");
    spec["input_shape"] = {100000};
    json j = base();
    j["model"] = spec;
    j["dataset"] = "fashion-mnist";
    const std::string e = error_for(j);
    QVERIFY2(e.starts_with("model: model has 10000600005 parameters, more than the limit"), e.c_str());
  }

  void textErrorsAreEngineErrors() {
    // Syntax errors give the line:column where the parser stopped (#24).
    QCOMPARE(error_of([] { RunConfig::from_json_text("{\"model\": "); }),
             std::string("run config:1:11: not valid JSON: syntax error while parsing value - unexpected end of "
                         "input; expected '[', '{', or a literal"));
    QVERIFY(error_of([] { RunConfig::from_json_text(""); }).starts_with("run config:1:1: not valid JSON: "));
    QVERIFY(error_of([] { RunConfig::from_json_text("{\"epochs\": 1,\n  \"lr\": ]}"); })
                .starts_with("run config:2:9: not valid JSON: syntax error while parsing value - unexpected ']'"));
    // A number beyond double is nlohmann's out_of_range, not parse_error (found by fuzzing).
    QCOMPARE(error_of([] { RunConfig::from_json_text("{\"epochs\": 1,\n \"seed\": -1e500}"); }),
             std::string("run config:2:10: not valid JSON: number overflow parsing '-1e500'"));
    // Every prefix of a valid config, and a few byte flips: success or engine::Error, nothing else.
    const std::string text = base().dump();
    int errors = 0;
    for (size_t n = 0; n <= text.size(); ++n) {
      for (int flip = 0; flip < 3; ++flip) {
        std::string t = text.substr(0, n);
        if (flip && !t.empty()) t[n / 2] = static_cast<char>(t[n / 2] ^ (flip == 1 ? 0x20 : 0x01));
        try {
          RunConfig::from_json_text(t);
        } catch (const Error&) {
          ++errors;
        }
      }
    }
    QVERIFY(errors > static_cast<int>(text.size()));
    QCOMPARE(RunConfig::from_json_text(text).to_json(), RunConfig::from_json(base()).to_json());
  }
};

QTEST_APPLESS_MAIN(RunConfigTest)
#include "run_config_test.moc"
