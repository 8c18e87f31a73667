// Writes the fuzzers' seed corpora and dictionaries, made by our own writers so that the seeds
// are valid inputs of today's formats (nothing binary is committed):
//   make_seeds OUT_DIR   ->  OUT_DIR/<target>/seed_NN  and  OUT_DIR/<target>.dict
// scripts/fuzz runs it into build-sanitize/fuzz/seeds before fuzzing.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "engine/data/idx.h"
#include "engine/expr/functions.h"
#include "engine/nn/model_spec.h"
#include "engine/runs/safetensors.h"
#include "engine/train/run_config.h"

namespace {

namespace fs = std::filesystem;
using engine::Array;
using engine::DType;

void write(const fs::path& dir, int index, const std::string& bytes) {
  fs::create_directories(dir);
  char name[32];
  std::snprintf(name, sizeof name, "seed_%02d", index);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// libFuzzer dictionary: one quoted token per line.
void write_dict(const fs::path& path, const std::set<std::string>& tokens) {
  std::ofstream out(path);
  for (const std::string& t : tokens) {
    out << '"';
    for (char c : t) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out << '\\' << c;
      } else if (u < 0x20 || u >= 0x7f) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02X", u);
        out << hex;
      } else {
        out << c;
      }
    }
    out << "\"\n";
  }
}

template <class T>
std::vector<uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

void idx_seeds(const fs::path& out) {
  using engine::data::IdxArray;
  const fs::path tmp = out / "idx.tmp";
  std::vector<IdxArray> arrays = {
      {IdxArray::Type::u8, {2, 3, 2}, {0, 1, 2, 127, 128, 255, 3, 4, 5, 6, 7, 8}},  // images
      {IdxArray::Type::u8, {4}, {0, 9, 3, 1}},                                     // labels
      {IdxArray::Type::i8, {3}, {0x80, 0x00, 0x7f}},
      {IdxArray::Type::i16, {2}, bytes_of<int16_t>({-300, 300})},
      {IdxArray::Type::i32, {2, 1}, bytes_of<int32_t>({-70000, 5})},
      {IdxArray::Type::f32, {3}, bytes_of<float>({0.5f, -1e30f, NAN})},
      {IdxArray::Type::f64, {2}, bytes_of<double>({1e300, -0.0})},
      {IdxArray::Type::u8, {0, 5}, {}},  // a zero-size dimension
  };
  int n = 0;
  for (const IdxArray& a : arrays)
    for (bool gzip : {false, true}) {
      engine::data::write_idx(tmp.string(), a, gzip);
      write(out / "idx", n++, read(tmp));
    }
  fs::remove(tmp);
  // Magic numbers of each type and rank, extents at the edges, the gzip magic.
  std::set<std::string> tokens = {std::string("\x1f\x8b", 2), std::string("\xff\xff\xff\xff", 4),
                                  std::string("\x00\x00\x00\x00", 4), std::string("\x80\x00\x00\x00", 4)};
  for (uint8_t type : {0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E})
    for (uint8_t rank : {1, 3})
      tokens.insert(std::string{'\0', '\0', static_cast<char>(type), static_cast<char>(rank)});
  write_dict(out / "idx.dict", tokens);
}

void expr_seeds(const fs::path& out) {
  // The examples of the docs and CLI tests, and one call of every function.
  std::vector<std::string> programs = {
      "sum(x * x) / 2",
      "y = tanh(x)\nmean(y)",
      "sum(W @ x)",
      "dot(x, x) + s",
      "softmax(y, axis=1)",
      "logsumexp(y, axis=0, keepdims=True)",
      "where(x > 0, x, -x)",
      "reshape(y, (3, 2)).T @ reshape(x, (3, 1))",
      "x ** 3 - 2 ** s",
      "sum(y, axis=(0, 1))",
      "transpose(reshape(y, (1, 2, 3)), (2, 0, 1))",
      "var(y, 1, True) + n",
      "z = maximum(x, 0.5); minimum(z, s); pow(abs(z), 1.5)",
      "leaky_relu(x, negative_slope=0.2) + elu(x, alpha=2) + gelu(x, approximate=False)",
      "n * 3 - n ** 2 + sum(n, 0)",
      // Inputs a fuzzer once crashed on, replayed by every fuzz run (clang's UBSan checks
      // float-to-int conversions; g++'s does not): a NaN reaching exp.
      "exp(x ** .3 - 2 ** s)",
  };
  std::set<std::string> tokens = {"(", ")", ",", "=", ";", "\n", "#", "+", "-", "*", "/", "@",
                                  "**", "<", "<=", ">", ">=", "==", "!=", ".T", "[", "]",
                                  "True", "False", "None", "1e-3", "0.5", "2", "-1", "1e308",
                                  "2147483647", "-2147483648", "4294967296", "65536", "1e38", "0",
                                  "axis=", "keepdims=", "x", "y", "W", "s", "n"};
  for (const engine::expr::FunctionSpec& f : engine::expr::functions()) {
    tokens.insert(std::string(f.name));
    std::string call = std::string(f.name) + "(";
    for (int i = 0; i < f.required; ++i) call += i ? ", x" : "x";
    programs.push_back(call + ")");
    for (const auto& p : f.params) tokens.insert(std::string(p) + "=");
  }
  for (size_t i = 0; i < programs.size(); ++i) write(out / "expr", static_cast<int>(i), programs[i]);
  write_dict(out / "expr.dict", tokens);
}

void model_spec_seeds(const fs::path& out) {
  std::vector<nlohmann::json> specs;
  for (const std::string& name : engine::nn::builtin_spec_names()) specs.push_back(engine::nn::builtin_spec(name));
  // Small models whose init and apply the fuzzer runs (the built-in ones only init).
  specs.push_back(nlohmann::json::parse(R"({"name": "small_cnn", "input_shape": [6, 6, 2], "layers": [
    {"type": "conv", "features": 3, "kernel_size": [3, 3], "strides": [1, 1], "padding": "SAME",
     "dilation": [1, 1], "use_bias": true}, {"type": "batch_norm", "momentum": 0.9, "epsilon": 1e-5},
    {"type": "relu"}, {"type": "max_pool", "window": [2, 2], "strides": [2, 2], "padding": "VALID"},
    {"type": "conv", "features": 2, "kernel_size": [2, 2], "padding": "VALID", "dilation": [2, 2]},
    {"type": "avg_pool", "window": [1, 1]}, {"type": "flatten"}, {"type": "dropout", "rate": 0.5},
    {"type": "dense", "features": 4, "use_bias": false}, {"type": "gelu"}, {"type": "log_softmax"}]})"));
  specs.push_back(nlohmann::json::parse(R"({"input_shape": [5], "layers": [
    {"type": "dense", "features": 3}, {"type": "swish"}, {"type": "dense", "features": 2},
    {"type": "selu"}, {"type": "tanh"}, {"type": "sigmoid"}, {"type": "silu"}, {"type": "softmax"}]})"));
  std::set<std::string> tokens = {"{", "}", "[", "]", ":", ",", "\"", "true", "false", "null",
                                  "0", "1", "-1", "0.5", "1e-5", "2147483648", "9223372036854775807",
                                  "4611686018427387904", "18446744073709551615", "1e308",
                                  "\"SAME\"", "\"VALID\""};
  for (const char* key : {"name", "input_shape", "layers", "type", "features", "use_bias", "kernel_size",
                          "strides", "padding", "dilation", "momentum", "epsilon", "rate", "window"})
    tokens.insert("\"" + std::string(key) + "\"");
  for (const std::string& t : engine::nn::layer_types()) tokens.insert("\"" + t + "\"");
  for (size_t i = 0; i < specs.size(); ++i) write(out / "model_spec", static_cast<int>(i), specs[i].dump());
  write_dict(out / "model_spec.dict", tokens);
}

void safetensors_seeds(const fs::path& out) {
  using engine::runs::TensorList;
  std::vector<std::pair<TensorList, engine::runs::Metadata>> files = {
      {{{"w", Array::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3})}}, {}},
      {{{"params/Dense_0/kernel", Array::from_vector<float>({0.5f, -0.5f}, {2, 1})},
        {"params/Dense_0/bias", Array::from_vector<float>({0})},
        {"step", Array::from_vector<int32_t>({7}, {})}},
       {{"format", "pt"}, {"run", "3"}}},
      {{{"d", Array::from_vector<double>({1e300})},
        {"u", Array::from_vector<uint32_t>({0xffffffffu, 1})},
        {"b", Array::from_vector<bool>({true, false, true})},
        {"empty", Array::zeros(DType::f32, {0, 4})}},
       {}},
      {{}, {{"note", "no tensors"}}},
  };
  for (size_t i = 0; i < files.size(); ++i)
    write(out / "safetensors", static_cast<int>(i), engine::runs::safetensors_bytes(files[i].first, files[i].second));
  write_dict(out / "safetensors.dict", {"\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"",
                                        "\"F32\"", "\"F64\"", "\"I32\"", "\"U32\"", "\"BOOL\"", "\"F16\"",
                                        "[0,0]", "{}", "18446744073709551615"});
}

// RunConfig JSON: the reference runs' configs (DESIGN's workflows), written by RunConfig itself.
void run_config_seeds(const fs::path& out) {
  const std::vector<std::string> texts = {
      R"({"model": {"input_shape": [10], "layers": [{"type": "dense", "features": 5}]}, "dataset": "synthetic-regression:64", "batch_size": 8})",
      R"({"name": "mlp-digits", "tags": ["baseline"], "model": "builtin:mlp", "dataset": {"name": "mnist-digits", "limit": 100},
          "optimizer": {"name": "sgd", "lr": 1.0}, "schedule": {"type": "exponential_decay", "unit": "epochs",
          "transition_steps": 5, "decay_rate": 0.95}, "batch_size": 32, "epochs": 10})",
      R"({"model": "builtin:cnn", "dataset": {"name": "fashion-mnist", "limit": 200}, "batch_size": 100,
          "optimizer": {"name": "sgd", "lr": 0.01, "momentum": 0.99}, "epochs": 2, "checkpoint_every": 0})",
      R"({"model": "builtin:mlp", "dataset": {"name": "fashion-mnist"}, "optimizer": {"name": "adamw", "lr": 0.001},
          "schedule": {"type": "warmup_cosine_decay", "warmup_steps": 100, "decay_steps": 1000}})",
  };
  for (size_t i = 0; i < texts.size(); ++i)
    write(out / "run_config", static_cast<int>(i), engine::train::RunConfig::from_json_text(texts[i]).to_json().dump());
  write_dict(out / "run_config.dict", {"\"model\"", "\"dataset\"", "\"optimizer\"", "\"schedule\"", "\"lr\"",
                                       "\"batch_size\"", "\"epochs\"", "\"limit\"", "\"builtin:mlp\"",
                                       "\"builtin:cnn\"", "\"layers\"", "\"features\"", "\"unit\""});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds OUT_DIR\n";
    return 2;
  }
  const fs::path out = argv[1];
  try {
    fs::create_directories(out);
    idx_seeds(out);
    expr_seeds(out);
    model_spec_seeds(out);
    safetensors_seeds(out);
    run_config_seeds(out);
  } catch (const std::exception& e) {
    std::cerr << "make_seeds: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
