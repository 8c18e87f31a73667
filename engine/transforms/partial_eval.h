// Partial evaluation: splitting a jaxpr into the part computable now and the part that must wait.
//
// Given which inputs are known, forward dataflow decides every equation: one whose inputs are all
// known is known, any other is unknown. The known equations form `known`, which also outputs the
// residuals: the known values the unknown equations read. The unknown equations form `unknown`,
// which takes the residuals and the unknown inputs (JAX's partial_eval_jaxpr, as in Autodidax).
//
// Reverse mode uses this on a jvp jaxpr with primals known and tangents unknown: `known` is the
// forward pass, `unknown` is the linear map from tangents to output tangents (see autodiff.h).
#pragma once
#include <vector>

#include "engine/ir/jaxpr.h"

namespace engine {

struct PartialEval {
  // constvars: those of the original jaxpr (evaluate it with the original consts);
  // invars: the known inputs; outvars: the known outputs that are not instantiated, then residuals.
  Jaxpr known;
  // invars: residuals, then the unknown inputs; outvars: the unknown or instantiated outputs.
  Jaxpr unknown;
  std::vector<bool> out_unknowns;  // per original output: produced by `unknown`
  size_t num_residuals = 0;
  // Per variable of the original jaxpr: its number in `unknown`, or -1 where it has none (lets
  // the Autodiff Lab follow a tangent from the jvp jaxpr into the linear one).
  std::vector<int> unknown_var;
};

// in_unknowns: one flag per invar. instantiate: one flag per outvar (or empty for none); an
// instantiated output is produced by `unknown` even when it is known (a literal stays a literal,
// a known variable travels there as a residual), so the caller finds it in one place.
PartialEval partial_eval_jaxpr(const Jaxpr& jaxpr, const std::vector<bool>& in_unknowns,
                               const std::vector<bool>& instantiate = {});

}  // namespace engine
