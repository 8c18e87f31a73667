#include "engine/expr/functions.h"

#include <algorithm>

#include "engine/numpy.h"

namespace engine::expr {

namespace {

using Args = std::span<const Value>;

Tensor arg(Args a, size_t i, std::string_view name) {
  return to_tensor(a[i], std::string(name));
}

IntList all_axes(const Tensor& x) {
  IntList axes;
  for (int i = 0; i < x.rank(); ++i) axes.push_back(i);
  return axes;
}

// sum/mean/max/min/prod/var(x, axis=None, keepdims=False): axis None reduces every axis.
template <class F>
Value reduction(Args a, F f) {
  Tensor x = arg(a, 0, "x");
  IntList axes = to_axes(a[1], "axis").value_or(all_axes(x));
  return Value::of(f(x, axes, to_bool(a[2], false, "keepdims")));
}

// Table entries for one-argument functions and reductions (macros, because the C++ names are
// overloaded: the call inside the lambda picks the Tensor overload).
#define GS_UNARY(fn) [](Args a) { return Value::of(fn(arg(a, 0, "x"))); }
#define GS_REDUCTION(fn)                                                                   \
  [](Args a) {                                                                             \
    return reduction(a, [](const Tensor& x, IntList ax, bool k) { return fn(x, ax, k); }); \
  }

Value binop_fn(BinOp op, Args a) {
  return apply_binop(op, a[0], a[1]);
}

Value logsumexp_fn(Args a) {
  Tensor x = arg(a, 0, "x");
  bool keepdims = to_bool(a[2], false, "keepdims");
  std::optional<IntList> axes = to_axes(a[1], "axis");
  if (!axes) {
    Tensor out = logsumexp(x);
    return Value::of(keepdims ? reshape(out, Shape(x.rank(), 1)) : out);
  }
  GS_CHECK(axes->size() == 1, "axis must be a single integer (one axis at a time)");
  return Value::of(logsumexp(x, (*axes)[0], keepdims));
}

int64_t axis_or(const Value& v, int64_t fallback) {
  return v.given() ? to_int(v, "axis") : fallback;
}

Value softmax_fn(Args a) {
  return Value::of(softmax(arg(a, 0, "x"), axis_or(a[1], -1)));
}
Value log_softmax_fn(Args a) {
  return Value::of(log_softmax(arg(a, 0, "x"), axis_or(a[1], -1)));
}

Value where_fn(Args a) {
  Tensor cond = arg(a, 0, "condition");
  auto [x, y] = to_tensors(a[1], a[2], "x and y");
  return Value::of(where(cond, x, y));
}

Value two_tensors(Args a, Tensor (*f)(const Tensor&, const Tensor&)) {
  auto [x, y] = to_tensors(a[0], a[1], "operand");
  return Value::of(f(x, y));
}

Value transpose_fn(Args a) {
  Tensor x = arg(a, 0, "x");
  IntList perm =
      a[1].given() && a[1].kind != Value::Kind::none ? to_int_list(a[1], "axes") : IntList{};
  return Value::of(transpose(x, perm));
}

Value reshape_fn(Args a) {
  IntList shape = to_int_list(a[1], "shape");
  return Value::of(reshape(arg(a, 0, "x"), Shape(shape.begin(), shape.end())));
}

// clang-format off
const std::vector<FunctionSpec>& table() {
  static const std::vector<FunctionSpec> specs = {
      // Reductions.
      {"sum",
       {"x", "axis", "keepdims"},
       1,
       "sum of elements over the given axes (all by default)",
       GS_REDUCTION(sum)},
      {"mean", {"x", "axis", "keepdims"}, 1, "mean over the given axes", GS_REDUCTION(mean)},
      {"max", {"x", "axis", "keepdims"}, 1, "maximum over the given axes", GS_REDUCTION(max)},
      {"min", {"x", "axis", "keepdims"}, 1, "minimum over the given axes", GS_REDUCTION(min)},
      {"prod", {"x", "axis", "keepdims"}, 1, "product over the given axes", GS_REDUCTION(prod)},
      {"var", {"x", "axis", "keepdims"}, 1, "variance over the given axes", GS_REDUCTION(var)},
      {"logsumexp", {"x", "axis", "keepdims"}, 1, "log(sum(exp(x))) computed stably", logsumexp_fn},
      {"softmax", {"x", "axis"}, 1, "exp(x) / sum(exp(x)) along axis (default -1)", softmax_fn},
      {"log_softmax", {"x", "axis"}, 1, "x - logsumexp(x) along axis (default -1)", log_softmax_fn},
      // Elementwise math.
      {"exp", {"x"}, 1, "e**x", GS_UNARY(exp)},
      {"log", {"x"}, 1, "natural logarithm", GS_UNARY(log)},
      {"log1p", {"x"}, 1, "log(1 + x), accurate near 0", GS_UNARY(log1p)},
      {"expm1", {"x"}, 1, "exp(x) - 1, accurate near 0", GS_UNARY(expm1)},
      {"sin", {"x"}, 1, "sine", GS_UNARY(sin)},
      {"cos", {"x"}, 1, "cosine", GS_UNARY(cos)},
      {"tan", {"x"}, 1, "tangent", GS_UNARY(tan)},
      {"tanh", {"x"}, 1, "hyperbolic tangent", GS_UNARY(tanh)},
      {"sqrt", {"x"}, 1, "square root", GS_UNARY(sqrt)},
      {"rsqrt", {"x"}, 1, "1 / sqrt(x)", GS_UNARY(rsqrt)},
      {"abs", {"x"}, 1, "absolute value", GS_UNARY(abs)},
      {"square", {"x"}, 1, "x * x", GS_UNARY(square)},
      {"sign", {"x"}, 1, "-1, 0 or 1", GS_UNARY(sign)},
      {"floor", {"x"}, 1, "round down", GS_UNARY(floor)},
      {"ceil", {"x"}, 1, "round up", GS_UNARY(ceil)},
      {"round", {"x"}, 1, "round to nearest, halves to even", GS_UNARY(round)},
      {"erf", {"x"}, 1, "error function", GS_UNARY(erf)},
      {"stop_gradient", {"x"}, 1, "x, with a zero derivative", GS_UNARY(stop_gradient)},
      {"pow", {"x1", "x2"}, 2, "x1 ** x2", [](Args a) { return binop_fn(BinOp::pow, a); }},
      {"maximum",
       {"x1", "x2"},
       2,
       "elementwise maximum",
       [](Args a) { return two_tensors(a, maximum); }},
      {"minimum",
       {"x1", "x2"},
       2,
       "elementwise minimum",
       [](Args a) { return two_tensors(a, minimum); }},
      {"where", {"condition", "x", "y"}, 3, "x where condition is true, else y", where_fn},
      // Activations (jax.nn).
      {"sigmoid", {"x"}, 1, "1 / (1 + exp(-x))", GS_UNARY(sigmoid)},
      {"relu", {"x"}, 1, "max(x, 0)", GS_UNARY(relu)},
      {"swish", {"x"}, 1, "x * sigmoid(x)", GS_UNARY(swish)},
      {"silu", {"x"}, 1, "x * sigmoid(x) (same as swish)", GS_UNARY(swish)},
      {"selu", {"x"}, 1, "scaled exponential linear unit", GS_UNARY(selu)},
      {"elu",
       {"x", "alpha"},
       1,
       "x if x > 0 else alpha * expm1(x)",
       [](Args a) { return Value::of(elu(arg(a, 0, "x"), to_double(a[1], 1.0, "alpha"))); }},
      {"leaky_relu",
       {"x", "negative_slope"},
       1,
       "x if x >= 0 else negative_slope * x",
       [](Args a) {
         return Value::of(leaky_relu(arg(a, 0, "x"), to_double(a[1], 0.01, "negative_slope")));
       }},
      {"gelu",
       {"x", "approximate"},
       1,
       "Gaussian error linear unit (tanh approximation by default)",
       [](Args a) { return Value::of(gelu(arg(a, 0, "x"), to_bool(a[1], true, "approximate"))); }},
      {"softplus", {"x"}, 1, "log(1 + exp(x))", GS_UNARY(softplus)},
      {"log_sigmoid", {"x"}, 1, "log(sigmoid(x))", GS_UNARY(log_sigmoid)},
      // Linear algebra and shapes.
      {"dot",
       {"a", "b"},
       2,
       "dot product (NumPy semantics: matrix product for 2-D, sum product for 1-D)",
       [](Args a) { return Value::of(engine::dot(arg(a, 0, "a"), arg(a, 1, "b"))); }},
      {"matmul",
       {"a", "b"},
       2,
       "matrix product with NumPy broadcasting (also a @ b)",
       [](Args a) { return Value::of(engine::matmul(arg(a, 0, "a"), arg(a, 1, "b"))); }},
      {"transpose",
       {"x", "axes"},
       1,
       "permute axes (reverse them by default; also x.T)",
       transpose_fn},
      {"reshape",
       {"x", "shape"},
       2,
       "same elements in a new shape; one extent may be -1",
       reshape_fn},
  };
  return specs;
}
// clang-format on
#undef GS_UNARY
#undef GS_REDUCTION

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string FunctionSpec::signature() const {
  std::string s = std::string(name) + "(";
  for (size_t i = 0; i < params.size(); ++i) {
    if (i) s += ", ";
    s += params[i];
    if (static_cast<int>(i) >= required) s += "=...";
  }
  return s + ")";
}

std::span<const FunctionSpec> functions() {
  return table();
}

const FunctionSpec* find_function(std::string_view name) {
  for (const FunctionSpec& f : table())
    if (f.name == name) return &f;
  return nullptr;
}

std::string closest_name(std::string_view name, const std::vector<std::string>& candidates) {
  // A typo is a few edits away; allow about one edit per three characters (at least 1, at most 3).
  size_t limit = std::clamp<size_t>((name.size() + 2) / 3, 1, 3);
  std::string best;
  size_t best_distance = limit + 1;
  for (const std::string& c : candidates) {
    size_t d = edit_distance(name, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best = closest_name(name, candidates);
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

}  // namespace engine::expr
