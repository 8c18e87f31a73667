#include "engine/transforms/make_jaxpr.h"

#include "engine/ir/trace.h"
#include "engine/transforms/jvp.h"

namespace engine {

std::pair<ClosedJaxpr, TreeDef> MakeJaxprFn::trace(const std::vector<PyTree>& args) const {
  auto [leaves, defs] = flatten_args(args);
  FlattenedFn flat = flatten_fn(fn_, std::move(defs));
  ClosedJaxpr cj = trace_to_jaxpr(flat.fn, avals_of(leaves));
  return {std::move(cj), *flat.out_def};
}

}  // namespace engine
