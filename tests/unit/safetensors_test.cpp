// safetensors: round trips of every dtype, the exact bytes of a tiny file (as Hugging Face's
// writer produces them), every kind of corrupt file, and PyTrees under slash paths.
#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>

#include "engine/core/error.h"
#include "engine/runs/safetensors.h"
#include "engine/tree/tree.h"
#include "unit/test_support.h"

using namespace engine;
using namespace engine::runs;

namespace {


bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string u64le(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

// A file from a header text (padded as the spec says) and a data buffer.
std::string file_bytes(std::string header, const std::string& data) {
  header.append((8 - header.size() % 8) % 8, ' ');
  return u64le(header.size()) + header + data;
}

std::string parse_error(const std::string& bytes) {
  return error_of([&] { parse_safetensors(bytes, "bad.safetensors"); });
}

}  // namespace

class SafetensorsTest : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string file(const char* name) { return (dir_.path() + "/" + name).toStdString(); }

 private slots:
  void exactBytesOfTinyFile() {
    // What safetensors.numpy.save_file({"a": np.array([1, 2], np.float32)}) writes: compact
    // JSON, padded with spaces to 8 bytes (54 -> 56), then the little-endian floats.
    const std::string bytes = safetensors_bytes({{"a", Array::from_vector<float>({1, 2})}});
    const std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    QCOMPARE(header.size(), size_t(54));
    const std::string expected = std::string("\x38\0\0\0\0\0\0\0", 8) + header + "  " +
                                 std::string("\x00\x00\x80\x3f\x00\x00\x00\x40", 8);
    QCOMPARE(QByteArray::fromStdString(bytes).toHex(), QByteArray::fromStdString(expected).toHex());
    // Metadata comes first; tensors are sorted by name, their data in that order.
    const std::string with_meta = safetensors_bytes(
        {{"b", Array::from_vector<int32_t>({7})}, {"a", Array::from_vector<float>({1})}}, {{"format", "np"}});
    const std::string meta_header =
        R"({"__metadata__":{"format":"np"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
        R"("b":{"dtype":"I32","shape":[1],"data_offsets":[4,8]}})";
    QCOMPARE(with_meta.substr(8, meta_header.size()), meta_header);
    const uint64_t n = static_cast<unsigned char>(with_meta[0]);
    QCOMPARE(n % 8, uint64_t(0));
    QCOMPARE(with_meta.size(), 8 + n + 8);
    QCOMPARE(with_meta.substr(8 + n, 8), std::string("\x00\x00\x80\x3f\x07\x00\x00\x00", 8));
  }

  void roundTripAllDtypes() {
    const std::string path = file("all.safetensors");
    const TensorList tensors = {
        {"f32", Array::from_vector<float>({1.5f, -2, 3e-8f, 4, 5, 6}, {2, 3})},
        {"f64", Array::from_vector<double>({3.141592653589793, -1e300})},
        {"i32", Array::from_vector<int32_t>({-7}, {})},  // a scalar: shape []
        {"u32", Array::from_vector<uint32_t>({0, 4000000000u, 1}, {3, 1})},
        {"bool", Array::from_vector<bool>({true, false, true})},
        {"empty", Array::empty(DType::f32, {0, 4})},
    };
    save_safetensors(path, tensors, {{"step", "100"}, {"model", "mlp"}});
    const SafetensorsFile loaded = load_safetensors(path);
    QCOMPARE(loaded.metadata.at("step"), std::string("100"));
    QCOMPARE(loaded.metadata.at("model"), std::string("mlp"));
    QCOMPARE(loaded.tensors.size(), tensors.size());
    const std::vector<std::string> order = {"bool", "empty", "f32", "f64", "i32", "u32"};
    for (size_t i = 0; i < order.size(); ++i) QCOMPARE(loaded.tensors[i].first, order[i]);
    for (const auto& entry : tensors) {  // not a structured binding: clang 14 cannot capture one
      const std::string& name = entry.first;
      const auto it = std::find_if(loaded.tensors.begin(), loaded.tensors.end(),
                                   [&](const auto& t) { return t.first == name; });
      QVERIFY2(it->second.same_values(entry.second), name.c_str());
    }
    QVERIFY(QDir(dir_.path()).entryList({"*.tmp.*"}, QDir::Files).isEmpty());  // renamed into place
  }

  void rejectsBadInput() {
    QVERIFY(contains(error_of([] { safetensors_bytes({{"a", Array::scalar(1)}, {"a", Array::scalar(2)}}); }),
                     "'a' is used twice"));
    QVERIFY(contains(error_of([] { safetensors_bytes({{"__metadata__", Array::scalar(1)}}); }), "reserved"));
    QVERIFY(contains(error_of([&] { load_safetensors(file("missing.safetensors")); }), "missing.safetensors"));
  }

  void corruptFiles() {
    const std::string good_header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    const std::string data(8, '\0');
    QCOMPARE(parse_safetensors(file_bytes(good_header, data), "ok").tensors.size(), size_t(1));
    const std::pair<std::string, std::string> cases[] = {
        {"abc", "too short"},
        {u64le(200'000'000) + "{}", "100 MB limit"},
        {u64le(64) + "{}      ", "runs past the end"},
        {file_bytes("{\"a\": [", data), "not valid JSON"},
        {file_bytes("[1, 2]", data), "not a JSON object"},
        {file_bytes(R"({"a":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]}})", data), "'BF16'"},
        {file_bytes(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data), "non-negative"},
        {file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", data), "ends at byte 16"},
        {file_bytes(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data), "span 8 bytes"},
        {file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", data), "begin 8 > end 0"},
        {file_bytes(R"({"a":{"dtype":"F32","shape":[2]}})", data), "data_offsets"},
        {file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                    R"("b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})", data), "overlaps"},
        {file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data), "belong to no tensor"},
        {file_bytes(good_header, data + "xx"), "the tensors cover 8"},
        {file_bytes(R"({"a":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})", "\x01\x02"), "holds byte 2"},
        {file_bytes(R"({"__metadata__":{"k":1}})", ""), "'k' is not a string"},
        {file_bytes(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", data),
         "too large"},
    };
    for (const auto& [bytes, expected] : cases) {
      const std::string e = parse_error(bytes);
      QVERIFY2(contains(e, expected) && contains(e, "bad.safetensors"), (expected + " -> " + e).c_str());
    }
    // A truncated file on disk: the last tensor's bytes are cut off.
    const std::string path = file("truncated.safetensors");
    const std::string full = safetensors_bytes({{"w", Array::zeros(DType::f64, {16})}});
    QFile f(QString::fromStdString(path));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(full.data(), static_cast<qint64>(full.size() - 10));
    f.close();
    const std::string e = error_of([&] { load_safetensors(path); });
    QVERIFY2(contains(e, path) && contains(e, "truncated"), e.c_str());
  }

  void treeSaveLoad() {
    const PyTree params = PyTree::dict(
        {{"params", PyTree::dict({{"Dense_0", PyTree::dict({{"kernel", Array::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3})},
                                                            {"bias", Array::from_vector<float>({0.5f, 0, -0.5f})}})}})},
         {"layers", PyTree::list({Array::from_vector<int32_t>({9}), Array::from_vector<bool>({true})})}});
    const std::string path = file("tree.safetensors");
    save_safetensors_tree(path, params, {{"epoch", "3"}});
    std::vector<std::string> names;
    for (const auto& [name, a] : load_safetensors(path).tensors) names.push_back(name);
    QCOMPARE(names, (std::vector<std::string>{"layers/0", "layers/1", "params/Dense_0/bias", "params/Dense_0/kernel"}));

    const PyTree like = tree_map([](const Tensor& t) { return Array::zeros(t.dtype(), t.shape()); }, params);
    Metadata meta;
    const PyTree loaded = load_safetensors_tree(path, like, &meta);
    QCOMPARE(meta.at("epoch"), std::string("3"));
    QVERIFY(tree_structure(loaded) == tree_structure(params));
    const auto a = tree_leaves(loaded), b = tree_leaves(params);
    for (size_t i = 0; i < a.size(); ++i) QVERIFY(a[i].array().same_values(b[i].array()));

    const PyTree bigger = like.with("extra", Array::zeros(DType::f32, {1}));
    std::string e = error_of([&] { load_safetensors_tree(path, bigger); });
    QVERIFY2(contains(e, "no tensor 'extra'") && contains(e, path), e.c_str());
    const PyTree reshaped = like.with(
        "params", PyTree::dict({{"Dense_0", like["params"]["Dense_0"].with("kernel", Array::zeros(DType::f32, {3, 2}))}}));
    e = error_of([&] { load_safetensors_tree(path, reshaped); });
    QVERIFY2(contains(e, "'params/Dense_0/kernel' is f32[2,3]") && contains(e, "f32[3,2]"), e.c_str());
    const PyTree smaller = PyTree::dict({{"params", like["params"]}});
    e = error_of([&] { load_safetensors_tree(path, smaller); });
    QVERIFY2(contains(e, "'layers/0'") && contains(e, "does not have"), e.c_str());
    e = error_of([&] { save_safetensors_tree(path, PyTree(Array::scalar(1))); });
    QVERIFY2(contains(e, "single leaf"), e.c_str());
  }
};

QTEST_APPLESS_MAIN(SafetensorsTest)
#include "safetensors_test.moc"
