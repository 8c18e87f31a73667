// Elementwise fusion: chains of elementwise equations over one shape run as one loop.
//
// Unfused, every elementwise equation reads and writes a whole array: a swish is five passes over
// memory and four temporaries. A fused group instead walks the output in tiles of kTile elements
// that stay in L1, applying the group's operations one after another to per-tile registers, and
// writes only the values that leave the group. Each operation's inner loop is a plain loop over a
// tile, which the compiler vectorizes; tiles are shared among threads.
//
// Registers are float: boolean intermediates (comparisons feeding select_n) are 0/1. Each
// operation applies the same scalar function as the reference kernel, so results are bit for bit
// those of unfused evaluation.
//
// A group may also end in sums over its leading axes (reduce_sum of a group value or input down
// to its trailing axes: BatchNorm's per-channel sums, a loss's total). They accumulate tile by
// tile while the values are in registers, instead of a pass over a stored array after the loop;
// often the summed value then never reaches memory at all. The tiles are summed in double in a
// fixed number of chunks whose partial sums are added in order, so a sum equals the unfused one
// (also in double) up to the rounding of the partials, and is the same for any thread count.
#pragma once
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/ir/jaxpr.h"

namespace engine {

inline constexpr int64_t kFusionTile = 512;

// One fused loop: its inputs (arrays of the group's shape, or scalars read once), a straight-line
// program over registers, and which registers leave the group.
struct FusedGroup {
  struct Op {
    PrimId prim;
    int out;              // register
    std::vector<int> in;  // registers
    Params params;          // the equation's (integer_pow's exponent, convert's dtype)
  };
  Shape shape;
  // jaxpr variables read (each loaded into register i): arrays of the group's shape, scalars,
  // or f32 rows of the last axis's length that a broadcast_in_dim in the group repeats.
  std::vector<int> input_vars;
  std::vector<Array> literals;    // literals, loaded into registers after the inputs
  std::vector<Op> ops;
  std::vector<int> output_vars;   // jaxpr variables written
  std::vector<int> output_regs;   // their registers
  std::vector<DType> output_dtypes;
  // Sums of register `reg` over the leading axes into variable `var` (of `shape`, the trailing
  // axes). Their variables end output_vars, after the elementwise outputs that output_regs and
  // output_dtypes describe.
  struct Reduction {
    int reg;
    int var;
    Shape shape;
  };
  std::vector<Reduction> reductions;
  int num_regs = 0;
  std::vector<size_t> eqn_indices;  // which equations of the jaxpr it replaces
  // Per elementwise output: the inputs whose buffer it may be written into. A tile's ops run in
  // order and each reads element i before it writes element i, so an f32 input of the group's
  // shape is free to overwrite from the op producing the output on when no later op and no sum
  // reads it (in the SGD update p - lr * g: p, and g).
  std::vector<std::vector<int>> may_overwrite;

  // Runs the loop; inputs in input_vars order, outputs in output_vars order. An output is written
  // into one of its may_overwrite inputs when `inputs` holds that input's only reference (the
  // caller handed it over: Executable::run), else into a new array.
  std::vector<Array> run(const std::vector<Array>& inputs) const;
};

// One elementwise primitive alone as a fused loop of one operation (the cpu backend's eager
// path): operands of the output's shape or rank-0 scalars, f32 or bool. nullopt where no fused
// loop runs it. Its outputs never overwrite an input: eager operands stay the caller's.
std::optional<FusedGroup> one_op_loop(PrimId prim, const Params& params, std::span<const Aval> in,
                                      const Aval& out);

// A step of a compiled program: one equation, or one fused group.
struct Step {
  int eqn = -1;                        // index into the jaxpr's equations, or -1
  std::shared_ptr<const FusedGroup> group;
};

// True for the primitives a fused loop can run, on the given avals.
bool fusible(const Eqn& eqn, const Jaxpr& jaxpr);
// True for a reduce_sum of an f32 array over its leading axes, which a fused loop of the input's
// shape can accumulate (FusedGroup::reductions).
bool fusible_sum(const Eqn& eqn, const Jaxpr& jaxpr);

// A group that only transforms variable `var` step by step, each op reading the running value
// once (scaled, offset, combined with an input, a row, a scalar or a literal): the tail a
// backend can fuse into the primitive producing `var` (Backend::prepare_with_epilogue). Its
// operands are numbered from `first_input` in operand_vars order; nullopt for any other group.
struct Epilogue {
  std::vector<EpilogueOp> ops;
  std::vector<int> operand_vars;
};
std::optional<Epilogue> epilogue_of(const FusedGroup& group, const Jaxpr& jaxpr, int var, int first_input);

// Orders the jaxpr into steps, grouping fusible equations of one shape where dependencies allow.
// Groups of a single equation are left as plain equations.
std::vector<Step> plan_fusion(const Jaxpr& jaxpr);

}  // namespace engine
