#include "engine/ir/trace.h"

#include <atomic>

#include "engine/backend/backend.h"

namespace engine {

namespace {
thread_local std::vector<Builder*> builder_stack;
std::atomic<uint64_t> next_trace_id{1};

bool trace_active(uint64_t id) {
  for (Builder* b : builder_stack)
    if (b->id() == id) return true;
  return false;
}
}  // namespace

Builder* current_builder() { return builder_stack.empty() ? nullptr : builder_stack.back(); }

Builder::Builder() : id_(next_trace_id++) { builder_stack.push_back(this); }

Builder::~Builder() {
  if (!finished_ && !builder_stack.empty() && builder_stack.back() == this) builder_stack.pop_back();
}

Tensor Builder::tracer_for(int var) {
  return Tensor(std::make_shared<const Tracer>(Tracer{id_, var, jaxpr_.avals[var]}));
}

Tensor Builder::new_input(const Aval& aval) {
  int v = jaxpr_.new_var(aval);
  jaxpr_.invars.push_back(v);
  return tracer_for(v);
}

Atom Builder::atom_for(const Tensor& t) {
  GS_CHECK(t.defined(), "internal: an undefined tensor was passed to a primitive");
  if (const auto& tr = t.tracer()) {
    if (tr->trace_id == id_) return Atom::of(tr->var);
    GS_CHECK(trace_active(tr->trace_id),
             "a traced value " + tr->aval.str() +
                 " escaped the transformation that created it (was it stored outside the "
                 "function, e.g. in a global or a captured variable?)");
  } else if (t.size() == 1 && t.rank() == 0) {
    return Atom::lit(t.array());
  }
  const void* key = t.tracer() ? static_cast<const void*>(t.tracer().get())
                               : static_cast<const void*>(t.array().buffer().get());
  auto it = const_vars_.find(key);
  if (it != const_vars_.end() && jaxpr_.avals[it->second] == t.aval()) return Atom::of(it->second);
  int v = jaxpr_.new_var(t.aval());
  jaxpr_.constvars.push_back(v);
  consts_.push_back(t);
  const_vars_[key] = v;
  return Atom::of(v);
}

Tensors Builder::add_eqn(PrimId prim, std::span<const Tensor> inputs, const Params& params) {
  const PrimitiveRules& r = rules(prim);
  Eqn eqn{prim, params, {}, {}};
  std::vector<Aval> in_avals;
  for (const Tensor& t : inputs) {
    eqn.inputs.push_back(atom_for(t));
    in_avals.push_back(t.aval());
  }
  Tensors outs;
  for (Aval& a : r.shape(in_avals, params)) {
    int v = jaxpr_.new_var(std::move(a));
    eqn.outputs.push_back(v);
    outs.push_back(tracer_for(v));
  }
  jaxpr_.eqns.push_back(std::move(eqn));
  return outs;
}

ClosedJaxpr Builder::finish(std::span<const Tensor> outputs) {
  for (const Tensor& t : outputs) {
    // An output that is a literal-sized concrete scalar still becomes an atom of this jaxpr.
    jaxpr_.outvars.push_back(atom_for(t));
  }
  GS_CHECK(!builder_stack.empty() && builder_stack.back() == this,
           "internal: traces finished out of order");
  builder_stack.pop_back();
  finished_ = true;
  return ClosedJaxpr{std::move(jaxpr_), std::move(consts_)};
}

ClosedJaxpr trace_to_jaxpr(const std::function<Tensors(const Tensors&)>& fn,
                           const std::vector<Aval>& in_avals) {
  Builder builder;
  Tensors inputs;
  for (const Aval& a : in_avals) inputs.push_back(builder.new_input(a));
  Tensors outputs = fn(inputs);
  return builder.finish(outputs);
}

std::vector<Array> eager_execute(PrimId prim, std::span<const Array> inputs, const Params& params) {
  return default_backend().execute(prim, inputs, params);
}

Tensors bind(PrimId id, std::span<const Tensor> inputs, const Params& params) {
  if (Builder* b = current_builder()) return b->add_eqn(id, inputs, params);
  std::vector<Array> arrays;
  arrays.reserve(inputs.size());
  for (const Tensor& t : inputs) arrays.push_back(t.array());
  Tensors out;
  for (Array& a : eager_execute(id, arrays, params)) out.emplace_back(std::move(a));
  return out;
}

}  // namespace engine
