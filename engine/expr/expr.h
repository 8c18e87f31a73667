// The expression language of the Autodiff Lab and gradient-cli: small, Python/jnp-flavoured
// programs over named tensors, evaluated by calling the engine's ops (so they trace into jaxprs).
//
//   y = x * 2            # assignments; statements end at ';' or a new line
//   sum(y ** 2) / 2      # the last statement is an expression: the result
//
// Numbers (2, 0.5, 1e-3), variables, + - * / @ ** (the usual precedence; ** is right-associative
// and binds tighter than unary minus), comparisons (< <= > >= == !=, for where), parentheses,
// tuples ((0, 1)), True/False/None, x.T, and calls of the functions in functions.h with positional
// or keyword arguments: sum(x, axis=0, keepdims=True). Plain numbers are weakly typed, as
// Python scalars in JAX: x * 2 with x:f32 multiplies by an f32 2.0.
//
//   Program p = expr::parse_program("sum(x * x) / 2");
//   std::vector<std::string> inputs = expr::free_variables(p);          // {"x"}
//   Tensor y = expr::evaluate(p, {{"x", Array::from_vector<float>({1, 2, 3})}});
//   ClosedJaxpr j = expr::make_jaxpr(p, {"x"}, {Aval{{4}, DType::f32}});
#pragma once
#include "engine/expr/ast.h"
#include "engine/expr/evaluate.h"
#include "engine/expr/functions.h"
#include "engine/expr/parser.h"
