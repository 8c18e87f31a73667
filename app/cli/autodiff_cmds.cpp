// gradient-cli jaxpr | jvp | grad | vjp | jacobian: the autodiff transformations applied to an
// expression of the expression language (engine/expr), with variable values given as JSON.
#include <algorithm>
#include <functional>
#include <iostream>
#include <memory>

#include "app/cli/commands.h"
#include "app/cli/json_io.h"
#include "engine/expr/expr.h"
#include "engine/expr/functions.h"
#include "engine/ir/interpreter.h"
#include "engine/ir/trace.h"
#include "engine/numpy.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/jvp.h"

namespace cli {

using engine::Array;
using engine::Aval;
using engine::Error;
using engine::Tensor;
using engine::Tensors;

namespace {

// ---- Reverse-mode derivatives: the single place that decides how they are computed.

// f's output at `primals`, and its pullback: output cotangent -> input cotangents (undefined
// for inputs not in `wrt`). grad, vjp and jacobian all go through pullback().
struct Pullback {
  Tensor out;
  std::function<Tensors(const Tensor& cotangent)> apply;
};

// Reverse mode: linearize f at the primals (jvp + partial evaluation), then transpose the linear
// part for each cotangent. One backward pass per cotangent, whatever the number of inputs.
Pullback pullback(const engine::FlatFn& f, const Tensors& primals, const std::vector<bool>& wrt) {
  engine::LinearizedFn lin = engine::linearize_flat(f, primals);
  Tensor out = lin.primals_out.at(0);
  GS_CHECK(engine::is_floating(out.dtype()), "cannot differentiate: the expression's result is " +
                                                 out.aval().str() + ", not a float");
  Aval out_aval = out.aval();
  auto apply = [lin = std::move(lin), wrt, out_aval](const Tensor& ct) {
    GS_CHECK(ct.shape() == out_aval.shape, "the cotangent's shape [" + engine::shape_str(ct.shape()) +
                                               "] does not match the output " + out_aval.str());
    Tensors cts = lin.vjp(Tensors{engine::astype(ct, out_aval.dtype)});
    for (size_t i = 0; i < cts.size(); ++i)
      if (!wrt[i]) cts[i] = Tensor();
    return cts;
  };
  return {out, apply};
}

// ---- Arguments

struct Options {
  std::string expr;
  std::vector<std::string> vars, at, tangent, wrt;
  std::string cotangent;
  bool multiline = false;
};

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "none" : s;
}

// Named arguments in the order given; every one must be a variable of the expression, and every
// variable of the expression must be given.
template <class T>
std::vector<std::pair<std::string, T>> read_named(
    const std::vector<std::string>& args, const std::string& option,
    const std::vector<std::string>& free,
    const std::function<T(const std::string&, const std::string&)>& read) {
  std::vector<std::pair<std::string, T>> out;
  for (const std::string& arg : args) {
    NamedArg a = split_named(arg, option);
    std::string what = option + " " + a.name;
    GS_CHECK(std::find(free.begin(), free.end(), a.name) != free.end(),
             what + ": the expression has no variable '" + a.name +
                 "' (its variables: " + join(free) + ")");
    for (const auto& [name, value] : out) GS_CHECK(name != a.name, what + ": given twice");
    out.emplace_back(a.name, read(a.value, what));
  }
  for (const std::string& v : free) {
    bool given = std::any_of(out.begin(), out.end(), [&](const auto& e) { return e.first == v; });
    GS_CHECK(given, "missing " + option + " for variable '" + v + "' (the expression reads " +
                        join(free) + ")");
  }
  return out;
}

struct Inputs {
  engine::expr::Program program;
  std::vector<std::string> names;
  Tensors values;
  engine::FlatFn fn;
};

Inputs read_inputs(const Options& o) {
  Inputs in{engine::expr::parse_program(o.expr), {}, {}, {}};
  std::vector<std::string> free = engine::expr::free_variables(in.program);
  auto values =
      read_named<Array>(o.at, "--at", free, [](const std::string& text, const std::string& what) {
        return parse_json_array(text, what);
      });
  for (auto& [name, value] : values) {
    in.names.push_back(name);
    in.values.push_back(value);
  }
  in.fn = engine::expr::make_flat_fn(in.program, in.names);
  return in;
}

// --wrt names as a mask over the inputs; all of them when none is given.
std::vector<bool> wrt_mask(const Inputs& in, const std::vector<std::string>& wrt) {
  std::vector<bool> mask(in.names.size(), wrt.empty());
  for (const std::string& w : wrt) {
    auto it = std::find(in.names.begin(), in.names.end(), w);
    GS_CHECK(it != in.names.end(),
             "--wrt " + w + ": not a variable given with --at (those are: " + join(in.names) + ")");
    mask[static_cast<size_t>(it - in.names.begin())] = true;
  }
  return mask;
}

std::string cotangents_json(const Inputs& in, const Tensors& cts, const std::vector<bool>& mask) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (size_t i = 0; i < in.names.size(); ++i)
    if (mask[i]) entries.emplace_back(in.names[i], to_json(cts[i]));
  return json_object(entries);
}

// ---- Commands

void run_jaxpr(const Options& o) {
  engine::expr::Program program = engine::expr::parse_program(o.expr);
  auto avals = read_named<Aval>(o.vars, "--var", engine::expr::free_variables(program), parse_aval);
  std::vector<std::string> names;
  std::vector<Aval> in_avals;
  for (auto& [name, aval] : avals) {
    names.push_back(name);
    in_avals.push_back(aval);
  }
  engine::ClosedJaxpr cj = engine::expr::make_jaxpr(program, names, in_avals);
  std::cout << engine::jaxpr_to_string(cj.jaxpr, o.multiline) << "\n";
}

void run_jvp(const Options& o) {
  Inputs in = read_inputs(o);
  Tensors tangents(in.values.size());  // undefined: zero tangent
  for (const std::string& arg : o.tangent) {
    NamedArg a = split_named(arg, "--tangent");
    std::string what = "--tangent " + a.name;
    auto it = std::find(in.names.begin(), in.names.end(), a.name);
    GS_CHECK(it != in.names.end(),
             what + ": not a variable given with --at (those are: " + join(in.names) + ")");
    size_t i = static_cast<size_t>(it - in.names.begin());
    GS_CHECK(!tangents[i].defined(), what + ": given twice");
    Array t = parse_json_array(a.value, what, in.values[i].dtype());
    GS_CHECK(t.shape() == in.values[i].shape(), what + ": shape [" + engine::shape_str(t.shape()) +
                                                    "] does not match --at " + a.name + " " +
                                                    in.values[i].aval().str());
    tangents[i] = t;
  }
  auto [outs, touts] = engine::jvp_flat(in.fn, in.values, tangents);
  touts = engine::instantiate_zeros(touts, engine::avals_of(outs));
  std::cout << json_object({{"out", to_json(outs[0])}, {"tangent", to_json(touts[0])}}) << "\n";
}

void run_grad(const Options& o) {
  Inputs in = read_inputs(o);
  std::vector<bool> mask = wrt_mask(in, o.wrt);
  Pullback pb = pullback(in.fn, in.values, mask);
  GS_CHECK(pb.out.rank() == 0, "grad needs an expression with a scalar result, got " +
                                   pb.out.aval().str() + " (use vjp or jacobian)");
  Tensors g = pb.apply(Array::scalar(1.0, pb.out.dtype()));
  std::cout << json_object({{"out", to_json(pb.out)}, {"grad", cotangents_json(in, g, mask)}})
            << "\n";
}

void run_vjp(const Options& o) {
  Inputs in = read_inputs(o);
  std::vector<bool> mask(in.names.size(), true);
  Pullback pb = pullback(in.fn, in.values, mask);
  Array ct = parse_json_array(o.cotangent, "--cotangent", pb.out.dtype());
  GS_CHECK(ct.shape() == pb.out.shape(), "--cotangent: shape [" + engine::shape_str(ct.shape()) +
                                             "] does not match the output " + pb.out.aval().str());
  Tensors cts = pb.apply(ct);
  std::cout << json_object(
                   {{"out", to_json(pb.out)}, {"cotangent", cotangents_json(in, cts, mask)}})
            << "\n";
}

void run_jacobian(const Options& o) {
  Inputs in = read_inputs(o);
  GS_CHECK(
      o.wrt.size() == 1 || (o.wrt.empty() && in.names.size() == 1),
      "jacobian needs exactly one --wrt variable (the expression reads " + join(in.names) + ")");
  std::vector<bool> mask = wrt_mask(in, o.wrt.empty() ? in.names : o.wrt);
  size_t w = static_cast<size_t>(std::find(mask.begin(), mask.end(), true) - mask.begin());
  Pullback pb = pullback(in.fn, in.values, mask);
  // Row j of the Jacobian is the pullback of the j-th one-hot output cotangent (jacrev's way).
  const Tensor& x = in.values[w];
  std::vector<double> jac;
  jac.reserve(static_cast<size_t>(pb.out.size() * x.size()));
  for (int64_t j = 0; j < pb.out.size(); ++j) {
    std::vector<double> onehot(static_cast<size_t>(pb.out.size()), 0.0);
    onehot[j] = 1.0;
    Tensor row = pb.apply(Array::from_vector(onehot, pb.out.shape()).astype(pb.out.dtype()))[w];
    for (double v : row.array().to_vector<double>()) jac.push_back(v);
  }
  engine::Shape shape = pb.out.shape();
  shape.insert(shape.end(), x.shape().begin(), x.shape().end());
  Array J = Array::from_vector(jac, shape).astype(x.dtype());
  std::cout << json_object({{"out", to_json(pb.out)}, {"jacobian", to_json(J)}}) << "\n";
}

// "Functions: abs(x), all(x, axis, keepdims), ..." wrapped at 100 columns, from the function table
// itself, so --help never lists a function that does not exist or misses one that does.
std::string function_list() {
  std::string out = "Functions:", line;
  for (const engine::expr::FunctionSpec& f : engine::expr::functions()) {
    const std::string item = f.signature();
    if (line.size() + item.size() + 2 > 98) {
      out += "\n " + line;
      line.clear();
    }
    line += " " + item + ",";
  }
  out += "\n " + line.substr(0, line.size() - 1);
  return out + "\nOperators: + - * / @ ** (power), comparisons < <= > >= == !=, x.T; statements separated by ; or "
               "new lines, 'name = expr' assigns, the last statement is the result.";
}

CLI::App* add_command(CLI::App& app, const std::string& name, const std::string& about,
                      std::shared_ptr<Options> o, const std::string& example) {
  CLI::App* cmd = app.add_subcommand(name, about);
  cmd->add_option(
         "EXPR", o->expr,
         "An expression over named variables, e.g. 'sum(x*x)/2' or 'y = tanh(x); mean(y)'.")
      ->required();
  cmd->footer("Example:\n  " + example +
              "\n\nValues are JSON: x=2.5, x=[1,2,3], x=[[1,2],[3,4]] (float32). Output is JSON.\n\n" +
              function_list());
  return cmd;
}

void add_at(CLI::App* cmd, std::shared_ptr<Options> o) {
  cmd->add_option("--at", o->at,
                  "NAME=VALUE, one per variable of EXPR (their order is the argument order)")
      ->allow_extra_args(false);
}

}  // namespace

void add_autodiff_commands(CLI::App& app) {
  auto o = std::make_shared<Options>();

  CLI::App* jaxpr =
      add_command(app, "jaxpr", "Print the jaxpr of EXPR as a function of its variables (text)", o,
                  "gradient-cli jaxpr 'sum(x*x)/2' --var x=f32[4]");
  jaxpr
      ->add_option("--var", o->vars,
                   "NAME=TYPE, e.g. x=f32[4] or W=f32[3,4]; the inputs, in this order")
      ->allow_extra_args(false);
  jaxpr->add_flag("--multiline", o->multiline, "One equation per line");
  jaxpr->callback([o] { run_jaxpr(*o); });

  CLI::App* jvp = add_command(app, "jvp", "Forward mode: EXPR and its directional derivative", o,
                              "gradient-cli jvp 'sin(x)' --at x=[0,1] --tangent x=[1,1]");
  add_at(jvp, o);
  jvp->add_option("--tangent", o->tangent,
                  "NAME=VALUE, the tangent of a variable (zero if not given)")
      ->allow_extra_args(false);
  jvp->callback([o] { run_jvp(*o); });

  CLI::App* grad =
      add_command(app, "grad", "Gradient of a scalar EXPR: {\"out\", \"grad\": {NAME: ...}}", o,
                  "gradient-cli grad 'sum(x*x)/2' --wrt x --at x=[1,2,3]");
  add_at(grad, o);
  grad->add_option("--wrt", o->wrt, "Differentiate with respect to NAME (all variables by default)")
      ->allow_extra_args(false);
  grad->callback([o] { run_grad(*o); });

  CLI::App* vjp =
      add_command(app, "vjp", "Reverse mode: cotangents of the variables for an output cotangent",
                  o, "gradient-cli vjp 'x * y' --at x=[1,2] --at y=[3,4] --cotangent [1,1]");
  add_at(vjp, o);
  vjp->add_option("--cotangent", o->cotangent, "VALUE, the cotangent of the result (its shape)")
      ->required();
  vjp->callback([o] { run_vjp(*o); });

  CLI::App* jac =
      add_command(app, "jacobian", "Jacobian of EXPR with respect to one variable (shape out + in)",
                  o, "gradient-cli jacobian 'softmax(x)' --wrt x --at x=[1,2,3]");
  add_at(jac, o);
  jac->add_option("--wrt", o->wrt, "The variable to differentiate with respect to")
      ->allow_extra_args(false);
  jac->callback([o] { run_jacobian(*o); });
}

}  // namespace cli
