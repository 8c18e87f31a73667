// gradient-cli random: JAX's threefry2x32 random numbers from the command line, as JSON.
//
//   gradient-cli random key SEED                                   -> [k0,k1]
//   gradient-cli random split --key K0,K1 [--num N]                -> [[a,b],...]
//   gradient-cli random normal|uniform|bits --key K0,K1 --shape D1,D2,...  -> nested arrays
//
// Arguments are parsed here rather than by CLI11's converters so that every bad value is
// reported with the argument it came from ("--key: ...") and a nonzero exit status.
#include <charconv>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/commands.h"
#include "engine/core/error.h"
#include "engine/random/random.h"

namespace cli {

namespace {

using engine::Array;
using engine::DType;
using engine::Error;
using engine::Shape;

// The most elements a command prints; larger requests are refused before any work.
constexpr int64_t kMaxPrinted = 10'000'000;

// An integer of type T spelling the whole of `text` (decimal), or nothing.
template <class T>
bool parse_integer(const std::string& text, T& out) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (first != last && *first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, last, out);
  return first != last && ec == std::errc() && ptr == last;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parts;
}

int64_t parse_seed(const std::string& text) {
  int64_t seed = 0;
  if (!parse_integer(text, seed))
    throw Error("SEED: expected a 64-bit signed integer, got '" + text + "'");
  return seed;
}

Array parse_key(const std::string& text) {
  std::vector<std::string> parts = split_commas(text);
  uint32_t k[2] = {0, 0};
  if (parts.size() != 2 || !parse_integer(parts[0], k[0]) || !parse_integer(parts[1], k[1]))
    throw Error("--key: expected two unsigned 32-bit integers as K0,K1 (e.g. 0,42), got '" +
                text + "'");
  return Array::from_vector<uint32_t>({k[0], k[1]});
}

Shape parse_shape(const std::string& text) {
  Shape shape;
  if (text.empty()) return shape;  // a scalar
  std::vector<std::string> parts = split_commas(text);
  int64_t size = 1;
  for (size_t i = 0; i < parts.size(); ++i) {
    int64_t d = 0;
    if (!parse_integer(parts[i], d))
      throw Error("--shape: dimension " + std::to_string(i + 1) + " ('" + parts[i] +
                  "') is not an integer in '" + text + "'");
    if (d < 0)
      throw Error("--shape: dimension " + std::to_string(i + 1) + " is negative (" +
                  std::to_string(d) + ") in '" + text + "'");
    if (d > 0 && size > kMaxPrinted / d)
      throw Error("--shape: '" + text + "' has more than " + std::to_string(kMaxPrinted) +
                  " elements, more than this command prints");
    size *= d;
    shape.push_back(d);
  }
  return shape;
}

int64_t parse_count(const std::string& text, const char* what) {
  int64_t n = 0;
  if (!parse_integer(text, n) || n < 0)
    throw Error(std::string(what) + ": expected a non-negative integer, got '" + text + "'");
  if (n > kMaxPrinted)
    throw Error(std::string(what) + ": " + text + " is more than this command prints (" +
                std::to_string(kMaxPrinted) + ")");
  return n;
}

DType parse_float_dtype(const std::string& text) {
  if (text == "f32" || text == "float32") return DType::f32;
  if (text == "f64" || text == "float64") return DType::f64;
  throw Error("--dtype: expected f32 or f64, got '" + text + "'");
}

// One element as JSON: integers exactly, float32 with 9 significant digits (enough to name the
// float), float64 with 17.
void append_element(std::string& out, const Array& a, int64_t i) {
  char buf[40];
  switch (a.dtype()) {
    case DType::f32:
      std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(a.data<float>()[i]));
      break;
    case DType::f64:
      std::snprintf(buf, sizeof buf, "%.17g", a.data<double>()[i]);
      break;
    case DType::boolean:
      std::snprintf(buf, sizeof buf, "%s", a.data<bool>()[i] ? "true" : "false");
      break;
    default:
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(a.at_flat(i)));
  }
  out += buf;
}

// Row-major nested JSON arrays; a rank-0 array prints as a bare number.
void append_json(std::string& out, const Array& a, int axis, int64_t& flat) {
  if (axis == a.rank()) {
    append_element(out, a, flat++);
    return;
  }
  out += '[';
  for (int64_t i = 0; i < a.shape()[axis]; ++i) {
    if (i) out += ',';
    append_json(out, a, axis + 1, flat);
  }
  out += ']';
}

void print_json(const Array& a) {
  std::string out;
  int64_t flat = 0;
  append_json(out, a, 0, flat);
  std::cout << out << '\n';
}

// Options of the sampling subcommands; owned by the CLI::App tree through shared_ptr captures.
struct SampleOptions {
  std::string key, shape, dtype = "f32";
  double minval = 0.0, maxval = 1.0;
};

CLI::App* add_sampler(CLI::App* random, const std::string& name, const std::string& help,
                      bool has_dtype, bool has_range, void (*run)(const SampleOptions&)) {
  auto opts = std::make_shared<SampleOptions>();
  CLI::App* cmd = random->add_subcommand(name, help);
  cmd->add_option("--key", opts->key, "PRNG key as K0,K1 (two u32 words, e.g. 0,42)")->required();
  cmd->add_option("--shape", opts->shape, "output shape D1,D2,... (empty for a scalar)")
      ->required();
  if (has_dtype) cmd->add_option("--dtype", opts->dtype, "f32 (default) or f64");
  if (has_range) {
    cmd->add_option("--minval", opts->minval, "lower bound, inclusive (default 0)");
    cmd->add_option("--maxval", opts->maxval, "upper bound, exclusive (default 1)");
  }
  cmd->callback([opts, run] { run(*opts); });
  return cmd;
}

}  // namespace

void add_random_command(CLI::App& app) {
  CLI::App* random = app.add_subcommand(
      "random", "JAX-exact random numbers (classic threefry2x32 PRNG), printed as JSON");
  random->require_subcommand(1);

  auto seed = std::make_shared<std::string>();
  CLI::App* key = random->add_subcommand("key", "The PRNG key of an integer seed: [k0,k1]");
  key->add_option("SEED", *seed, "64-bit integer seed (negative allowed), as jax.random.PRNGKey")
      ->required();
  key->callback([seed] { print_json(engine::random::PRNGKey(parse_seed(*seed))); });

  struct SplitOptions {
    std::string key, num = "2";
  };
  auto split_opts = std::make_shared<SplitOptions>();
  CLI::App* split = random->add_subcommand("split", "Split a key into N new keys: [[a,b],...]");
  split->add_option("--key", split_opts->key, "PRNG key as K0,K1 (two u32 words, e.g. 0,42)")
      ->required();
  split->add_option("--num", split_opts->num, "number of keys (default 2)");
  split->callback([split_opts] {
    print_json(engine::random::split(parse_key(split_opts->key),
                                     parse_count(split_opts->num, "--num")));
  });

  add_sampler(random, "normal", "Standard normal samples (jax.random.normal)", true, false,
              [](const SampleOptions& o) {
                print_json(engine::random::normal(parse_key(o.key), parse_shape(o.shape),
                                                  parse_float_dtype(o.dtype)));
              });
  add_sampler(random, "uniform", "Uniform samples in [minval, maxval) (jax.random.uniform)", true,
              true, [](const SampleOptions& o) {
                print_json(engine::random::uniform(parse_key(o.key), parse_shape(o.shape),
                                                   o.minval, o.maxval,
                                                   parse_float_dtype(o.dtype)));
              });
  add_sampler(random, "bits", "Uniform random u32 words (jax.random.bits)", false, false,
              [](const SampleOptions& o) {
                print_json(engine::random::bits(parse_key(o.key), parse_shape(o.shape)));
              });
}

}  // namespace cli
