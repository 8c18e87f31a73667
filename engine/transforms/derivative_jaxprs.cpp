#include "engine/transforms/derivative_jaxprs.h"

#include "engine/ir/trace.h"
#include "engine/transforms/jvp.h"
#include "engine/transforms/transpose.h"

namespace engine {

DerivativeJaxprs derivative_jaxprs(const FlatFn& f, const Tensors& primals) {
  LinearizeRecord rec;
  DerivativeJaxprs d;
  d.linearized = linearize_flat_recorded(f, primals, rec);
  const LinearizedFn& lin = d.linearized;
  const Jaxpr& lj = lin.linear.jaxpr;

  // The transpose traced once: the walk LinearizedFn::vjp does, recorded into a jaxpr over the
  // non-zero output cotangents. Kept cotangents say which variable holds each one's total.
  std::vector<Aval> ct_avals;
  for (size_t i = 0; i < lin.out_avals.size(); ++i)
    if (!lin.zero_out[i]) ct_avals.push_back(lin.out_avals[i]);
  std::vector<int> cotangent_var(lj.avals.size(), -1);
  d.transposed = trace_to_jaxpr(
      [&](const Tensors& cts) {
        std::vector<bool> all_linear(lj.invars.size(), true);
        Tensors no_args(lj.invars.size());
        BackwardPass pass(lj, lin.linear.consts, no_args, all_linear, cts, /*keep_cotangents=*/true);
        while (!pass.finished()) pass.step();
        const Builder* b = current_builder();
        for (size_t v = 0; v < lj.avals.size(); ++v) {
          const Tensor& c = pass.cotangent(static_cast<int>(v));
          if (c.is_traced() && c.tracer()->trace_id == b->id()) cotangent_var[v] = c.tracer()->var;
        }
        return instantiate_zeros(pass.input_cotangents(), lin.in_avals);
      },
      ct_avals);

  d.primal = std::move(rec.primal);
  d.jvp = std::move(rec.jvp);
  d.links = std::move(rec.links);
  d.linear_eqn_origin = std::move(rec.linear_eqn_origin);
  for (VarLinks& l : d.links)
    if (l.linear_tangent >= 0) l.cotangent = cotangent_var[l.linear_tangent];
  return d;
}

}  // namespace engine
