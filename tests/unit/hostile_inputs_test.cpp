// Hostile inputs answered with clear errors (issue #10): broken and huge IDX headers, shapes that
// overflow int64 or exceed memory (refused before allocating, naming the shape), zero-size
// dimensions (which work), NaN and inf in data, deeply nested or unknown expressions, mismatched
// pytrees, absurd models, and batches larger than the dataset. Each check asserts on the message,
// since "a clear error" is the point.
#include <QtTest>

#include <cmath>
#include <limits>

#include "engine/core/memory_limit.h"
#include "engine/data/batcher.h"
#include "engine/data/idx.h"
#include "engine/expr/expr.h"
#include "engine/nn/model_spec.h"
#include "engine/numpy.h"
#include "engine/random/random.h"
#include "engine/tree/tree.h"
#include "test_support.h"

using namespace engine;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

#define CHECK_ERROR(expr, part)                                                   \
  do {                                                                            \
    const std::string msg_ = error_of([&] { (void)(expr); });                     \
    QVERIFY2(contains(msg_, part), ("expected '" + std::string(part) + "' in: " + msg_).c_str()); \
  } while (0)

std::vector<uint8_t> idx_header(uint8_t type, std::vector<uint32_t> dims) {
  std::vector<uint8_t> b{0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(d >> s));
  return b;
}

// Restores the default array limit when a test that lowers it ends, pass or fail.
struct ArrayLimit {
  explicit ArrayLimit(int64_t bytes) { set_max_array_bytes(bytes); }
  ~ArrayLimit() { set_max_array_bytes(0); }
};

}  // namespace

class HostileInputsTest : public QObject {
  Q_OBJECT

 private slots:
  void idxHeadersWrongTruncatedOrHuge() {
    using data::decode_idx;
    CHECK_ERROR(decode_idx({0, 0, 8}, "t.idx"), "too short to be an IDX file (3 bytes)");
    CHECK_ERROR(decode_idx({0, 1, 8, 1, 0, 0, 0, 0}, "t.idx"), "bad magic number");
    CHECK_ERROR(decode_idx({0, 0, 0x07, 1, 0, 0, 0, 0}, "t.idx"), "unknown IDX element type code 0x07");
    CHECK_ERROR(decode_idx({0, 0, 8, 9}, "t.idx"), "IDX rank 9 is not supported");
    CHECK_ERROR(decode_idx({0, 0, 8, 2, 0, 0, 0, 1}, "t.idx"), "truncated inside its header");
    // 60000 x 28 x 28 claimed, 3 bytes present: the shape is named, nothing is allocated.
    std::vector<uint8_t> cut = idx_header(8, {60000, 28, 28});
    cut.insert(cut.end(), {1, 2, 3});
    CHECK_ERROR(decode_idx(cut, "t.idx"), "header says shape (60000,28,28) = 47040000 bytes of data but only 3");
    // (2^32-1)^3 f64 elements: more than int64 can count, refused against the limit by shape.
    CHECK_ERROR(decode_idx(idx_header(0x0E, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}), "t.idx"),
                "header claims shape (4294967295,4294967295,4294967295), more than the");
    CHECK_ERROR(decode_idx(idx_header(8, {1000, 1000}), "t.idx", 1000), "more than the 1000-byte limit");
    // A gzip stream that inflates to far more than the limit stops inflating early.
    std::vector<uint8_t> big = idx_header(8, {1 << 20});
    big.resize(big.size() + (1 << 20), 0);
    const std::string gz = QDir::temp().filePath("hostile_big.idx.gz").toStdString();
    data::write_idx(gz, data::parse_idx(big, "big"), true);
    CHECK_ERROR(data::read_idx(gz, 4096), "more than the 4096-byte limit");
    std::remove(gz.c_str());
  }

  void zeroSizeDimensionsWork() {
    std::vector<uint8_t> empty = idx_header(8, {0, 28, 28});
    data::IdxArray a = data::decode_idx(empty, "empty.idx");
    QCOMPARE(a.shape, (Shape{0, 28, 28}));
    Array x = data::idx_to_f32(a);
    QCOMPARE(x.shape(), (Shape{0, 28, 28}));
    QCOMPARE(x.size(), int64_t{0});
    // Ops on zero-size arrays keep NumPy's answers.
    Tensor z = Array::zeros(DType::f32, {0, 3});
    QCOMPARE(sum(z, 0).shape(), (Shape{3}));
    QCOMPARE(sum(z, 0).array().to_vector<float>(), (std::vector<float>{0, 0, 0}));
    QCOMPARE(matmul(z, Tensor(Array::zeros(DType::f32, {3, 2}))).shape(), (Shape{0, 2}));
    QCOMPARE(sum(matmul(Tensor(Array::zeros(DType::f32, {2, 0})), Tensor(Array::zeros(DType::f32, {0, 4})))).item(), 0.0);
    QCOMPARE(reshape(z, {3, 0}).shape(), (Shape{3, 0}));
    QVERIFY(std::isnan(mean(z).item()));  // 0/0, as jnp.mean of an empty array
    QCOMPARE(add(z, z).shape(), (Shape{0, 3}));
  }

  void shapesThatOverflowOrExceedMemory() {
    CHECK_ERROR(Array::zeros(DType::f32, {1 << 30, 1 << 30, 1 << 30}),
                "shape (1073741824,1073741824,1073741824) has more elements than fit in 64 bits");
    CHECK_ERROR(Array::zeros(DType::f32, {3, -2}), "negative dimension in shape (3,-2)");
    // 4e15 bytes: more than any machine's memory, refused before allocating, naming the shape.
    CHECK_ERROR(Array::empty(DType::f32, {1000000, 1000000, 1000}),
                "array f32[1000000,1000000,1000] needs 4000000000000000 bytes");
    {
      ArrayLimit limit(1 << 20);
      CHECK_ERROR(Array::zeros(DType::f64, {512, 512}), "array f64[512,512] needs 2097152 bytes, more than the limit of 1048576");
      CHECK_ERROR(broadcast_to(Tensor(Array::scalar(1)), {1024, 1024}), "f32[1024,1024]");
      QCOMPARE(Array::zeros(DType::f32, {512, 512}).size(), int64_t{512 * 512});  // exactly 1 MiB is fine
    }
    CHECK_ERROR(arange(0, 1e30), "does not have a finite number of elements");
    CHECK_ERROR(arange(0, std::nan("")), "does not have a finite number of elements");
    // Abstract shapes cost nothing: tracing a huge computation is fine, running it is refused.
    expr::Program p = expr::parse_program("sum(x * 2)");
    ClosedJaxpr j = expr::make_jaxpr(p, {"x"}, {Aval{{1000000, 1000000}, DType::f32}});
    QVERIFY(contains(jaxpr_to_string(j.jaxpr), "a:f32[1000000,1000000]"));
  }

  void nanAndInfInData() {
    const float inf = std::numeric_limits<float>::infinity();
    Tensor x = Array::from_vector<float>({1, std::nanf(""), inf, -inf});
    QVERIFY(std::isnan(sum(x).item()));
    Array finite = isfinite(x).array();
    QCOMPARE(finite.to_vector<bool>(), (std::vector<bool>{true, false, false, false}));
    Array e = exp(Tensor(Array::from_vector<float>({inf, -inf}))).array();
    QCOMPARE(e.to_vector<float>(), (std::vector<float>{inf, 0}));
    QVERIFY(std::isnan(sub(Tensor(Array::scalar(inf)), Tensor(Array::scalar(inf))).item()));
    // IDX data: NaN passes into f32 (it is data), but is refused as a label, naming the element.
    std::vector<uint8_t> f = idx_header(0x0D, {2});
    const float vals[2] = {3.0f, std::nanf("")};
    for (float v : vals) {
      uint32_t bits;
      std::memcpy(&bits, &v, 4);
      for (int s = 24; s >= 0; s -= 8) f.push_back(static_cast<uint8_t>(bits >> s));
    }
    data::IdxArray a = data::decode_idx(f, "labels.idx");
    QVERIFY(std::isnan(data::idx_to_f32(a).at_flat(1)));
    CHECK_ERROR(data::idx_to_i32(a), "IDX element 1 is nan, not an integer in int32's range");
  }

  void expressionsNestedUnknownOrHuge() {
    std::string deep = std::string(10000, '(') + "x" + std::string(10000, ')');
    CHECK_ERROR(expr::parse_program(deep), "nested too deeply");
    std::string chain = "x";
    for (int i = 0; i < 5000; ++i) chain += " + x";
    CHECK_ERROR(expr::parse_program(chain), "expression too long: more than 2000 operations in one chain");
    std::string calls;
    for (int i = 0; i < 3000; ++i) calls += "exp(";
    CHECK_ERROR(expr::parse_program(calls + "x" + std::string(3000, ')')), "nested too deeply");
    CHECK_ERROR(expr::parse_program("1 + expp(x)"), "1:5: unknown function 'expp' (did you mean 'exp'?)");
    CHECK_ERROR(expr::parse_program("frobnicate(x)"), "unknown function 'frobnicate'");
    std::map<std::string, Tensor> env{{"x", Array::from_vector<float>({1, 2, 3, 4})}};
    CHECK_ERROR(expr::evaluate(expr::parse_program("sum(xx)"), env), "unknown variable 'xx' (did you mean 'x'?)");
    CHECK_ERROR(expr::evaluate(expr::parse_program("reshape(x, (1000000, 1000000))"), env),
                "reshape");
    // Squaring the size four times: 4 -> 16 -> 256 -> 65536 -> 2^32 elements, refused by size.
    ArrayLimit limit(64 << 20);
    const char* blowup =
        "a = reshape(x, (4, 1)) * reshape(x, (1, 4))\n"
        "b = reshape(a, (16, 1)) * reshape(a, (1, 16))\n"
        "c = reshape(b, (256, 1)) * reshape(b, (1, 256))\n"
        "d = reshape(c, (65536, 1)) * reshape(c, (1, 65536))\n"
        "sum(d)";
    CHECK_ERROR(expr::evaluate(expr::parse_program(blowup), env), "operator '*': array f32[65536,65536] needs");
  }

  void mismatchedPytreesNameThePath() {
    PyTree a = PyTree::dict({{"params", PyTree::dict({{"w", Tensor(Array::scalar(1))}, {"b", Tensor(Array::scalar(2))}})}});
    PyTree b = PyTree::dict({{"params", PyTree::dict({{"w", Tensor(Array::scalar(1))}, {"c", Tensor(Array::scalar(2))}})}});
    const std::string msg = error_of([&] { tree_map([](const Tensor& x, const Tensor& y) { return add(x, y); }, a, b); });
    QVERIFY2(contains(msg, "tree_map: structure mismatch") && contains(msg, "['params']"), msg.c_str());
    PyTree c = PyTree::dict({{"params", PyTree::list({Tensor(Array::scalar(1))})}});
    const std::string msg2 = error_of([&] { tree_map([](const Tensor& x, const Tensor& y) { return add(x, y); }, a, c); });
    QVERIFY2(contains(msg2, "structure mismatch") && contains(msg2, "['params']"), msg2.c_str());
  }

  void absurdModelsAreRefusedBeforeAllocating() {
    // 10^5 inputs x 10^5 features: 10^10 parameters (40 GB) -> refused by describe's count.
    nn::Sequential huge = nn::from_spec(nlohmann::json::parse(
        R"({"input_shape": [100000], "layers": [{"type": "dense", "features": 100000}]})"));
    CHECK_ERROR(huge.init(random::PRNGKey(0), Tensor(Array::zeros(DType::f32, {1, 100000}))),
                "model has 10000100000 parameters, more than the limit of 2^31 = 2147483648 (largest layer: Dense_0");
    // Below 2^31 but above the array limit: refused with the bytes named.
    ArrayLimit limit(64 << 20);
    nn::Sequential big = nn::from_spec(nlohmann::json::parse(
        R"({"input_shape": [8192], "layers": [{"type": "dense", "features": 4096}]})"));
    CHECK_ERROR(big.init(random::PRNGKey(0), Tensor(Array::zeros(DType::f32, {1, 8192}))),
                "model has 33558528 parameters (134234112 bytes as f32), more than the engine's array limit of 67108864 bytes");
    // Absurd shapes in a spec: extents far beyond int64 once multiplied.
    nn::Sequential wide = nn::from_spec(nlohmann::json::parse(
        R"({"input_shape": [4294967296, 4294967296], "layers": [{"type": "flatten"}]})"));
    CHECK_ERROR(Array::zeros(DType::f32, nn::batched_input_shape(wide)), "more elements than fit in 64 bits");
  }

  void batchLargerThanTheDataset() {
    data::Split s{Array::zeros(DType::f32, {10, 3}), Array::zeros(DType::i32, {10})};
    CHECK_ERROR(data::Batcher(s, 32, random::PRNGKey(0)), "batch size 32 is larger than the dataset (10 examples)");
    // Without drop_remainder the one batch is the whole dataset, shorter than asked.
    data::Batcher keep(s, 32, random::PRNGKey(0), true, /*drop_remainder=*/false);
    QCOMPARE(keep.num_batches(), int64_t{1});
    QCOMPARE(keep.batch(0).first.shape(), (Shape{10, 3}));
    CHECK_ERROR(data::Batcher(s, 0, random::PRNGKey(0)), "batch size must be positive, got 0");
    data::Split ragged{Array::zeros(DType::f32, {10, 3}), Array::zeros(DType::i32, {7})};
    CHECK_ERROR(data::Batcher(ragged, 2, random::PRNGKey(0)), "the dataset split has 10 inputs (x f32[10,3]) but 7 targets");
    data::Split scalar{Array::scalar(1), Array::scalar(2)};
    CHECK_ERROR(data::Batcher(scalar, 1, random::PRNGKey(0)), "needs x and y arrays with an example axis");
  }
};

QTEST_APPLESS_MAIN(HostileInputsTest)
#include "hostile_inputs_test.moc"
