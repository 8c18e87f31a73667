#include "widgets/autodiff_lab/lab_function.h"

#include <sstream>

#include "engine/random/random.h"
#include "engine/transforms/jvp.h"

namespace gs {

const std::vector<LabPreset>& lab_presets() {
  static const std::vector<LabPreset> presets = {
      {"½xᵀx", "sum(x * x) / 2", {{"x", "3", "1, -2, 3"}}},
      {"x*x/2 (scalar)", "x * x / 2", {{"x", "", "1.5"}}},
      {"selu", "selu(x)", {{"x", "5", "-2, -1, 0, 1, 2"}}},
      {"MSE of a linear model", "mean((X @ w + b - y) ** 2)",
       {{"X", "4,3", ""}, {"w", "3", ""}, {"b", "", "0.1"}, {"y", "4", "1, 0, -1, 2"}}},
      {"softmax cross-entropy", "sum(-y * log_softmax(z))", {{"z", "4", "2, 1, 0.1, -1"}, {"y", "4", "0, 1, 0, 0"}}},
      {"two-layer net", "h = tanh(W1 @ x + b1)\nsum((W2 @ h + b2 - t) ** 2) / 2",
       {{"x", "3", "0.5, -1, 2"}, {"W1", "4,3", ""}, {"b1", "4", ""}, {"W2", "2,4", ""}, {"b2", "2", ""},
        {"t", "2", "1, -1"}}},
  };
  return presets;
}

int lab_preset_index(const std::string& title) {
  for (size_t i = 0; i < lab_presets().size(); ++i)
    if (lab_presets()[i].title == title) return static_cast<int>(i);
  return -1;
}

namespace {

engine::Shape parse_shape(const std::string& text, const std::string& var) {
  engine::Shape shape;
  std::string s = text;
  for (char& c : s)
    if (c == ',' || c == '[' || c == ']' || c == '(' || c == ')' || c == 'x') c = ' ';
  std::istringstream in(s);
  std::string tok;
  while (in >> tok) {
    size_t used = 0;
    long long d = -1;
    try {
      d = std::stoll(tok, &used);
    } catch (...) {
    }
    if (used != tok.size() || d <= 0 || d > 1000000)
      throw engine::Error("variable " + var + ": shape '" + text + "' is not a list of positive sizes like 4,3");
    shape.push_back(d);
  }
  return shape;
}

std::vector<float> parse_numbers(const std::string& text, const std::string& what) {
  std::string s = text;
  for (char& c : s)
    if (c == ',' || c == '[' || c == ']' || c == ';') c = ' ';
  std::istringstream in(s);
  std::vector<float> out;
  std::string tok;
  while (in >> tok) {
    size_t used = 0;
    float v = 0;
    try {
      v = std::stof(tok, &used);
    } catch (...) {
    }
    if (used != tok.size())
      throw engine::Error(what + ": '" + tok + "' is not a number");
    out.push_back(v);
  }
  return out;
}

// The numbers of `text` as an array of `shape`, or nothing when text holds none; `what` names the
// field for the error (e.g. "variable x", "the tangent of x").
std::optional<engine::Array> numbers_in_shape(const std::string& text, const engine::Shape& shape,
                                              const std::string& what, const std::string& empty_means) {
  std::vector<float> numbers = parse_numbers(text, what);
  if (numbers.empty()) return std::nullopt;
  const int64_t n = engine::shape_size(shape);
  if (static_cast<int64_t>(numbers.size()) != n)
    throw engine::Error(what + ": shape [" + engine::shape_str(shape) + "] holds " + std::to_string(n) +
                        " numbers but " + std::to_string(numbers.size()) + " were given (leave it empty " +
                        empty_means + ")");
  return engine::Array::from_vector(numbers, shape);
}

// A variable's random stream is named by the variable (FNV-1a of its name), not by its row, so
// reordering rows or adding variables leaves the others' values alone.
uint32_t name_stream(const std::string& name) {
  uint32_t h = 2166136261u;
  for (unsigned char c : name) h = (h ^ c) * 16777619u;
  return h;
}

LabError from_exception(const std::exception& e, const std::string& variable = "") {
  LabError err{e.what(), 0, 0, variable};
  if (auto* ee = dynamic_cast<const engine::expr::ExprError*>(&e)) {
    err.line = ee->pos().line;
    err.col = ee->pos().col;
  }
  return err;
}

}  // namespace

std::vector<std::string> expression_variables(const std::string& expr, LabError* error) {
  try {
    return engine::expr::free_variables(engine::expr::parse_program(expr));
  } catch (const std::exception& e) {
    if (error) *error = from_exception(e);
    return {};
  }
}

std::optional<LabFunction> build_lab_function(const std::string& expr, const std::vector<LabVariable>& vars,
                                              int64_t seed, LabError* error, const std::string& output_cotangent) {
  LabFunction f;
  try {
    f.program = engine::expr::parse_program(expr);
  } catch (const std::exception& e) {
    *error = from_exception(e);
    return std::nullopt;
  }
  for (const std::string& free : engine::expr::free_variables(f.program)) {
    bool given = false;
    for (const LabVariable& v : vars) given = given || v.name == free;
    if (!given) {
      *error = {"the expression reads '" + free + "', which has no row in the variables table", 0, 0, free};
      return std::nullopt;
    }
  }
  for (size_t i = 0; i < vars.size(); ++i) {
    const LabVariable& v = vars[i];
    try {
      engine::Shape shape = parse_shape(v.shape, v.name);
      std::optional<engine::Array> given = numbers_in_shape(v.values, shape, "variable " + v.name, "to draw them from the key");
      f.values.push_back(given ? *given
                               : engine::random::normal(engine::random::fold_in(engine::random::PRNGKey(seed),
                                                                                name_stream(v.name)),
                                                        shape));
      std::optional<engine::Array> tangent = numbers_in_shape(v.tangent, shape, "the tangent of " + v.name, "for ones");
      f.tangents.push_back(tangent ? *tangent : engine::ones(shape));
      f.names.push_back(v.name);
    } catch (const std::exception& e) {
      *error = from_exception(e, v.name);
      return std::nullopt;
    }
  }
  try {
    f.fn = engine::expr::make_flat_fn(f.program, f.names);
    // Shapes are checked by evaluating once; errors point at the operator at fault.
    engine::Tensors out = f.fn(f.values);
    GS_CHECK(engine::is_floating(out.at(0).dtype()), "the result is " + out[0].aval().str() +
                                                         ", not a float: there is nothing to differentiate");
    f.result_type = out[0].aval().str();
  } catch (const std::exception& e) {
    *error = from_exception(e);
    return std::nullopt;
  }
  try {
    const engine::Shape out_shape = f.fn(f.values).at(0).shape();
    std::optional<engine::Array> ct = numbers_in_shape(output_cotangent, out_shape, "the output's cotangent", "for ones");
    f.cotangent = ct ? *ct : engine::ones(out_shape);
  } catch (const std::exception& e) {
    *error = {e.what(), 0, 0, ""};
    return std::nullopt;
  }
  return f;
}

}  // namespace gs

#include "engine/numpy.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/vmap.h"

namespace gs {

ScalarCurve scalar_curve(const engine::FlatFn& f, double x0, double halfWidth, int points) {
  ScalarCurve c;
  c.x0 = x0;
  std::vector<float> xs(points);
  for (int i = 0; i < points; ++i) xs[i] = static_cast<float>(x0 - halfWidth + 2 * halfWidth * i / (points - 1));
  auto scalar_fn = [f](const engine::Tensor& x) { return f({x})[0]; };
  engine::Tensor grid = engine::Array::from_vector(xs);
  engine::Tensor fs = engine::vmap(scalar_fn)(grid).leaf();
  engine::Tensor dfs = engine::vmap(engine::grad(scalar_fn))(grid).leaf();
  for (int i = 0; i < points; ++i) c.x.push_back(xs[i]);
  c.f = fs.array().astype(engine::DType::f64).to_vector<double>();
  c.df = dfs.array().astype(engine::DType::f64).to_vector<double>();
  engine::Tensor p = engine::Array::scalar(x0);
  c.f0 = scalar_fn(p).array().astype(engine::DType::f64).to_vector<double>()[0];
  c.df0 = engine::grad(scalar_fn)(p).leaf().array().astype(engine::DType::f64).to_vector<double>()[0];
  return c;
}

std::pair<engine::Tensor, engine::Tensor> lab_jacobians(const engine::FlatFn& f, const engine::Tensors& values,
                                                        size_t wrt) {
  auto of_one = [f, values, wrt](const engine::Tensor& x) {
    engine::Tensors args = values;
    args[wrt] = x;
    return f(args)[0];
  };
  return {engine::jacfwd(of_one)(values[wrt]).leaf(), engine::jacrev(of_one)(values[wrt]).leaf()};
}

}  // namespace gs
