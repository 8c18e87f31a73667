// Values on gradient-cli's command line and in its output.
//
// Arguments name a variable: `x=[[1,2],[3,4]]` (a value: nested JSON arrays of numbers, or one
// number, read as float32) or `x=f32[3,4]` (only a type: dtype and shape, for tracing). Tensors
// print as nested JSON arrays with 9 significant digits, which round-trips float32.
//
// Strict JSON has no NaN nor infinities, so every JSON gradient-cli prints (tensors, random
// draws, run records, training events) spells a non-finite number as one of the JSON strings
// "NaN", "Infinity" and "-Infinity" (Python: float(s) reads each back). Array values on the
// command line accept those strings, quoted or bare.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/array.h"
#include "engine/core/tensor.h"

namespace cli {

struct NamedArg {
  std::string name;
  std::string value;  // the text after '='
};

// Splits "NAME=VALUE"; `option` ("--at") names the option in errors. NAME must be an identifier.
NamedArg split_named(const std::string& arg, const std::string& option);

// Nested JSON arrays of numbers (or a single number) as an array of `dtype`. Errors start with
// `what` ("--at x") and give the column of the offending character.
engine::Array parse_json_array(std::string_view text, const std::string& what,
                               engine::DType dtype = engine::DType::f32);

// "f32[4]", "f32[]", "f64[2,3]", "i32[5]": a dtype and a shape.
engine::Aval parse_aval(std::string_view text, const std::string& what);

// "\"NaN\"", "\"Infinity\"" or "\"-Infinity\"" for a non-finite v, else "".
std::string nonfinite_json(double v);
// v as a JSON value: a number, or one of the strings above.
nlohmann::json json_number(double v);
// v in the fewest digits that read back as the same double; NaN, Infinity, -Infinity bare.
std::string shortest_number(double v);

// Nested JSON arrays; scalars print as a bare number.
std::string to_json(const engine::Array& a);
std::string to_json(const engine::Tensor& t);  // must be concrete
std::string json_string(std::string_view s);   // quoted and escaped
// {"k1": v1, "k2": v2} from already-encoded values, in the given order.
std::string json_object(const std::vector<std::pair<std::string, std::string>>& entries);

}  // namespace cli
