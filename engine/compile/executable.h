// Executable: a jaxpr compiled once for one backend and run many times (what jit caches).
//
// compile() prepares each equation once with the backend (Backend::prepare: oneDNN primitives
// built, shape rules answered), fuses elementwise chains into one tiled loop each
// (compile/fusion.h) and frees each intermediate after its last use into a buffer pool that the
// next arrays of the same size reuse (core/buffer_pool.h).
//
// A value's last reader is handed the value itself, not a copy. A kernel holding the only
// reference to an input may write its result into that input's buffer (a fused loop whose
// output no later op of the loop needs the input for, a matmul whose epilogue adds its result to
// the input: oneDNN's sum post-op), so a chain of updates runs in place.
#pragma once
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/ir/jaxpr.h"

namespace engine {

class Executable {
 public:
  virtual ~Executable() = default;
  // Runs on concrete inputs (one per invar, with the invars' avals). Reentrant: several threads
  // may run one executable at once.
  //
  // Donation is by ownership: an input the caller moves in and holds no other reference to
  // (parameters, optimizer state) is the run's to overwrite once its last reader has it, so an
  // update such as p - lr * g is written into p's own buffer (see above). An input the
  // caller still holds is never written: what anyone can see stays immutable.
  virtual std::vector<Array> run(std::vector<Array> inputs) const = 0;
  virtual const ClosedJaxpr& jaxpr() const = 0;
  virtual std::string backend_name() const = 0;
  virtual size_t num_fused_groups() const = 0;  // elementwise chains running as one loop

  // Wall-clock time spent in each step over every run so far, in step order; empty unless
  // compiled with CompileOptions::profile. A step is one equation or one fused group.
  struct StepTime {
    std::string label;  // "conv_general_dilated f32[100,28,28,32]", "fused 7 ops f32[...]"
    std::vector<size_t> eqns;  // the jaxpr equations it runs
    int64_t calls = 0;
    double seconds = 0;
  };
  virtual std::vector<StepTime> profile() const = 0;
  virtual void reset_profile() const = 0;  // zero the times (e.g. after a warm-up run)
};

struct CompileOptions {
  bool fuse_elementwise = true;  // compile/fusion.h
  // Transposes next to a conv read or written by the conv itself (Backend::prepare_permuted).
  bool fold_transposes = true;
  // Elementwise tails fused into the matmul producing their input (Backend::prepare_with_epilogue).
  bool fuse_epilogues = true;
  // Time every step of every run (two clock reads per step; see Executable::profile). Costs
  // about 50 ns a step, so it is off unless asked for.
  bool profile = false;
};

// The steps of a profile sorted by time, largest first, as a text table (at most `top` rows).
std::string format_profile(std::vector<Executable::StepTime> steps, size_t top = 25);

// Every const of the jaxpr must be concrete (a closed-over tracer cannot be compiled).
std::unique_ptr<Executable> compile(const ClosedJaxpr& jaxpr, Backend& backend,
                                    const CompileOptions& options = {});

}  // namespace engine
