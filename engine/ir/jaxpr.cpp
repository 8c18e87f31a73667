#include "engine/ir/jaxpr.h"

#include <cstdio>

namespace engine {

const Aval& Jaxpr::aval(const Atom& a) const {
  static thread_local Aval lit;
  if (!a.is_literal()) return avals[a.var];
  lit = {a.literal.shape(), a.literal.dtype()};
  return lit;
}

std::vector<Aval> Jaxpr::in_avals() const {
  std::vector<Aval> out;
  for (int v : invars) out.push_back(avals[v]);
  return out;
}

std::vector<Aval> Jaxpr::out_avals() const {
  std::vector<Aval> out;
  for (auto& a : outvars) out.push_back(aval(a));
  return out;
}

// JAX names variables in order of appearance: a..z, then ba, bb, ... (base-26 without a zero digit
// in the leading position).
static std::string name_for(int n) {
  std::string s;
  do {
    s.insert(s.begin(), static_cast<char>('a' + n % 26));
    n /= 26;
  } while (n > 0);
  return s;
}

Liveness liveness(const Jaxpr& j) {
  Liveness l{std::vector<bool>(j.eqns.size(), false), std::vector<bool>(j.avals.size(), false)};
  for (const Atom& a : j.outvars)
    if (!a.is_literal()) l.vars[a.var] = true;
  for (size_t k = j.eqns.size(); k-- > 0;) {
    const Eqn& e = j.eqns[k];
    for (int v : e.outputs) l.eqns[k] = l.eqns[k] || l.vars[v];
    if (!l.eqns[k]) continue;
    for (const Atom& a : e.inputs)
      if (!a.is_literal()) l.vars[a.var] = true;
  }
  return l;
}

std::vector<std::string> var_names(const Jaxpr& jaxpr) {
  std::vector<std::string> names(jaxpr.avals.size());
  int next = 0;
  auto assign = [&](int v) {
    if (names[v].empty()) names[v] = name_for(next++);
  };
  for (int v : jaxpr.constvars) assign(v);
  for (int v : jaxpr.invars) assign(v);
  for (auto& e : jaxpr.eqns)
    for (int v : e.outputs) assign(v);
  for (size_t v = 0; v < names.size(); ++v)
    if (names[v].empty()) names[v] = name_for(next++);
  return names;
}

static std::string literal_str(const Array& a) {
  double v = a.at_flat(0);
  char buf[40];
  switch (a.dtype()) {
    case DType::boolean: return v != 0 ? "True" : "False";
    case DType::i32:
    case DType::u32: std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v)); return buf;
    default: {
      std::snprintf(buf, sizeof buf, "%.9g", v);
      std::string s = buf;
      if (s.find_first_of(".en") == std::string::npos) s += ".0";
      return s;
    }
  }
}

std::string atom_str(const Jaxpr& jaxpr, const Atom& a, const std::vector<std::string>& names) {
  (void)jaxpr;
  return a.is_literal() ? literal_str(a.literal) : names[a.var];
}

std::string jaxpr_to_string(const Jaxpr& j, bool multiline) {
  auto names = var_names(j);
  std::string s = "{ lambda ";
  // Appends "a:f32[4] b:f32[]" for a list of variables.
  auto typed_list = [&](const std::vector<int>& vars) {
    for (size_t i = 0; i < vars.size(); ++i) {
      if (i) s += ' ';
      s.append(names[vars[i]]).append(":").append(j.avals[vars[i]].str());
    }
  };
  auto atom_list = [&](const std::vector<Atom>& atoms, const char* sep) {
    for (size_t i = 0; i < atoms.size(); ++i) {
      if (i) s += sep;
      s += atom_str(j, atoms[i], names);
    }
  };
  typed_list(j.constvars);
  s += "; ";
  typed_list(j.invars);
  s += ". let";
  for (size_t k = 0; k < j.eqns.size(); ++k) {
    const Eqn& e = j.eqns[k];
    s += multiline ? "\n    " : " ";
    typed_list(e.outputs);
    s.append(" = ").append(prim_name(e.prim)).append(e.params.str());
    if (!e.inputs.empty()) s += ' ';
    atom_list(e.inputs, " ");
    if (!multiline && k + 1 < j.eqns.size()) s += ';';
  }
  s += multiline ? "\n  in (" : " in (";
  atom_list(j.outvars, ", ");
  if (j.outvars.size() == 1) s += ',';
  s += ") }";
  return s;
}

}  // namespace engine
