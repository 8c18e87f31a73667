// What expressions evaluate to: a Tensor, or one of the plain values that only parameterize
// functions (numbers, True/False, None, tuples like the axes in sum(x, axis=(0, 1))).
//
// Numbers stay plain doubles until they meet a tensor, then take its dtype, as Python numbers do in
// JAX (weak typing): `x * 2` with x:f32 binds `mul x 2.0`, and `2 * 3` binds nothing.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/expr/ast.h"
#include "engine/ir/params.h"

namespace engine::expr {

struct Value {
  enum class Kind { missing, tensor, number, boolean, none, tuple };
  Kind kind = Kind::missing;  // missing: an optional argument that was not given
  Tensor tensor;
  double number = 0;    // number; boolean as 0/1
  bool is_int = false;  // a number that is an integer literal (or arithmetic on them)
  std::vector<Value> items;

  static Value of(Tensor t);
  static Value num(double v, bool is_int = false);
  static Value boolean(bool b);
  static Value none() { return Value{Kind::none, {}, 0, false, {}}; }
  static Value tuple(std::vector<Value> items);
  bool given() const { return kind != Kind::missing; }
  std::string describe() const;  // "f32[3] tensor", "the number 2", "a tuple", ...
};

// A tensor from any value that can be one: numbers become f32 scalars (booleans bool scalars).
// `what` names the argument in the error for tuples and None.
Tensor to_tensor(const Value& v, const std::string& what);
// Both operands as tensors; a plain number takes the other operand's dtype (JAX's weak typing).
std::pair<Tensor, Tensor> to_tensors(const Value& a, const Value& b, const std::string& what);

// Parameter conversions; `what` names the parameter in errors ("axis", "keepdims", ...).
int64_t to_int(const Value& v, const std::string& what);
bool to_bool(const Value& v, bool fallback, const std::string& what);
double to_double(const Value& v, double fallback, const std::string& what);
// An int or a tuple of ints; nullopt for missing or None (meaning "all axes").
std::optional<IntList> to_axes(const Value& v, const std::string& what);
IntList to_int_list(const Value& v, const std::string& what);  // int or tuple of ints

// The operators. `x ** n` with an integer literal n binds integer_pow, as Python's x ** 2 does.
Value apply_binop(BinOp op, const Value& a, const Value& b);
Value apply_neg(const Value& v);
Value apply_transpose(const Value& v);  // x.T

}  // namespace engine::expr
