#include "engine/transforms/autodiff_walk.h"

#include "engine/ir/interpreter.h"
#include "engine/ops/shape_ops.h"
#include "engine/transforms/jvp.h"
#include "engine/transforms/transpose.h"

namespace engine {

const char* walk_mode_name(WalkMode m) {
  switch (m) {
    case WalkMode::forward: return "forward";
    case WalkMode::jvp: return "jvp";
    case WalkMode::vjp: return "vjp";
  }
  return "?";
}

WalkMode parse_walk_mode(const std::string& s) {
  if (s == "forward") return WalkMode::forward;
  if (s == "jvp") return WalkMode::jvp;
  if (s == "vjp") return WalkMode::vjp;
  throw Error("mode '" + s + "' is not one of forward, jvp, vjp");
}

namespace {

Tensors ones_for(const std::vector<Aval>& avals) {
  Tensors out;
  for (const Aval& a : avals) out.push_back(full_like(zeros(a.shape, a.dtype), 1.0));
  return out;
}

void check_seeds(const Tensors& seeds, const std::vector<Aval>& want, const char* what) {
  GS_CHECK(seeds.size() == want.size(), std::string(what) + ": expected " + std::to_string(want.size()) +
                                            ", got " + std::to_string(seeds.size()));
  for (size_t i = 0; i < seeds.size(); ++i)
    GS_CHECK(!seeds[i].defined() || seeds[i].aval() == want[i],
             std::string(what) + " " + std::to_string(i) + " is " + seeds[i].aval().str() + " but should be " +
                 want[i].str());
}

}  // namespace

AutodiffWalk::AutodiffWalk(const FlatFn& f, Tensors primals, WalkMode mode, Tensors seeds)
    : mode_(mode), primals_(std::move(primals)) {
  d_ = derivative_jaxprs(f, primals_);
  const LinearizedFn& lin = d_.linearized;
  if (mode_ == WalkMode::jvp) {
    seeds_ = seeds.empty() ? ones_for(lin.in_avals) : std::move(seeds);
    check_seeds(seeds_, lin.in_avals, "tangent");
  } else if (mode_ == WalkMode::vjp) {
    seeds_ = seeds.empty() ? ones_for(lin.out_avals) : std::move(seeds);
    check_seeds(seeds_, lin.out_avals, "cotangent");
  }
  primal_names_ = var_names(d_.primal.jaxpr);
  linear_names_ = var_names(lin.linear.jaxpr);
  primal_of_linear_.assign(lin.linear.jaxpr.avals.size(), -1);
  for (size_t v = 0; v < d_.links.size(); ++v)
    if (d_.links[v].linear_tangent >= 0) primal_of_linear_[d_.links[v].linear_tangent] = static_cast<int>(v);

  for (size_t k = 0; k < d_.primal.jaxpr.eqns.size(); ++k)
    steps_.push_back({false, k, static_cast<int>(k)});
  if (mode_ == WalkMode::vjp) {
    start_backward();  // only to learn the order of the transposed equations
    for (size_t k : pass_->order()) steps_.push_back({true, k, d_.linear_eqn_origin[k]});
    pass_.reset();
  }
  run_to(0);
}

AutodiffWalk::~AutodiffWalk() = default;

void AutodiffWalk::start_backward() {
  const ClosedJaxpr& l = d_.linearized.linear;
  Tensors cts;
  for (size_t i = 0; i < seeds_.size(); ++i)
    if (!d_.linearized.zero_out[i]) cts.push_back(seeds_[i]);
  std::vector<bool> all_linear(l.jaxpr.invars.size(), true);
  Tensors no_args(l.jaxpr.invars.size());
  pass_ = std::make_unique<BackwardPass>(l.jaxpr, l.consts, no_args, all_linear, cts, /*keep_cotangents=*/true);
}

WalkRecord AutodiffWalk::forward_step(size_t k) {
  const Jaxpr& j = d_.primal.jaxpr;
  const Eqn& e = j.eqns[k];
  if (mode_ == WalkMode::jvp) {
    jvp_eqn(e, primal_env_, tangent_env_);
  } else {
    Tensors ins;
    for (const Atom& a : e.inputs) ins.push_back(read_atom(primal_env_, a));
    Tensors outs = bind(e.prim, ins, e.params);
    for (size_t i = 0; i < outs.size(); ++i) primal_env_[e.outputs[i]] = outs[i];
  }
  WalkRecord r{steps_[records_.size()], {}, {}};
  for (const Atom& a : e.inputs)
    r.reads.push_back({atom_str(j, a, primal_names_), "", read_atom(primal_env_, a),
                       a.is_literal() || tangent_env_.empty() ? Tensor() : tangent_env_[a.var]});
  for (int v : e.outputs)
    r.writes.push_back({primal_names_[v], "", primal_env_[v], tangent_env_.empty() ? Tensor() : tangent_env_[v]});
  return r;
}

WalkRecord AutodiffWalk::backward_step() {
  const Jaxpr& l = d_.linearized.linear.jaxpr;
  const Eqn& e = l.eqns[pass_->order()[pass_->position()]];
  auto linear_value = [&](int v) {
    int p = primal_of_linear_[v];
    return WalkValue{linear_names_[v], p >= 0 ? primal_names_[p] : "", Tensor(), pass_->cotangent(v)};
  };
  WalkRecord r{steps_[records_.size()], {}, {}};
  for (int v : e.outputs) r.reads.push_back(linear_value(v));
  pass_->step();
  for (const Atom& a : e.inputs)
    if (!a.is_literal() && pass_->is_linear(a.var)) r.writes.push_back(linear_value(a.var));
  return r;
}

void AutodiffWalk::step() {
  GS_CHECK(!finished(), "the walk is at its end: nothing more to step");
  const WalkStep& s = steps_[records_.size()];
  records_.push_back(s.backward ? backward_step() : forward_step(s.eqn));
  if (mode_ == WalkMode::vjp && position() == d_.primal.jaxpr.eqns.size()) start_backward();
}

void AutodiffWalk::back() {
  GS_CHECK(position() > 0, "the walk is at its start: nothing to step back");
  const WalkStep s = steps_[records_.size() - 1];
  records_.pop_back();
  if (!s.backward) {
    pass_.reset();  // back in the forward walk (vjp): no cotangents yet
    // Every variable is assigned once, so undoing an equation is forgetting its outputs.
    for (int v : d_.primal.jaxpr.eqns[s.eqn].outputs) {
      primal_env_[v] = Tensor();
      if (!tangent_env_.empty()) tangent_env_[v] = Tensor();
    }
    return;
  }
  // Cotangents accumulate, so a transpose step is undone by replaying the ones before it.
  const size_t done = pass_->position() - 1;
  start_backward();
  while (pass_->position() < done) pass_->step();
}

void AutodiffWalk::run_to(size_t target) {
  GS_CHECK(target <= size(), "step " + std::to_string(target) + " is past the end (" +
                                 std::to_string(size()) + " steps)");
  if (target == 0) {
    // A fresh start: inputs and consts bound, nothing computed.
    const Jaxpr& j = d_.primal.jaxpr;
    records_.clear();
    pass_.reset();
    primal_env_.assign(j.avals.size(), Tensor());
    for (size_t i = 0; i < j.constvars.size(); ++i) primal_env_[j.constvars[i]] = d_.primal.consts[i];
    for (size_t i = 0; i < j.invars.size(); ++i) primal_env_[j.invars[i]] = primals_[i];
    tangent_env_.clear();
    if (mode_ == WalkMode::jvp) {
      tangent_env_.assign(j.avals.size(), Tensor());
      for (size_t i = 0; i < j.invars.size(); ++i) tangent_env_[j.invars[i]] = seeds_[i];
    }
    if (mode_ == WalkMode::vjp && j.eqns.empty()) start_backward();
    return;
  }
  while (position() > target) back();
  while (position() < target) step();
}

Tensor AutodiffWalk::value(int var) const { return primal_env_.at(var); }

Tensor AutodiffWalk::tangent(int var) const { return tangent_env_.empty() ? Tensor() : tangent_env_.at(var); }

Tensor AutodiffWalk::cotangent(int var) const {
  int l = d_.links.at(var).linear_tangent;
  return pass_ && l >= 0 ? pass_->cotangent(l) : Tensor();
}

Tensors AutodiffWalk::outputs() const {
  GS_CHECK(mode_ == WalkMode::vjp ? position() >= d_.primal.jaxpr.eqns.size() : finished(),
           "the outputs are known once the forward walk has finished");
  Tensors out;
  for (const Atom& a : d_.primal.jaxpr.outvars) out.push_back(read_atom(primal_env_, a));
  return out;
}

Tensors AutodiffWalk::output_tangents() const {
  GS_CHECK(mode_ == WalkMode::jvp && finished(), "output tangents need a finished jvp walk");
  Tensors out;
  for (const Atom& a : d_.primal.jaxpr.outvars) out.push_back(a.is_literal() ? Tensor() : tangent_env_[a.var]);
  return instantiate_zeros(out, d_.linearized.out_avals);
}

Tensors AutodiffWalk::input_cotangents() const {
  GS_CHECK(mode_ == WalkMode::vjp && finished(), "input cotangents need a finished vjp walk");
  return instantiate_zeros(pass_->input_cotangents(), d_.linearized.in_avals);
}

}  // namespace engine
