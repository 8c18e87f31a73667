// What the Autodiff Lab differentiates: a program of the expression language (engine/expr) over
// variables whose shapes and values the user sets, typed or drawn from a PRNG key. Presets are
// the classic first examples. Qt-free, so the test and the panel build functions the same way.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "engine/expr/expr.h"

namespace gs {

struct LabVariable {
  std::string name;
  std::string shape;   // "" (a scalar), "3", "4,3"
  std::string values;  // numbers separated by commas or spaces, row-major; "" draws from the key
  std::string tangent = {};  // JVP's tangent of this input, the same way; "" is ones
};

struct LabPreset {
  std::string title;
  std::string expr;
  std::vector<LabVariable> variables;
};
const std::vector<LabPreset>& lab_presets();
int lab_preset_index(const std::string& title);  // -1 if there is none

// A problem at a place: in the expression (line:col of ExprError) or in one variable's fields.
struct LabError {
  std::string message;
  int line = 0, col = 0;   // > 0: a position in the expression
  std::string variable;    // non-empty: the variable at fault
};

struct LabFunction {
  engine::expr::Program program;
  std::vector<std::string> names;  // the inputs, in the order of `variables`
  engine::Tensors values;
  engine::Tensors tangents;  // JVP's seeds, one per input
  engine::Tensor cotangent;  // VJP's seed, the output's cotangent
  engine::FlatFn fn;
  std::string result_type;  // the output's aval, e.g. "f32[]"
};

// The free variables of the expression, in order of first use (or a syntax error).
std::vector<std::string> expression_variables(const std::string& expr, LabError* error);

// Parses, reads the variables (every free variable must have one; shapes like "4,3"; values
// exactly as many numbers as the shape holds, else drawn N(0,1) from PRNGKey(seed) folded with
// a hash of the variable's name) and evaluates once to check shapes. Tangents and the output's
// cotangent are numbers as values are, or ones when empty. On failure: nullopt and *error.
std::optional<LabFunction> build_lab_function(const std::string& expr, const std::vector<LabVariable>& vars,
                                              int64_t seed, LabError* error,
                                              const std::string& output_cotangent = "");

}  // namespace gs

namespace gs {

// f and f′ of a scalar function of one scalar around x0, both by vmap over the points (f′ is
// vmap of grad, as in JAX), and the point itself, for the lab's plot with the tangent line.
struct ScalarCurve {
  std::vector<double> x, f, df;
  double x0 = 0, f0 = 0, df0 = 0;
};
ScalarCurve scalar_curve(const engine::FlatFn& f, double x0, double halfWidth = 3.0, int points = 201);

// The Jacobian of f's output with respect to input `wrt` (the others held fixed), by jacfwd and
// by jacrev, each of shape out.shape + in.shape.
std::pair<engine::Tensor, engine::Tensor> lab_jacobians(const engine::FlatFn& f, const engine::Tensors& values,
                                                        size_t wrt);

}  // namespace gs
