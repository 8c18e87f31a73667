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
#pragma once
#include <memory>
#include <vector>

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
    int64_t int_param = 0;  // integer_pow's exponent; convert_element_type: 1 if to bool
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
  int num_regs = 0;
  std::vector<size_t> eqn_indices;  // which equations of the jaxpr it replaces

  // Runs the loop; inputs in input_vars order, outputs in output_vars order (allocated here).
  std::vector<Array> run(const std::vector<Array>& inputs) const;
};

// A step of a compiled program: one equation, or one fused group.
struct Step {
  int eqn = -1;                        // index into the jaxpr's equations, or -1
  std::shared_ptr<const FusedGroup> group;
};

// True for the primitives a fused loop can run, on the given avals.
bool fusible(const Eqn& eqn, const Jaxpr& jaxpr);

// Orders the jaxpr into steps, grouping fusible equations of one shape where dependencies allow.
// Groups of a single equation are left as plain equations.
std::vector<Step> plan_fusion(const Jaxpr& jaxpr);

}  // namespace engine
