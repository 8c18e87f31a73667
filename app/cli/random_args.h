// Shared by gradient-cli random's commands (random.cpp) and its samplers (random_samplers.cpp):
// argument parsing that names the offending option in every error, and JSON printing.
#pragma once
#include <CLI/CLI.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/core/array.h"

namespace cli::random_args {

// The most elements a command prints; larger requests are refused before any work.
constexpr int64_t kMaxPrinted = 10'000'000;

engine::Array parse_key(const std::string& text);           // --key K0,K1
engine::Shape parse_shape(const std::string& text, const char* what = "--shape");
int64_t parse_count(const std::string& text, const char* what);
int64_t parse_int(const std::string& text, const char* what);
double parse_number(const std::string& text, const char* what);
bool parse_bool(const std::string& text, const char* what);
engine::DType parse_float_dtype(const std::string& text);  // --dtype f32|float32|f64|float64
// Sets the process-wide PRNG mode from --prng (classic or partitionable).
void apply_prng(const std::string& text);

void print_json(const engine::Array& a);
void print_u64_json(const std::vector<uint64_t>& values, const engine::Shape& shape);

// The options one sampler was given, by name without dashes ("a", "lam"); a missing option is
// absent from the map.
struct Given {
  std::map<std::string, std::string> values;
  bool has(const std::string& name) const { return values.count(name) != 0; }
  const std::string& text(const std::string& name) const { return values.at(name); }
  // The option's number, or `fallback` when absent; `required` makes absence an error.
  double number(const std::string& name, double fallback, bool required = false) const;
  engine::Array json(const std::string& name) const;  // required, nested JSON arrays as f32
};

}  // namespace cli::random_args

namespace cli {
// random NAME subcommands for every jax.random distribution (random_samplers.cpp).
void add_random_samplers(CLI::App* random);
}  // namespace cli
