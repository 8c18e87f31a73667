// The fuzz targets' entry points (tests/fuzz/entries.h) run in the normal suite, without clang:
//   - valid inputs go all the way through (so the fuzzers are not refusing everything and
//     exploring nothing), and
//   - every input a fuzzer once crashed on is now refused with a clear engine::Error (or goes
//     through), replayed through the same entry point. Add new ones at the end, with what broke.
#include <QtTest>

#include <algorithm>
#include <climits>
#include <cmath>

#include "fuzz/entries.h"
#include "test_support.h"

using namespace engine;

namespace {

// A fuzz target's view of one input: "ok", or the engine::Error it was refused with. Anything
// else (another exception type, a crash) fails the test or kills it, as it would the fuzzer.
template <class F>
std::string outcome(F&& f) {
  const std::string e = error_of(std::forward<F>(f));
  return e == "no error" ? "ok" : e;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

// Sets the fuzzers' array limit for one test, as LLVMFuzzerInitialize does.
struct FuzzLimits {
  FuzzLimits() { set_max_array_bytes(fuzz::kMaxArrayBytes); }
  ~FuzzLimits() { set_max_array_bytes(0); }
};

}  // namespace

class HostileFuzzRegressionsTest : public QObject {
  Q_OBJECT

 private slots:
  void validInputsGoAllTheWayThrough() {
    FuzzLimits limits;
    QCOMPARE(outcome([] { fuzz::expr("y = tanh(W @ x)\nsum(y * y) / 2 + s"); }), std::string("ok"));
    QCOMPARE(outcome([] { fuzz::expr("logsumexp(y, axis=1, keepdims=True)"); }), std::string("ok"));
    QCOMPARE(outcome([] { fuzz::expr("n * 2"); }), std::string("ok"));  // integer result: no vjp
    QCOMPARE(outcome([] {
               fuzz::model_spec(R"({"input_shape": [6, 6, 2], "layers": [{"type": "conv", "features": 3},
                 {"type": "batch_norm"}, {"type": "relu"}, {"type": "max_pool", "window": [2, 2]},
                 {"type": "flatten"}, {"type": "dropout", "rate": 0.5}, {"type": "dense", "features": 4}]})");
             }),
             std::string("ok"));
    QCOMPARE(outcome([] { fuzz::model_spec(nn::builtin_spec("linear").dump()); }), std::string("ok"));
    runs::TensorList t{{"a", Array::from_vector<float>({1, 2})}, {"b", Array::from_vector<bool>({true})}};
    const std::string st = runs::safetensors_bytes(t, {{"k", "v"}});
    QCOMPARE(outcome([&] { fuzz::safetensors(st); }), std::string("ok"));
    const std::string idx = bytes({0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 1, 7, 9});
    QCOMPARE(outcome([&] { fuzz::idx(std::vector<uint8_t>(idx.begin(), idx.end())); }), std::string("ok"));
    QCOMPARE(outcome([] {
               fuzz::run_config(R"({"model": {"input_shape": [10], "layers": [{"type": "dense", "features": 5}]},
                                    "dataset": {"name": "synthetic-regression:20"}, "batch_size": 5,
                                    "optimizer": {"name": "adam", "lr": 0.001}, "tags": ["a"]})");
             }),
             std::string("ok"));
  }

  void refusalsAreEngineErrors() {
    FuzzLimits limits;
    // What the targets' limit is for: a request beyond 256 KiB is the engine's own error.
    QVERIFY(contains(outcome([] {
                       fuzz::expr("a = reshape(y, (6, 1)) * reshape(y, (1, 6))\n"
                                  "b = reshape(a, (36, 1)) * reshape(a, (1, 36))\n"
                                  "reshape(b, (1296, 1)) * reshape(b, (1, 1296))");
                     }),
                     "array f32[1296,1296] needs 6718464 bytes, more than the limit of 262144 bytes"));
    QVERIFY(contains(outcome([] { fuzz::model_spec(R"({"input_shape": [1000], "layers": [{"type": "dense", "features": 1000}]})"); }),
                     "more than the engine's array limit of 262144 bytes"));
    // An 8-byte header "{}" padded with spaces: a valid file without tensors.
    QCOMPARE(outcome([] { fuzz::safetensors(std::string("\x08\0\0\0\0\0\0\0{}      ", 16)); }), std::string("ok"));
    QVERIFY(contains(outcome([] { fuzz::run_config(R"({"model": "builtin:mlp", "dataset": "x", "epochs": -3})"); }),
                     "epochs"));
  }

  // ---- found by fuzzing (and by probing the same spots by hand), then fixed

  void int32ArithmeticWrapsAsInXla() {
    // UBSan: "signed integer overflow: 3 * 2147483647" in the int32 kernels of mul, add, sub,
    // integer_pow, reduce_sum and reduce_prod. XLA (and so JAX) wraps in two's complement.
    const std::map<std::string, Tensor> env = fuzz::expr_env();  // n = [3, -1, 7]
    auto eval = [&](const char* text) { return expr::evaluate(expr::parse_program(text), env).array().to_vector<int32_t>(); };
    QCOMPARE(eval("n * 2147483647"), (std::vector<int32_t>{2147483645, -2147483647, 2147483641}));
    QCOMPARE(eval("n ** 40"), (std::vector<int32_t>{689956897, 1, -142118463}));
    QCOMPARE(eval("n - 2147483647 - 10"), (std::vector<int32_t>{2147483642, 2147483638, 2147483646}));
    QCOMPARE(eval("prod(n * 100000, axis=0)"), (std::vector<int32_t>{2075623424}));
    QCOMPARE(eval("sum(n * 1000000000)"), (std::vector<int32_t>{410065408}));
    QCOMPARE(eval("abs(n * 0 - 2147483647 - 1)"), (std::vector<int32_t>{INT32_MIN, INT32_MIN, INT32_MIN}));
    QCOMPARE(eval("(n * 0) ** -1"), (std::vector<int32_t>{-1, -1, -1}));  // 1/0: XLA's -1
  }

  void floatNumbersPromoteIntegerTensors() {
    // Fuzzer input "--n---...---1e308-min(x)": 1e308 was converted to int32 to meet n (undefined
    // behaviour). A Python float with an int array gives float32 in JAX.
    QCOMPARE(outcome([] { fuzz::expr("--n---------------------------------------------------------------1e308-min(x)"); }),
             std::string("ok"));
    const std::map<std::string, Tensor> env = fuzz::expr_env();
    Array half = expr::evaluate(expr::parse_program("n * 0.5"), env).array();
    QCOMPARE(half.dtype(), DType::f32);
    QCOMPARE(half.to_vector<float>(), (std::vector<float>{1.5f, -0.5f, 3.5f}));
    // An integer literal too large for int32 is an error, as JAX's OverflowError.
    QVERIFY(contains(outcome([] { fuzz::expr("n + 10000000000"); }), "operator '+': 1e+10 is not representable as i32"));
    QVERIFY(contains(error_of([] { full({2}, std::nan(""), DType::u32); }), "nan is not representable as u32"));
  }

  void nanThroughExpIsDefined() {
    // Fuzzer input "exp(x ** .3 - 2 ** s)": a negative x to the 0.3 is NaN, and vmath::exp
    // converted NaN to an integer (undefined; clang's UBSan). NaN in, NaN out.
    QCOMPARE(outcome([] { fuzz::expr("exp(x ** .3 - 2 ** s)"); }), std::string("ok"));
    const std::map<std::string, Tensor> env = fuzz::expr_env();
    const std::vector<float> y = expr::evaluate(expr::parse_program("exp(x ** .3)"), env).array().to_vector<float>();
    const std::vector<float> x = env.at("x").array().to_vector<float>();
    QVERIFY(std::any_of(x.begin(), x.end(), [](float v) { return v < 0; }));
    for (size_t i = 0; i < y.size(); ++i) QCOMPARE(std::isnan(y[i]), x[i] < 0);
  }

  void windowGeometryOverflowIsAnError() {
    // UBSan: "signed integer overflow: 2 * 4611686018427387904" (dilation), "4 +
    // 9223372036854775807" (SAME padding with a huge stride or kernel), in conv_geometry.
    QVERIFY(contains(outcome([] {
                       fuzz::model_spec(R"({"input_shape":[4,4,1],"layers":[{"type":"conv","features":1,
                         "kernel_size":[3,3],"dilation":[4611686018427387904,1]}]})");
                     }),
                     "Conv_0: window geometry overflows 64 bits: 2 * 4611686018427387904"));
    QCOMPARE(outcome([] {
               fuzz::model_spec(R"({"input_shape":[4,4,1],"layers":[{"type":"conv","features":1,"kernel_size":[3,3],
                 "strides":[9223372036854775807,9223372036854775807],"padding":"SAME"}]})");
             }),
             std::string("ok"));  // one output per axis: a huge stride is legal
    QVERIFY(contains(outcome([] {
                       fuzz::model_spec(R"({"input_shape":[4,4,1],"layers":[{"type":"conv","features":1,
                         "kernel_size":[9223372036854775807,9223372036854775807],"padding":"SAME"}]})");
                     }),
                     "window geometry overflows 64 bits"));
    // A 2^40-tap pooling window with SAME padding: refused by the size of its index table.
    FuzzLimits limits;
    QVERIFY(contains(outcome([] {
                       fuzz::model_spec(R"({"input_shape":[4,4,1],"layers":[{"type":"avg_pool",
                         "window":[1099511627776,1],"padding":"SAME"}]})");
                     }),
                     "a window of 1099511627776 taps over 4 outputs needs a larger index table than the array limit allows"));
  }

  void numberOverflowIsAnEngineError() {
    // fuzz run_config: "terminate called after throwing ... out_of_range" for a number beyond
    // double ("1e500"), which nlohmann reports as out_of_range.406, not parse_error.
    QVERIFY(contains(outcome([] { fuzz::run_config(R"({"model": "builtin:mlp", "epochs": 1e999})"); }),
                     "run config:1:36: not valid JSON: number overflow parsing '1e999'"));
  }
};

QTEST_APPLESS_MAIN(HostileFuzzRegressionsTest)
#include "hostile_fuzz_regressions_test.moc"
