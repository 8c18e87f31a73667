// Evaluating programs of the expression language on Tensors. Every operator and function binds
// engine primitives, so evaluating eagerly computes values and evaluating under a trace (jvp,
// make_jaxpr, grad, ...) records a jaxpr.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "engine/expr/ast.h"
#include "engine/ir/jaxpr.h"
#include "engine/transforms/function.h"

namespace engine::expr {

// The program's result for the given variable values. Errors are ExprErrors at the position of the
// operator or call that raised them (engine errors, e.g. about shapes, get that prefix).
Tensor evaluate(const Program& program, const std::map<std::string, Tensor>& env);

// The program as a function of the named variables, in that order: one output, the result. Every
// free variable of the program must be among `inputs` (unused inputs are allowed).
FlatFn make_flat_fn(Program program, std::vector<std::string> inputs);

// The jaxpr of the program over variables of the given avals (make_jaxpr in JAX).
ClosedJaxpr make_jaxpr(const Program& program, const std::vector<std::string>& inputs,
                       const std::vector<Aval>& avals);

}  // namespace engine::expr
