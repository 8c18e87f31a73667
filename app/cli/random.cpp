// gradient-cli random: JAX's threefry2x32 random numbers from the command line, as JSON, in
// either of JAX's PRNG modes (--prng classic, the default, or partitionable).
//
//   gradient-cli random key SEED                                   -> [k0,k1]
//   gradient-cli random split --key K0,K1 [--num N] [--prng M]     -> [[a,b],...]
//   gradient-cli random fold_in --key K0,K1 --data D               -> [a,b]
//   gradient-cli random NAME --key K0,K1 [--shape D1,D2] [params] [--prng M]  -> nested arrays
//     for every jax.random sampler NAME (random_samplers.cpp)
//
// Arguments are parsed here rather than by CLI11's converters so that every bad value is
// reported with the argument it came from ("--key: ...") and a nonzero exit status.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/commands.h"
#include "app/cli/json_io.h"
#include "app/cli/random_args.h"
#include "engine/core/error.h"
#include "engine/random/random.h"

namespace cli {

namespace random_args {

using engine::Array;
using engine::DType;
using engine::Error;
using engine::Shape;

namespace {

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

// One element as JSON: integers exactly, float32 with 9 significant digits (enough to name the
// float), float64 with 17.
void append_element(std::string& out, const Array& a, int64_t i) {
  if (engine::is_floating(a.dtype()) && !std::isfinite(a.at_flat(i))) {
    out += nonfinite_json(a.at_flat(i));
    return;
  }
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

// Row-major nested JSON arrays; a rank-0 value prints as a bare number.
template <class Element>
void append_nested(std::string& out, const Shape& shape, size_t axis, int64_t& flat,
                   const Element& element) {
  if (axis == shape.size()) {
    element(out, flat++);
    return;
  }
  out += '[';
  for (int64_t i = 0; i < shape[axis]; ++i) {
    if (i) out += ',';
    append_nested(out, shape, axis + 1, flat, element);
  }
  out += ']';
}

}  // namespace

Array parse_key(const std::string& text) {
  std::vector<std::string> parts = split_commas(text);
  uint32_t k[2] = {0, 0};
  if (parts.size() != 2 || !parse_integer(parts[0], k[0]) || !parse_integer(parts[1], k[1]))
    throw Error("--key: expected two unsigned 32-bit integers as K0,K1 (e.g. 0,42), got '" +
                text + "'");
  return Array::from_vector<uint32_t>({k[0], k[1]});
}

Shape parse_shape(const std::string& text, const char* what) {
  Shape shape;
  if (text.empty()) return shape;  // a scalar
  std::vector<std::string> parts = split_commas(text);
  int64_t size = 1;
  for (size_t i = 0; i < parts.size(); ++i) {
    int64_t d = 0;
    if (!parse_integer(parts[i], d))
      throw Error(std::string(what) + ": dimension " + std::to_string(i + 1) + " ('" + parts[i] +
                  "') is not an integer in '" + text + "'");
    if (d < 0)
      throw Error(std::string(what) + ": dimension " + std::to_string(i + 1) + " is negative (" +
                  std::to_string(d) + ") in '" + text + "'");
    if (d > 0 && size > kMaxPrinted / d)
      throw Error(std::string(what) + ": '" + text + "' has more than " +
                  std::to_string(kMaxPrinted) + " elements, more than this command prints");
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

int64_t parse_int(const std::string& text, const char* what) {
  int64_t n = 0;
  if (!parse_integer(text, n))
    throw Error(std::string(what) + ": expected a 64-bit integer, got '" + text + "'");
  return n;
}

double parse_number(const std::string& text, const char* what) {
  double v = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (first != last && *first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, last, v);
  if (first == last || ec != std::errc() || ptr != last)
    throw Error(std::string(what) + ": expected a number, got '" + text + "'");
  return v;
}

bool parse_bool(const std::string& text, const char* what) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  throw Error(std::string(what) + ": expected true or false, got '" + text + "'");
}

DType parse_float_dtype(const std::string& text) {
  if (text == "f32" || text == "float32") return DType::f32;
  if (text == "f64" || text == "float64") return DType::f64;
  throw Error("--dtype: expected f32 or f64, got '" + text + "'");
}

void apply_prng(const std::string& text) {
  engine::random::set_prng_mode(engine::random::parse_prng_mode(text, "--prng"));
}

void print_json(const Array& a) {
  std::string out;
  int64_t flat = 0;
  append_nested(out, a.shape(), 0, flat,
                [&](std::string& o, int64_t i) { append_element(o, a, i); });
  std::cout << out << '\n';
}

void print_u64_json(const std::vector<uint64_t>& values, const Shape& shape) {
  std::string out;
  int64_t flat = 0;
  append_nested(out, shape, 0, flat,
                [&](std::string& o, int64_t i) { o += std::to_string(values[i]); });
  std::cout << out << '\n';
}

double Given::number(const std::string& name, double fallback, bool required) const {
  const std::string option = "--" + name;
  if (!has(name)) {
    if (required) throw Error(option + ": required by this distribution");
    return fallback;
  }
  return parse_number(text(name), option.c_str());
}

Array Given::json(const std::string& name) const {
  const std::string option = "--" + name;
  if (!has(name)) throw Error(option + ": required by this distribution");
  return parse_json_array(text(name), option);
}

}  // namespace random_args

void add_random_command(CLI::App& app) {
  using namespace random_args;
  CLI::App* random = app.add_subcommand(
      "random",
      "JAX-exact random numbers (threefry2x32; --prng classic, the default, or partitionable, "
      "JAX's default since 0.5), printed as JSON");
  random->require_subcommand(1);

  auto seed = std::make_shared<std::string>();
  CLI::App* key = random->add_subcommand("key", "The PRNG key of an integer seed: [k0,k1]");
  key->add_option("SEED", *seed, "64-bit integer seed (negative allowed), as jax.random.PRNGKey")
      ->required();
  key->callback([seed] {
    int64_t s = 0;
    try {
      s = parse_int(*seed, "SEED");
    } catch (const engine::Error&) {
      throw engine::Error("SEED: expected a 64-bit signed integer, got '" + *seed + "'");
    }
    print_json(engine::random::PRNGKey(s));
  });

  struct KeyOptions {
    std::string key, num = "2", data, prng = "classic";
  };
  auto split_opts = std::make_shared<KeyOptions>();
  CLI::App* split = random->add_subcommand("split", "Split a key into N new keys: [[a,b],...]");
  split->add_option("--key", split_opts->key, "PRNG key as K0,K1 (two u32 words, e.g. 0,42)")
      ->required();
  split->add_option("--num", split_opts->num, "number of keys (default 2)");
  split->add_option("--prng", split_opts->prng, "classic (default) or partitionable");
  split->callback([split_opts] {
    apply_prng(split_opts->prng);
    print_json(engine::random::split(parse_key(split_opts->key),
                                     parse_count(split_opts->num, "--num")));
  });

  auto fold_opts = std::make_shared<KeyOptions>();
  CLI::App* fold = random->add_subcommand("fold_in", "A key derived from a key and a u32: [a,b]");
  fold->add_option("--key", fold_opts->key, "PRNG key as K0,K1 (two u32 words, e.g. 0,42)")
      ->required();
  fold->add_option("--data", fold_opts->data, "a 32-bit unsigned integer")->required();
  fold->add_option("--prng", fold_opts->prng, "classic (default) or partitionable (same result)");
  fold->callback([fold_opts] {
    apply_prng(fold_opts->prng);
    const int64_t d = parse_int(fold_opts->data, "--data");
    if (d < 0 || d > std::numeric_limits<uint32_t>::max())
      throw engine::Error("--data: expected an unsigned 32-bit integer, got '" + fold_opts->data + "'");
    print_json(engine::random::fold_in(parse_key(fold_opts->key), static_cast<uint32_t>(d)));
  });

  add_random_samplers(random);
}

}  // namespace cli
