// The functions an expression can call: a table of jnp / jax.nn functions with Python-style
// signatures. Parameters bind like Python's: positionally in order, or by keyword
// (`sum(x, 0)` == `sum(x, axis=0)`); the first `required` must be given.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/expr/value.h"

namespace engine::expr {

struct FunctionSpec {
  std::string_view name;
  std::vector<std::string_view> params;
  int required = 1;
  std::string_view doc;  // one line: what it computes
  // Called with one Value per parameter (Kind::missing for those not given).
  Value (*impl)(std::span<const Value> args) = nullptr;
  std::string signature()
      const;  // "sum(x, axis=None, keepdims=False)" style: "sum(x, axis, keepdims)"
};

std::span<const FunctionSpec> functions();
const FunctionSpec* find_function(std::string_view name);

// The candidate closest to `name` by edit distance when it is close enough to be a likely typo,
// else an empty string. Used for "did you mean" hints on functions, keywords and variables.
std::string closest_name(std::string_view name, const std::vector<std::string>& candidates);
std::string did_you_mean(
    std::string_view name,
    const std::vector<std::string>& candidates);  // " (did you mean 'x'?)" or ""

}  // namespace engine::expr
