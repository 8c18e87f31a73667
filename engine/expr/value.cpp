#include "engine/expr/value.h"

#include <cmath>

#include "engine/numpy.h"

namespace engine::expr {

Value Value::of(Tensor t) {
  Value v;
  v.kind = Kind::tensor;
  v.tensor = std::move(t);
  return v;
}

Value Value::num(double x, bool is_int) {
  Value v;
  v.kind = Kind::number;
  v.number = x;
  v.is_int = is_int;
  return v;
}

Value Value::boolean(bool b) {
  Value v;
  v.kind = Kind::boolean;
  v.number = b ? 1 : 0;
  v.is_int = true;
  return v;
}

Value Value::tuple(std::vector<Value> items) {
  Value v;
  v.kind = Kind::tuple;
  v.items = std::move(items);
  return v;
}

namespace {
std::string number_text(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", x);
  return buf;
}
bool is_plain(const Value& v) {
  return v.kind == Value::Kind::number || v.kind == Value::Kind::boolean;
}
}  // namespace

std::string Value::describe() const {
  switch (kind) {
    case Kind::missing:
      return "nothing";
    case Kind::tensor:
      return "a " + tensor.aval().str() + " tensor";
    case Kind::number:
      return "the number " + number_text(number);
    case Kind::boolean:
      return number != 0 ? "True" : "False";
    case Kind::none:
      return "None";
    case Kind::tuple:
      return "a tuple of " + std::to_string(items.size());
  }
  return "?";
}

Tensor to_tensor(const Value& v, const std::string& what) {
  switch (v.kind) {
    case Value::Kind::tensor:
      return v.tensor;
    case Value::Kind::number:
      return Array::scalar(v.number, DType::f32);
    case Value::Kind::boolean:
      return Array::scalar(v.number, DType::boolean);
    default:
      throw Error(what + " must be an array or a number, got " + v.describe());
  }
}

namespace {
// A float number meeting an integer or bool tensor makes the result float32, as a Python float
// does in JAX (n * 0.5 is [1.5, ...], not n * 0; n - 1e308 is not an int32 overflow).
Tensor weakly_promoted(const Value& number, const Tensor& t) {
  if (number.kind == Value::Kind::number && !number.is_int && !is_floating(t.dtype()))
    return astype(t, DType::f32);
  return t;
}
}  // namespace

std::pair<Tensor, Tensor> to_tensors(const Value& a, const Value& b, const std::string& what) {
  if (is_plain(a) && b.kind == Value::Kind::tensor &&
      !(a.kind == Value::Kind::boolean && b.tensor.dtype() == DType::boolean)) {
    Tensor t = weakly_promoted(a, b.tensor);
    return {scalar_like(a.number, t), t};
  }
  if (is_plain(b) && a.kind == Value::Kind::tensor &&
      !(b.kind == Value::Kind::boolean && a.tensor.dtype() == DType::boolean)) {
    Tensor t = weakly_promoted(b, a.tensor);
    return {t, scalar_like(b.number, t)};
  }
  return {to_tensor(a, what), to_tensor(b, what)};
}

int64_t to_int(const Value& v, const std::string& what) {
  bool integral = v.kind == Value::Kind::number && std::isfinite(v.number) &&
                  v.number == std::floor(v.number) && std::fabs(v.number) < 9.0e15;
  GS_CHECK(integral, what + " must be an integer, got " + v.describe());
  return static_cast<int64_t>(v.number);
}

bool to_bool(const Value& v, bool fallback, const std::string& what) {
  if (!v.given()) return fallback;
  GS_CHECK(v.kind == Value::Kind::boolean, what + " must be True or False, got " + v.describe());
  return v.number != 0;
}

double to_double(const Value& v, double fallback, const std::string& what) {
  if (!v.given()) return fallback;
  GS_CHECK(v.kind == Value::Kind::number, what + " must be a number, got " + v.describe());
  return v.number;
}

IntList to_int_list(const Value& v, const std::string& what) {
  if (v.kind != Value::Kind::tuple) return {to_int(v, what)};
  IntList out;
  for (const Value& item : v.items) out.push_back(to_int(item, what + " entry"));
  return out;
}

std::optional<IntList> to_axes(const Value& v, const std::string& what) {
  if (!v.given() || v.kind == Value::Kind::none) return std::nullopt;
  return to_int_list(v, what);
}

namespace {

Value fold_numbers(BinOp op, double a, double b, bool both_int) {
  switch (op) {
    case BinOp::add:
      return Value::num(a + b, both_int);
    case BinOp::sub:
      return Value::num(a - b, both_int);
    case BinOp::mul:
      return Value::num(a * b, both_int);
    case BinOp::div:
      return Value::num(a / b);
    case BinOp::pow:
      return Value::num(std::pow(a, b), both_int && b >= 0);
    case BinOp::lt:
      return Value::boolean(a < b);
    case BinOp::le:
      return Value::boolean(a <= b);
    case BinOp::gt:
      return Value::boolean(a > b);
    case BinOp::ge:
      return Value::boolean(a >= b);
    case BinOp::eq:
      return Value::boolean(a == b);
    case BinOp::ne:
      return Value::boolean(a != b);
    case BinOp::matmul:
      break;
  }
  throw Error("'@' needs arrays of rank >= 1, got two numbers");
}

}  // namespace

Value apply_binop(BinOp op, const Value& a, const Value& b) {
  std::string what = "operand of '" + std::string(binop_symbol(op)) + "'";
  if (is_plain(a) && is_plain(b)) return fold_numbers(op, a.number, b.number, a.is_int && b.is_int);
  if (op == BinOp::pow && a.kind == Value::Kind::tensor && b.kind == Value::Kind::number &&
      b.is_int && std::fabs(b.number) <= 1 << 30)
    return Value::of(integer_pow(a.tensor, static_cast<int64_t>(b.number)));
  auto [x, y] = to_tensors(a, b, what);
  switch (op) {
    case BinOp::add:
      return Value::of(add(x, y));
    case BinOp::sub:
      return Value::of(sub(x, y));
    case BinOp::mul:
      return Value::of(mul(x, y));
    case BinOp::div:
      return Value::of(div(x, y));
    case BinOp::matmul:
      return Value::of(engine::matmul(x, y));
    case BinOp::pow:
      return Value::of(pow(x, y));
    case BinOp::lt:
      return Value::of(less(x, y));
    case BinOp::le:
      return Value::of(less_equal(x, y));
    case BinOp::gt:
      return Value::of(greater(x, y));
    case BinOp::ge:
      return Value::of(greater_equal(x, y));
    case BinOp::eq:
      return Value::of(equal(x, y));
    case BinOp::ne:
      return Value::of(not_equal(x, y));
  }
  throw Error("internal: unknown operator");
}

Value apply_neg(const Value& v) {
  if (is_plain(v)) return Value::num(-v.number, v.is_int);
  return Value::of(neg(to_tensor(v, "operand of unary '-'")));
}

Value apply_transpose(const Value& v) {
  if (is_plain(v)) return v;  // a scalar is its own transpose, as in NumPy
  return Value::of(transpose(to_tensor(v, "operand of '.T'")));
}

}  // namespace engine::expr
