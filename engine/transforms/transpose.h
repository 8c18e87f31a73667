// Transposition: evaluating a linear jaxpr backwards, from output cotangents to input cotangents.
//
// The inputs of the jaxpr are split into linear ones (the tangents of linearize) and non-linear
// ones (residuals, given by value). Walking the equations in reverse, each one that depends on a
// linear input hands the cotangents of its outputs to its primitive's TransposeRule; cotangents
// reaching one variable from several uses are summed. Like every interpreter here it binds in the
// current context, so the transpose runs eagerly or is traced into an enclosing jaxpr (grad of
// grad, jit of grad).
#pragma once
#include <span>
#include <vector>

#include "engine/ir/jaxpr.h"

namespace engine {

// linear: one flag per invar. args: one value per invar, read only where linear[i] is false.
// cts: one cotangent per outvar; an undefined Tensor is a symbolic zero. Returns one cotangent per
// invar: undefined for non-linear inputs, for integer or boolean ones and for symbolic zeros.
// Throws engine::Error naming the primitive when a linear value flows through one that has no
// transpose rule (the function was not linear in it).
Tensors backward_pass(const Jaxpr& jaxpr, std::span<const Tensor> consts, std::span<const Tensor> args,
                      const std::vector<bool>& linear, std::span<const Tensor> cts);

}  // namespace engine
