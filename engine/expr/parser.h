// Parsing programs of the expression language into syntax trees (grammar in expr.h).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "engine/expr/ast.h"

namespace engine::expr {

// Throws ExprError ("line:col: message") on a syntax error, an unknown function, or a call whose
// arguments do not fit the function's signature.
Program parse_program(std::string_view source);

// Variables read before (or without) being assigned, in order of first use: the inputs the program
// needs.
std::vector<std::string> free_variables(const Program& program);

}  // namespace engine::expr
