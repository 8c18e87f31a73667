// Jaxpr -> jaxpr optimization passes, run by jit before compiling.
//
// Every pass keeps the inputs and outputs of the jaxpr (their number, order and avals) and, unless
// noted, the exact floating-point results: nothing is reassociated and no kernel is replaced by a
// different computation. The documented exceptions are in simplify():
//   * x + 0 -> x turns a -0.0 result into the -0.0 of x (IEEE gives +0.0); values compare equal.
//   * 0 * x -> 0 assumes x is finite (IEEE gives NaN for inf or NaN x, and -0.0 for negative x);
//     it is controlled by PassOptions::fold_zero_products.
// Variables keep their numbers within a pass; dce() compacts them at the end.
#pragma once
#include "engine/backend/backend.h"
#include "engine/ir/jaxpr.h"

namespace engine {

struct PassOptions {
  // Constant folding evaluates an equation at compile time when all its inputs are known and its
  // outputs have at most this many elements (so folding never bloats a jaxpr with big constants;
  // zeros(shape) stays a broadcast of a literal).
  int64_t fold_max_elements = 64;
  // Where folded equations run; nullptr means the thread's default backend. jit passes the
  // backend it compiles for, so a folded value has the bits executing it would have given.
  Backend* backend = nullptr;
  bool fold_zero_products = true;  // 0 * x -> zeros (see above)
  int max_rounds = 4;              // optimize() repeats until nothing changes, at most this often
};

// What a pass did, for tests and the compiler's log.
struct PassStats {
  int removed = 0;     // equations deleted by dce
  int merged = 0;      // equations replaced by an earlier identical one (cse)
  int folded = 0;      // equations evaluated at compile time
  int simplified = 0;  // equations rewritten or forwarded by algebraic simplification
  int total() const { return removed + merged + folded + simplified; }
};

// Dead code elimination: drops equations none of whose outputs are used (every primitive is pure)
// and constvars nothing reads, then renumbers variables densely in order of appearance.
ClosedJaxpr dce(const ClosedJaxpr& cj, PassStats* stats = nullptr);
// Common subexpression elimination: an equation with the same primitive, params and inputs as an
// earlier one reuses its outputs.
ClosedJaxpr cse(const ClosedJaxpr& cj, PassStats* stats = nullptr);
// Constant folding: equations whose inputs are all literals or concrete consts, with small outputs,
// are evaluated now; rank-0 results become literals, others new consts.
ClosedJaxpr fold_constants(const ClosedJaxpr& cj, const PassOptions& options = {}, PassStats* stats = nullptr);
// Algebraic simplification of what tracing and autodiff emit: x*1, x/1, x+0, x-0, 0*x, a scalar
// broadcast feeding a binary elementwise op (the primitive takes the scalar itself), and
// convert_element_type / reshape / squeeze / transpose / broadcast_in_dim / reduce_sum that do nothing,
// and a transpose that swaps the free axes of its dot_general (the product of the swapped operands).
ClosedJaxpr simplify(const ClosedJaxpr& cj, const PassOptions& options = {}, PassStats* stats = nullptr);

// The pipeline jit runs: simplify, fold, cse until a fixed point, then dce.
ClosedJaxpr optimize(const ClosedJaxpr& cj, const PassOptions& options = {}, PassStats* stats = nullptr);

// Replaces variables by atoms (a forwarded variable or a literal) in every equation input and
// output of a jaxpr; the helper each rewriting pass is built on.
struct Substitution {
  std::vector<Atom> to;  // indexed by variable; var < 0 and no literal means "unchanged"
  explicit Substitution(size_t num_vars) : to(num_vars) {}
  void set(int var, Atom atom);
  Atom apply(const Atom& a) const;
  void apply_to_inputs(Eqn& e) const;
  void grow(size_t num_vars) { to.resize(num_vars); }
};

}  // namespace engine
