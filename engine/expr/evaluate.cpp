#include "engine/expr/evaluate.h"

#include <algorithm>

#include "engine/expr/functions.h"
#include "engine/expr/parser.h"
#include "engine/expr/value.h"
#include "engine/ir/trace.h"

namespace engine::expr {

namespace {

// Runs one operation of the program; an engine error it raises (a shape mismatch, a bad axis)
// becomes an ExprError at the operation's position. Errors already positioned pass unchanged.
template <class F>
Value at(Pos pos, const std::string& what, F&& f) {
  try {
    return f();
  } catch (const ExprError&) {
    throw;
  } catch (const std::exception& e) {
    std::string message = e.what();
    if (message.starts_with(what + ": "))
      message = message.substr(what.size() + 2);  // no "where: where:"
    throw ExprError(pos, what + ": " + message);
  }
}

class Evaluator {
 public:
  explicit Evaluator(const std::map<std::string, Tensor>& env) {
    for (const auto& [name, t] : env) vars_[name] = Value::of(t);
  }

  Value run(const Program& program) {
    Value result;
    for (const Statement& s : program.statements) {
      result = eval(*s.value);
      if (!s.target.empty()) vars_[s.target] = result;
    }
    return result;
  }

 private:
  Value eval(const Node& n) {
    switch (n.kind) {
      case NodeKind::number:
        return Value::num(n.number, n.is_int);
      case NodeKind::boolean:
        return Value::boolean(n.number != 0);
      case NodeKind::none:
        return Value::none();
      case NodeKind::variable:
        return variable(n);
      case NodeKind::unary: {
        Value v = eval(*n.args[0]);
        return at(n.pos, "unary '-'", [&] { return apply_neg(v); });
      }
      case NodeKind::binary: {
        Value a = eval(*n.args[0]);
        Value b = eval(*n.args[1]);
        return at(n.pos, "operator '" + std::string(binop_symbol(n.op)) + "'",
                  [&] { return apply_binop(n.op, a, b); });
      }
      case NodeKind::transpose: {
        Value v = eval(*n.args[0]);
        return at(n.pos, ".T", [&] { return apply_transpose(v); });
      }
      case NodeKind::tuple: {
        std::vector<Value> items;
        for (const NodePtr& a : n.args) items.push_back(eval(*a));
        return Value::tuple(std::move(items));
      }
      case NodeKind::call:
        return call(n);
    }
    throw ExprError(n.pos, "internal: unknown node");
  }

  Value variable(const Node& n) {
    auto it = vars_.find(n.name);
    if (it != vars_.end()) return it->second;
    std::vector<std::string> names;
    for (const auto& [name, v] : vars_) names.push_back(name);
    throw ExprError(n.pos, "unknown variable '" + n.name + "'" + did_you_mean(n.name, names));
  }

  Value call(const Node& n) {
    const FunctionSpec* fn = find_function(n.name);
    if (!fn)
      throw ExprError(n.pos, "unknown function '" + n.name + "'");  // the parser checks first
    // Bind as Python does; the parser has already checked the call against the signature.
    std::vector<Value> args(fn->params.size());
    for (size_t i = 0; i < n.args.size() && i < args.size(); ++i) args[i] = eval(*n.args[i]);
    for (const Keyword& k : n.keywords) {
      auto it = std::find(fn->params.begin(), fn->params.end(), k.name);
      if (it == fn->params.end())
        throw ExprError(k.pos, n.name + "(): unknown argument '" + k.name + "'");
      args[static_cast<size_t>(it - fn->params.begin())] = eval(*k.value);
    }
    return at(n.pos, n.name, [&] { return fn->impl(args); });
  }

  std::map<std::string, Value> vars_;
};

}  // namespace

Tensor evaluate(const Program& program, const std::map<std::string, Tensor>& env) {
  GS_CHECK(!program.statements.empty(), "evaluate: the program is empty");
  Value v = Evaluator(env).run(program);
  const Node& result = program.result();
  try {
    return to_tensor(v, "the result");
  } catch (const ExprError&) {
    throw;
  } catch (const Error& e) {
    throw ExprError(result.pos, e.what());
  }
}

FlatFn make_flat_fn(Program program, std::vector<std::string> inputs) {
  for (size_t i = 0; i < inputs.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      GS_CHECK(inputs[i] != inputs[j], "input variable '" + inputs[i] + "' is given twice");
  for (const std::string& v : free_variables(program)) {
    if (std::find(inputs.begin(), inputs.end(), v) != inputs.end()) continue;
    std::string list;
    for (const std::string& name : inputs) list += (list.empty() ? "" : ", ") + name;
    throw Error("variable '" + v +
                "' is used but is not an input (inputs: " + (list.empty() ? "none" : list) + ")");
  }
  return [program = std::move(program), inputs = std::move(inputs)](const Tensors& args) {
    GS_CHECK(args.size() == inputs.size(), "expression function takes " +
                                               std::to_string(inputs.size()) + " arguments but " +
                                               std::to_string(args.size()) + " were given");
    std::map<std::string, Tensor> env;
    for (size_t i = 0; i < args.size(); ++i) env[inputs[i]] = args[i];
    return Tensors{evaluate(program, env)};
  };
}

ClosedJaxpr make_jaxpr(const Program& program, const std::vector<std::string>& inputs,
                       const std::vector<Aval>& avals) {
  GS_CHECK(inputs.size() == avals.size(), "make_jaxpr: " + std::to_string(inputs.size()) +
                                              " inputs but " + std::to_string(avals.size()) +
                                              " avals");
  return trace_to_jaxpr(make_flat_fn(program, inputs), avals);
}

}  // namespace engine::expr
