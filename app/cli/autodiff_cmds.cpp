// gradient-cli jaxpr | jvp | grad | vjp | jacobian: the autodiff transformations applied to an
// expression of the expression language (engine/expr), with variable values given as JSON.
#include <algorithm>
#include <functional>
#include <iostream>
#include <memory>

#include "app/cli/commands.h"
#include "app/cli/json_io.h"
#include "engine/core/strings.h"
#include "engine/expr/expr.h"
#include "engine/expr/functions.h"
#include "engine/ir/interpreter.h"
#include "engine/ir/trace.h"
#include "engine/numpy.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/autodiff_walk.h"
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
  std::string mode = "vjp";
  bool multiline = false;
  bool json = false;
};

std::string names_or_none(const std::vector<std::string>& names) {
  return names.empty() ? "none" : engine::join(names);
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
                 "' (its variables: " + names_or_none(free) + ")");
    for (const auto& [name, value] : out) GS_CHECK(name != a.name, what + ": given twice");
    out.emplace_back(a.name, read(a.value, what));
  }
  for (const std::string& v : free) {
    bool given = std::any_of(out.begin(), out.end(), [&](const auto& e) { return e.first == v; });
    GS_CHECK(given, "missing " + option + " for variable '" + v + "' (the expression reads " +
                        names_or_none(free) + ")");
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
             "--wrt " + w + ": not a variable given with --at (those are: " + names_or_none(in.names) + ")");
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

// --tangent NAME=VALUE per variable given with --at; undefined (a zero tangent) where not given.
Tensors read_tangents(const Inputs& in, const std::vector<std::string>& args) {
  Tensors tangents(in.values.size());
  for (const std::string& arg : args) {
    NamedArg a = split_named(arg, "--tangent");
    std::string what = "--tangent " + a.name;
    auto it = std::find(in.names.begin(), in.names.end(), a.name);
    GS_CHECK(it != in.names.end(),
             what + ": not a variable given with --at (those are: " + names_or_none(in.names) + ")");
    size_t i = static_cast<size_t>(it - in.names.begin());
    GS_CHECK(!tangents[i].defined(), what + ": given twice");
    Array t = parse_json_array(a.value, what, in.values[i].dtype());
    GS_CHECK(t.shape() == in.values[i].shape(), what + ": shape [" + engine::shape_str(t.shape()) +
                                                    "] does not match --at " + a.name + " " +
                                                    in.values[i].aval().str());
    tangents[i] = t;
  }
  return tangents;
}

void run_jvp(const Options& o) {
  Inputs in = read_inputs(o);
  Tensors tangents = read_tangents(in, o.tangent);
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
      "jacobian needs exactly one --wrt variable (the expression reads " + names_or_none(in.names) + ")");
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

// The Autodiff Lab's walk, headless: one record per equation with the values it read and wrote.
void run_trace(const Options& o) {
  Inputs in = read_inputs(o);
  const engine::WalkMode mode = engine::parse_walk_mode(o.mode);
  GS_CHECK(o.tangent.empty() || mode == engine::WalkMode::jvp, "--tangent is for --mode jvp");
  GS_CHECK(o.cotangent.empty() || mode == engine::WalkMode::vjp, "--cotangent is for --mode vjp");
  Tensors seeds;
  if (mode == engine::WalkMode::jvp) {
    // Tangents not given are ones here (a walk with a zero tangent shows nothing flowing).
    seeds = read_tangents(in, o.tangent);
    for (size_t i = 0; i < seeds.size(); ++i)
      if (!seeds[i].defined()) seeds[i] = engine::full_like(in.values[i], 1.0);
  }
  engine::AutodiffWalk probe(in.fn, in.values, engine::WalkMode::forward);
  const Aval out_aval = probe.jaxprs().linearized.out_avals.at(0);
  if (mode == engine::WalkMode::vjp) {
    GS_CHECK(engine::is_floating(out_aval.dtype), "cannot differentiate: the expression's result is " +
                                                      out_aval.str() + ", not a float");
    seeds = {o.cotangent.empty() ? engine::full_like(engine::zeros(out_aval.shape, out_aval.dtype), 1.0)
                                 : Tensor(parse_json_array(o.cotangent, "--cotangent", out_aval.dtype))};
    GS_CHECK(seeds[0].shape() == out_aval.shape, "--cotangent: shape [" + engine::shape_str(seeds[0].shape()) +
                                                     "] does not match the output " + out_aval.str());
  }
  engine::AutodiffWalk walk(in.fn, in.values, mode, seeds);
  walk.run();

  const engine::DerivativeJaxprs& d = walk.jaxprs();
  auto lines_of = [](const engine::Jaxpr& j) {
    std::vector<std::string> lines;
    std::string text = engine::jaxpr_to_string(j, true), line;
    for (char c : text) {
      if (c != '\n') { line += c; continue; }
      lines.push_back(line);
      line.clear();
    }
    lines.push_back(line);
    return lines;
  };
  const std::vector<std::string> primal_lines = lines_of(d.primal.jaxpr), linear_lines = lines_of(d.linearized.linear.jaxpr);
  auto equation = [&](const engine::WalkStep& s) {
    const std::string& l = (s.backward ? linear_lines : primal_lines).at(s.eqn + 1);
    return l.substr(l.find_first_not_of(' '));
  };
  const char* dname = mode == engine::WalkMode::jvp ? "tangent" : "cotangent";
  auto values_json = [&](const std::vector<engine::WalkValue>& vs) {
    std::string a = "[";
    for (size_t i = 0; i < vs.size(); ++i) {
      std::vector<std::pair<std::string, std::string>> e{{"name", json_string(vs[i].name)}};
      if (!vs[i].primal_name.empty()) e.emplace_back("of", json_string(vs[i].primal_name));
      if (vs[i].value.defined()) e.emplace_back("value", to_json(vs[i].value));
      if (mode != engine::WalkMode::forward)
        e.emplace_back(dname, vs[i].derivative.defined() ? to_json(vs[i].derivative) : "0");
      a += (i ? ", " : "") + json_object(e);
    }
    return a + "]";
  };
  auto values_text = [&](const std::vector<engine::WalkValue>& vs) {
    std::string t;
    for (const engine::WalkValue& v : vs) {
      t += "  " + v.name + (v.primal_name.empty() ? "" : " (of " + v.primal_name + ")");
      if (v.value.defined()) t += " = " + to_json(v.value);
      if (mode != engine::WalkMode::forward)
        t += std::string(v.value.defined() ? ", " : " ") + dname + " " + (v.derivative.defined() ? to_json(v.derivative) : "0");
    }
    return t;
  };

  // The result: outputs, and the derivative the walk ends with.
  std::string result_json;
  if (mode == engine::WalkMode::jvp) result_json = to_json(walk.output_tangents()[0]);
  if (mode == engine::WalkMode::vjp) {
    Tensors cts = walk.input_cotangents();
    std::vector<std::pair<std::string, std::string>> e;
    for (size_t i = 0; i < in.names.size(); ++i) e.emplace_back(in.names[i], to_json(cts[i]));
    result_json = json_object(e);
  }

  if (o.json) {
    std::string steps = "[";
    for (size_t i = 0; i < walk.size(); ++i) {
      const engine::WalkRecord& r = walk.record(i);
      steps += (i ? ", " : "") + json_object({{"step", std::to_string(i + 1)},
                                              {"phase", json_string(r.step.backward ? "backward" : "forward")},
                                              {"eqn", std::to_string(r.step.eqn)},
                                              {"primal_eqn", std::to_string(r.step.primal_eqn)},
                                              {"equation", json_string(equation(r.step))},
                                              {"reads", values_json(r.reads)},
                                              {"writes", values_json(r.writes)}});
    }
    std::vector<std::pair<std::string, std::string>> top{
        {"mode", json_string(o.mode)},
        {"jaxpr", json_string(engine::jaxpr_to_string(d.primal.jaxpr))}};
    if (mode == engine::WalkMode::vjp)
      top.emplace_back("linear_jaxpr", json_string(engine::jaxpr_to_string(d.linearized.linear.jaxpr)));
    top.emplace_back("steps", steps + "]");
    top.emplace_back("out", to_json(walk.outputs()[0]));
    if (mode != engine::WalkMode::forward) top.emplace_back(dname, result_json);
    std::cout << json_object(top) << "\n";
    return;
  }
  std::cout << engine::jaxpr_to_string(d.primal.jaxpr, true) << "\n";
  if (mode == engine::WalkMode::vjp)
    std::cout << "linear (walked bottom up):\n" << engine::jaxpr_to_string(d.linearized.linear.jaxpr, true) << "\n";
  for (size_t i = 0; i < walk.size(); ++i) {
    const engine::WalkRecord& r = walk.record(i);
    std::cout << "[" << i + 1 << "/" << walk.size() << "] " << (r.step.backward ? "backward " : "forward  ")
              << equation(r.step) << "\n    reads" << values_text(r.reads) << "\n    writes" << values_text(r.writes)
              << "\n";
  }
  std::cout << "out = " << to_json(walk.outputs()[0]);
  if (mode != engine::WalkMode::forward) std::cout << "\n" << dname << " = " << result_json;
  std::cout << "\n";
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

  CLI::App* trace = add_command(
      app, "trace", "Step through EXPR's forward pass, jvp or vjp: one record per equation with its values",
      o, "gradient-cli trace 'sum(x*x)/2' --mode vjp --at x=[1,2,3] --json");
  add_at(trace, o);
  trace->add_option("--mode", o->mode, "forward, jvp or vjp (default vjp)");
  trace->add_option("--tangent", o->tangent, "NAME=VALUE (jvp; ones where not given)")->allow_extra_args(false);
  trace->add_option("--cotangent", o->cotangent, "VALUE, the cotangent of the result (vjp; ones if not given)");
  trace->add_flag("--json", o->json, "One JSON document: the jaxprs, the steps with their values, the result");
  trace->callback([o] { run_trace(*o); });

  CLI::App* jac =
      add_command(app, "jacobian", "Jacobian of EXPR with respect to one variable (shape out + in)",
                  o, "gradient-cli jacobian 'softmax(x)' --wrt x --at x=[1,2,3]");
  add_at(jac, o);
  jac->add_option("--wrt", o->wrt, "The variable to differentiate with respect to")
      ->allow_extra_args(false);
  jac->callback([o] { run_jacobian(*o); });
}

}  // namespace cli
