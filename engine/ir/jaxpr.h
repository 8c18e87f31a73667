// The jaxpr IR, as in JAX: typed variables, equations (primitive + params + inputs → outputs), and
// a closed jaxpr that also carries the values of its constants.
//
// Variables are numbered densely per jaxpr (the index into `avals`), so interpreters keep their
// environment in a plain vector. Scalar constants appear inline as literals, as JAX prints `2.0`.
#pragma once
#include <string>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/ir/params.h"
#include "engine/ops/primitive.h"

namespace engine {

struct Atom {
  int var = -1;   // a variable of the jaxpr, or
  Array literal;  // a scalar literal when var < 0
  bool is_literal() const { return var < 0; }
  static Atom of(int v) { return {v, {}}; }
  static Atom lit(Array a) { return {-1, std::move(a)}; }
};

struct Eqn {
  PrimId prim;
  Params params;
  std::vector<Atom> inputs;
  std::vector<int> outputs;
};

struct Jaxpr {
  std::vector<Aval> avals;  // aval of every variable, indexed by variable number
  std::vector<int> constvars;
  std::vector<int> invars;
  std::vector<Eqn> eqns;
  std::vector<Atom> outvars;

  int new_var(Aval aval) {
    avals.push_back(std::move(aval));
    return static_cast<int>(avals.size()) - 1;
  }
  const Aval& aval(const Atom& a) const;
  std::vector<Aval> in_avals() const;
  std::vector<Aval> out_avals() const;
};

// A jaxpr with the values of its constvars. A const may itself be a tracer of an enclosing trace
// (a value the traced function closed over), which is how nested transformations compose.
struct ClosedJaxpr {
  Jaxpr jaxpr;
  Tensors consts;
};

// The equations some output needs, directly or through later equations (no primitive has side
// effects), and the variables they and the outputs read: the one liveness analysis of dead-code
// elimination, compile/passes.h's dce and partial evaluation's alike.
struct Liveness {
  std::vector<bool> eqns;  // per equation
  std::vector<bool> vars;  // per variable
};
Liveness liveness(const Jaxpr& jaxpr);

// JAX's text form: { lambda c:f32[3]; a:f32[4]. let b:f32[4] = mul a a; ... in (b,) }
// Equations are separated by "; " on one line, or one per line when multiline is set.
std::string jaxpr_to_string(const Jaxpr& jaxpr, bool multiline = false);
std::string atom_str(const Jaxpr& jaxpr, const Atom& a, const std::vector<std::string>& names);
std::vector<std::string> var_names(const Jaxpr& jaxpr);  // a, b, ..., z, ba, bb, ... as JAX

}  // namespace engine
