// Executable: a jaxpr compiled once for one backend and run many times (what jit caches).
//
// compile() prepares each equation once with the backend (Backend::prepare: oneDNN primitives
// built, shape rules answered), fuses elementwise chains into one tiled loop each
// (compile/fusion.h) and frees each intermediate after its last use into a buffer pool that the
// next arrays of the same size reuse (core/buffer_pool.h).
#pragma once
#include <memory>
#include <span>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/ir/jaxpr.h"

namespace engine {

class Executable {
 public:
  virtual ~Executable() = default;
  // Runs on concrete inputs (one per invar, with the invars' avals). Reentrant: several threads
  // may run one executable at once.
  virtual std::vector<Array> run(std::span<const Array> inputs) const = 0;
  virtual const ClosedJaxpr& jaxpr() const = 0;
  virtual std::string backend_name() const = 0;
  virtual size_t num_fused_groups() const = 0;  // elementwise chains running as one loop
};

struct CompileOptions {
  bool fuse_elementwise = true;  // compile/fusion.h
};

// Every const of the jaxpr must be concrete (a closed-over tracer cannot be compiled).
std::unique_ptr<Executable> compile(const ClosedJaxpr& jaxpr, Backend& backend,
                                    const CompileOptions& options = {});

}  // namespace engine
