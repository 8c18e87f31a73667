// The expression language: how it parses (precedence, associativity), that every function
// evaluates to what the C++ API gives on the same inputs (eagerly, traced, and differentiated
// against finite differences), exact error messages with positions, and deep nesting.
#include "engine/expr/expr.h"

#include <QtTest>
#include <cmath>
#include <functional>

#include "engine/ir/interpreter.h"
#include "engine/numpy.h"
#include "engine/transforms/jvp.h"
#include "unit/test_support.h"

using namespace engine;

namespace {

QString q(const std::string& s) {
  return QString::fromStdString(s);
}

std::string parsed(const std::string& source) {
  return expr::to_string(expr::parse_program(source));
}


std::string parse_error(const std::string& source) {
  return error_of([&] { expr::parse_program(source); });
}

Array f64(std::vector<double> v, Shape shape) {
  return Array::from_vector(v, std::move(shape));
}

// The inputs every case may read. Float64, so finite differences are accurate.
std::map<std::string, Tensor> inputs() {
  return {{"x", f64({0.3, 1.2, 2.1, 0.7}, {4})},   // positive
          {"y", f64({0.5, -0.4, 1.5, 2.5}, {4})},  // mixed signs, no ties with x
          {"v", f64({1.0, -2.0, 0.5}, {3})},
          {"M", f64({0.1, 0.9, -0.3, 1.4, -0.8, 0.25}, {2, 3})},
          {"N", f64({0.2, -1.1, 0.6, 0.35, -0.7, 1.3}, {3, 2})}};
}

Tensor evaluate(const std::string& source, const std::map<std::string, Tensor>& env = inputs()) {
  return expr::evaluate(expr::parse_program(source), env);
}

std::vector<double> values(const Tensor& t) {
  return t.array().to_vector<double>();
}

// Plain loops, independent of the composite under test.
Array matmul_reference(const Array& a, const Array& b) {
  int64_t m = a.shape()[0], k = a.shape()[1], n = b.shape()[1];
  std::vector<double> out(static_cast<size_t>(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t l = 0; l < k; ++l) out[i * n + j] += a.at_flat(i * k + l) * b.at_flat(l * n + j);
  return f64(out, {m, n});
}

using Env = std::map<std::string, Tensor>;
struct Case {
  const char* function;  // the table entry this case covers
  const char* source;
  std::function<Tensor(const Env&)> api;  // the same computation through the C++ API
  bool smooth = true;                     // false: piecewise constant, so every derivative is 0
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"sum", "sum(M, axis=0)", [](const Env& e) { return sum(e.at("M"), 0); }},
      {"sum", "sum(x)", [](const Env& e) { return sum(e.at("x")); }},
      {"mean", "mean(M, axis=1, keepdims=True)",
       [](const Env& e) { return mean(e.at("M"), 1, true); }},
      {"max", "max(M, 1)", [](const Env& e) { return max(e.at("M"), 1); }},
      {"min", "min(x)", [](const Env& e) { return min(e.at("x")); }},
      {"prod", "prod(M, axis=(0, 1))",
       [](const Env& e) {
         return prod(e.at("M"), {0, 1});
       }},
      {"var", "var(y)", [](const Env& e) { return var(e.at("y"), {0}); }},
      {"logsumexp", "logsumexp(M, axis=1)", [](const Env& e) { return logsumexp(e.at("M"), 1); }},
      {"logsumexp", "logsumexp(y)", [](const Env& e) { return logsumexp(e.at("y")); }},
      {"softmax", "softmax(M)", [](const Env& e) { return softmax(e.at("M")); }},
      {"log_softmax", "log_softmax(M, axis=0)",
       [](const Env& e) { return log_softmax(e.at("M"), 0); }},
      {"exp", "exp(y)", [](const Env& e) { return exp(e.at("y")); }},
      {"log", "log(x)", [](const Env& e) { return log(e.at("x")); }},
      {"log1p", "log1p(x)", [](const Env& e) { return log1p(e.at("x")); }},
      {"expm1", "expm1(y)", [](const Env& e) { return expm1(e.at("y")); }},
      {"sin", "sin(y)", [](const Env& e) { return sin(e.at("y")); }},
      {"cos", "cos(y)", [](const Env& e) { return cos(e.at("y")); }},
      {"tan", "tan(y)", [](const Env& e) { return tan(e.at("y")); }},
      {"tanh", "tanh(y)", [](const Env& e) { return tanh(e.at("y")); }},
      {"sqrt", "sqrt(x)", [](const Env& e) { return sqrt(e.at("x")); }},
      {"rsqrt", "rsqrt(x)", [](const Env& e) { return rsqrt(e.at("x")); }},
      {"abs", "abs(y)", [](const Env& e) { return abs(e.at("y")); }},
      {"square", "square(y)", [](const Env& e) { return square(e.at("y")); }},
      {"sign", "sign(y)", [](const Env& e) { return sign(e.at("y")); }, false},
      {"floor", "floor(y)", [](const Env& e) { return floor(e.at("y")); }, false},
      {"ceil", "ceil(y)", [](const Env& e) { return ceil(e.at("y")); }, false},
      {"round", "round(x)", [](const Env& e) { return round(e.at("x")); }, false},
      {"erf", "erf(y)", [](const Env& e) { return erf(e.at("y")); }},
      {"stop_gradient", "stop_gradient(y)", [](const Env& e) { return stop_gradient(e.at("y")); },
       false},
      {"pow", "pow(x, y)", [](const Env& e) { return pow(e.at("x"), e.at("y")); }},
      {"maximum", "maximum(x, y)", [](const Env& e) { return maximum(e.at("x"), e.at("y")); }},
      {"minimum", "minimum(y, 1)",
       [](const Env& e) { return minimum(e.at("y"), scalar_like(1, e.at("y"))); }},
      {"where", "where(y > 0, x, y)",
       [](const Env& e) { return where(e.at("y") > 0.0, e.at("x"), e.at("y")); }},
      {"sigmoid", "sigmoid(y)", [](const Env& e) { return sigmoid(e.at("y")); }},
      {"relu", "relu(y)", [](const Env& e) { return relu(e.at("y")); }},
      {"swish", "swish(y)", [](const Env& e) { return swish(e.at("y")); }},
      {"silu", "silu(y)", [](const Env& e) { return silu(e.at("y")); }},
      {"selu", "selu(y)", [](const Env& e) { return selu(e.at("y")); }},
      {"elu", "elu(y, alpha=0.5)", [](const Env& e) { return elu(e.at("y"), 0.5); }},
      {"leaky_relu", "leaky_relu(y, 0.2)", [](const Env& e) { return leaky_relu(e.at("y"), 0.2); }},
      {"gelu", "gelu(y)", [](const Env& e) { return gelu(e.at("y")); }},
      {"gelu", "gelu(y, approximate=False)", [](const Env& e) { return gelu(e.at("y"), false); }},
      {"softplus", "softplus(y)", [](const Env& e) { return softplus(e.at("y")); }},
      {"log_sigmoid", "log_sigmoid(y)", [](const Env& e) { return log_sigmoid(e.at("y")); }},
      {"dot", "dot(x, y)", [](const Env& e) { return sum(e.at("x") * e.at("y")); }},
      {"dot", "dot(M, N)",
       [](const Env& e) { return matmul_reference(e.at("M").array(), e.at("N").array()); }},
      {"matmul", "matmul(M, N)",
       [](const Env& e) { return matmul_reference(e.at("M").array(), e.at("N").array()); }},
      {"matmul", "M @ v",
       [](const Env& e) {
         return reshape(matmul_reference(e.at("M").array(), e.at("v").array().reshape({3, 1})),
                        {2});
       }},
      {"matmul", "v @ N",
       [](const Env& e) {
         return reshape(matmul_reference(e.at("v").array().reshape({1, 3}), e.at("N").array()),
                        {2});
       }},
      {"matmul", "v @ v", [](const Env& e) { return sum(e.at("v") * e.at("v")); }},
      {"transpose", "transpose(M)", [](const Env& e) { return transpose(e.at("M")); }},
      {"transpose", "transpose(M, axes=(1, 0)) + M.T",
       [](const Env& e) {
         return transpose(e.at("M"), {1, 0}) + transpose(e.at("M"));
       }},
      {"reshape", "reshape(M, (3, -1))",
       [](const Env& e) {
         return reshape(e.at("M"), {3, -1});
       }},
  };
  return all;
}

void compare(const Tensor& got, const Tensor& want, double tol, const std::string& what) {
  QVERIFY2(got.shape() == want.shape(),
           (what + ": shape " + got.aval().str() + " vs " + want.aval().str()).c_str());
  std::vector<double> g = values(got), w = values(want);
  for (size_t i = 0; i < g.size(); ++i)
    QVERIFY2(std::fabs(g[i] - w[i]) <= tol * (1 + std::fabs(w[i])),
             (what + ": element " + std::to_string(i) + ": " + std::to_string(g[i]) + " vs " +
              std::to_string(w[i]))
                 .c_str());
}

// One precedence-sensitive result evaluated on numbers only (no tensors involved).
double number(const std::string& source) {
  return evaluate(source, {}).item();
}

}  // namespace

class ExprTest : public QObject {
  Q_OBJECT

 private slots:
  void precedenceAndAssociativity() {
    QCOMPARE(q(parsed("1 + 2 * 3")), QString("(1 + (2 * 3))"));
    QCOMPARE(q(parsed("a - b - c")), QString("((a - b) - c)"));
    QCOMPARE(q(parsed("a / b * c")), QString("((a / b) * c)"));
    QCOMPARE(q(parsed("a ** b ** c")), QString("(a ** (b ** c))"));
    QCOMPARE(q(parsed("-x ** 2")), QString("(-(x ** 2))"));
    QCOMPARE(q(parsed("2 ** -1")), QString("(2 ** (-1))"));
    QCOMPARE(q(parsed("-a * b")), QString("((-a) * b)"));
    QCOMPARE(q(parsed("--x")), QString("(-(-x))"));
    QCOMPARE(q(parsed("a @ b + c")), QString("((a @ b) + c)"));
    QCOMPARE(q(parsed("a + b < c * d")), QString("((a + b) < (c * d))"));
    QCOMPARE(q(parsed("x.T @ y.T.T")), QString("(x.T @ y.T.T)"));
    QCOMPARE(q(parsed("(a + b) * c")), QString("((a + b) * c)"));
    QCOMPARE(q(parsed("sum(x, axis=0) ** 2")), QString("(sum(x, axis=0) ** 2)"));
    QCOMPARE(q(parsed("(a, b)")), QString("(a, b)"));
    QCOMPARE(q(parsed("(a,)")), QString("(a,)"));
    QCOMPARE(q(parsed("1e-3 + .5 + 2. + 3E2")), QString("(((0.001 + 0.5) + 2.0) + 300.0)"));
    QCOMPARE(q(parsed("y = x * 2; z = y\n\n # comment\nsum(z)")),
             QString("y = (x * 2); z = y; sum(z)"));
    QCOMPARE(q(parsed("sum(x,\n    axis=0)")),
             QString("sum(x, axis=0)"));  // newlines inside brackets

    QCOMPARE(number("2 ** 3 ** 2"), 512.0);
    QCOMPARE(number("-2 ** 2"), -4.0);
    QCOMPARE(number("10 - 4 - 3"), 3.0);
    QCOMPARE(number("2 * 3 + 4 / 8"), 6.5);
    QCOMPARE(number("2 ** -1"), 0.5);
    Env env = inputs();
    compare(evaluate("-x ** 2"), neg(square(env.at("x"))), 0, "-x ** 2");
    compare(evaluate("x - y - x * y / 2"),
            (env.at("x") - env.at("y")) - (env.at("x") * env.at("y")) / 2.0, 0, "mixed");
  }

  void everyFunctionMatchesTheCppApi() {
    Env env = inputs();
    for (const Case& c : cases()) compare(evaluate(c.source), c.api(env), 1e-12, c.source);
    QCOMPARE(q(expr::find_function("sum")->signature()), QString("sum(x, axis=..., keepdims=...)"));
    // Every function of the table has a case.
    for (const expr::FunctionSpec& f : expr::functions()) {
      bool covered = false;
      for (const Case& c : cases()) covered = covered || f.name == c.function;
      QVERIFY2(covered, ("no test case for " + std::string(f.name)).c_str());
    }
  }

  void tracedEvaluationMatchesEager() {
    Env env = inputs();
    for (const Case& c : cases()) {
      expr::Program p = expr::parse_program(c.source);
      std::vector<std::string> names = expr::free_variables(p);
      Tensors args;
      std::vector<Aval> avals;
      for (const std::string& n : names) {
        args.push_back(env.at(n));
        avals.push_back(env.at(n).aval());
      }
      ClosedJaxpr cj = expr::make_jaxpr(p, names, avals);
      QVERIFY2(!cj.jaxpr.eqns.empty(), c.source);
      compare(eval_jaxpr(cj, args).at(0), evaluate(c.source), 0, c.source);
    }
  }

  void jvpMatchesFiniteDifferences() {
    Env env = inputs();
    for (const Case& c : cases()) {
      expr::Program p = expr::parse_program(c.source);
      std::vector<std::string> names = expr::free_variables(p);
      FlatFn f = expr::make_flat_fn(p, names);
      Tensors primals, tangents, plus, minus;
      const double h = 1e-6;
      for (size_t i = 0; i < names.size(); ++i) {
        Tensor x = env.at(names[i]);
        std::vector<double> t;
        for (int64_t k = 0; k < x.size(); ++k)
          t.push_back(0.5 + 0.25 * static_cast<double>((k + i) % 3));
        Array ta = f64(t, x.shape());
        primals.push_back(x);
        tangents.push_back(ta);
        plus.push_back(x + h * Tensor(ta));
        minus.push_back(x - h * Tensor(ta));
      }
      auto [outs, touts] = jvp_flat(f, primals, tangents);
      Tensor tangent = instantiate_zeros(touts, avals_of(outs)).at(0);
      Tensor fd = (f(plus).at(0) - f(minus).at(0)) / (2 * h);
      if (!c.smooth) fd = zeros_like(fd);
      compare(tangent, fd, 1e-6, std::string("jvp of ") + c.source);
    }
  }

  void programsWithAssignments() {
    Env env = inputs();
    Tensor got = evaluate("y2 = x * 2; z = y2 + 1\nsum(z * y2)");
    Tensor y2 = env.at("x") * 2.0;
    compare(got, sum((y2 + 1.0) * y2), 1e-12, "program");
    QCOMPARE(expr::free_variables(expr::parse_program("y = x * 2; z = y + w; sum(z) + x")),
             (std::vector<std::string>{"x", "w"}));
    // Read before assigned: still an input.
    QCOMPARE(expr::free_variables(expr::parse_program("x = x + 1; x * y")),
             (std::vector<std::string>{"x", "y"}));
    compare(evaluate("x = x + 1; x * 2"), (env.at("x") + 1.0) * 2.0, 1e-12, "reassignment");
  }

  void jaxprText() {
    expr::Program p = expr::parse_program("sum(x*x)/2");
    ClosedJaxpr cj = expr::make_jaxpr(p, {"x"}, {Aval{{4}, DType::f32}});
    QCOMPARE(
        q(jaxpr_to_string(cj.jaxpr)),
        QString("{ lambda ; a:f32[4]. let b:f32[4] = mul a a; c:f32[] = reduce_sum[axes=(0,)] b; "
                "d:f32[] = div c 2.0 in (d,) }"));
    // Python's weak typing: integer literals make integer_pow, floats pow; numbers fold.
    auto text = [](const std::string& source) {
      return q(jaxpr_to_string(
          expr::make_jaxpr(expr::parse_program(source), {"x"}, {Aval{{3}, DType::f32}}).jaxpr));
    };
    QCOMPARE(text("x ** 2"),
             QString("{ lambda ; a:f32[3]. let b:f32[3] = integer_pow[y=2] a in (b,) }"));
    QCOMPARE(text("x ** 2.5"), QString("{ lambda ; a:f32[3]. let b:f32[3] = pow a 2.5 in (b,) }"));
    QCOMPARE(text("x * (2 * 3 - 1)"),
             QString("{ lambda ; a:f32[3]. let b:f32[3] = mul a 5.0 in (b,) }"));
    // An unused input is still an input.
    ClosedJaxpr two = expr::make_jaxpr(expr::parse_program("-x"), {"x", "y"},
                                       {Aval{{2}, DType::f32}, Aval{{}, DType::f32}});
    QCOMPARE(q(jaxpr_to_string(two.jaxpr)),
             QString("{ lambda ; a:f32[2] b:f32[]. let c:f32[2] = neg a in (c,) }"));
  }

  void parseErrorsPointAtLineAndColumn() {
    QCOMPARE(q(parse_error("(x")), QString("1:3: expected ')' to close '(' at 1:1"));
    QCOMPARE(q(parse_error("sum(x, 1")), QString("1:9: expected ')' to close '(' at 1:4"));
    QCOMPARE(q(parse_error("x * 2 + sqr(x)")),
             QString("1:9: unknown function 'sqr' (did you mean 'sqrt'?)"));
    QCOMPARE(q(parse_error("y = 1\nz = x + sofmax(y)\nz")),
             QString("2:9: unknown function 'sofmax' (did you mean 'softmax'?)"));
    QCOMPARE(q(parse_error("frobnicate(x)")), QString("1:1: unknown function 'frobnicate'"));
    QCOMPARE(q(parse_error("x +")),
             QString("1:4: unexpected end of input: expected an expression"));
    QCOMPARE(q(parse_error("x * )")), QString("1:5: expected an expression, found ')'"));
    QCOMPARE(q(parse_error("x $ y")), QString("1:3: unexpected character '$'"));
    QCOMPARE(q(parse_error("x y")), QString("1:3: unexpected name 'y' after the expression"));
    QCOMPARE(q(parse_error("1e+ 2")),
             QString("1:1: malformed number '1e+': the exponent needs digits"));
    QCOMPARE(q(parse_error("a < b < c")),
             QString("1:7: comparisons cannot be chained; use parentheses"));
    QCOMPARE(q(parse_error("x.shape")),
             QString("1:3: unknown attribute 'shape' (only .T is supported)"));
    QCOMPARE(
        q(parse_error("y = 2 * x")),
        QString("1:1: the program ends with an assignment to 'y'; its last statement must be an "
                "expression (the result)"));
    QCOMPARE(q(parse_error(" ; \n")), QString("2:1: empty program: expected an expression"));
    QCOMPARE(q(parse_error("x + 1 = 2")),
             QString("1:7: unexpected '=': an assignment is 'name = expression'"));
    // Arity and keywords name the function.
    QCOMPARE(q(parse_error("exp(x, y)")), QString("1:1: exp() takes 1 argument but 2 were given"));
    QCOMPARE(q(parse_error("sum(x, 0, True, 1)")),
             QString("1:1: sum() takes from 1 to 3 arguments but 4 were given"));
    QCOMPARE(
        q(parse_error("sum(x, axes=0)")),
        QString("1:8: sum() got an unexpected keyword argument 'axes' (did you mean 'axis'?)"));
    QCOMPARE(q(parse_error("sum(x, 0, axis=1)")),
             QString("1:11: sum() got multiple values for argument 'axis'"));
    QCOMPARE(q(parse_error("where(x > 0, x)")),
             QString("1:1: where() missing required argument 'y'"));
    QCOMPARE(q(parse_error("sum(axis=0, x)")),
             QString("1:13: positional argument follows keyword argument"));
    try {
      expr::parse_program("\n  exp(x,\n      foo(1))");
      QFAIL("no error");
    } catch (const expr::ExprError& e) {
      QCOMPARE(e.pos().line, 3);
      QCOMPARE(e.pos().col, 7);
    }
  }

  void evaluationErrorsArePositioned() {
    Env env = {{"a", Array::from_vector<float>({1, 2})},
               {"b", Array::from_vector<float>({1, 2, 3})},
               {"m", Array::zeros(DType::f32, {2, 2})}};
    auto eval_error = [&](const std::string& source) {
      return error_of([&] { evaluate(source, env); });
    };
    QCOMPARE(
        q(eval_error("a + b")),
        QString(
            "1:3: operator '+': shapes (2) and (3) cannot be broadcast together (axis 0: 2 vs 3)"));
    QCOMPARE(q(eval_error("a @ b")),
             QString("1:3: operator '@': matmul of f32[2] and f32[3]: contracting sizes 2 and 3 differ"));
    QVERIFY(eval_error("y = a * 2\n  m + matmul(y, b)")
                .starts_with("2:7: matmul: matmul of f32[2] and f32[3]: contracting sizes 2 and 3 differ"));
    QVERIFY(eval_error("sum(m, axis=2)").starts_with("1:1: sum: "));
    QCOMPARE(q(eval_error("sum(a, axis=1.5)")),
             QString("1:1: sum: axis must be an integer, got the number 1.5"));
    QCOMPARE(q(eval_error("gelu(a, approximate=1)")),
             QString("1:1: gelu: approximate must be True or False, got the number 1"));
    QCOMPARE(q(eval_error("exp((1, 2))")),
             QString("1:1: exp: x must be an array or a number, got a tuple of 2"));
    QCOMPARE(q(eval_error("a + bb")), QString("1:5: unknown variable 'bb' (did you mean 'b'?)"));
    QCOMPARE(q(eval_error("(a, b)")),
             QString("1:1: the result must be an array or a number, got a tuple of 2"));
    QCOMPARE(q(eval_error("where(a, a, b)")),
             QString("1:1: where: the condition must be boolean, got f32[2]"));
    // make_flat_fn refuses a program reading a variable that is not an input.
    QCOMPARE(q(error_of([] { expr::make_flat_fn(expr::parse_program("x + y"), {"x"}); })),
             QString("variable 'y' is used but is not an input (inputs: x)"));
  }

  void deepNestingIsRefusedCleanly() {
    auto repeat = [](const std::string& s, int n) {
      std::string out;
      for (int i = 0; i < n; ++i) out += s;
      return out;
    };
    QCOMPARE(q(parse_error(repeat("(", 500) + "x" + repeat(")", 500))),
             QString("1:201: expression nested too deeply (more than 200 levels)"));
    for (const std::string& source : {repeat("-", 500) + "x", "x" + repeat(" ** x", 500),
                                      repeat("exp(", 500) + "x" + repeat(")", 500),
                                      repeat("(", 100000)}) {
      QVERIFY2(parse_error(source).find("expression nested too deeply (more than 200 levels)") !=
                   std::string::npos,
               source.substr(0, 20).c_str());
    }
    // Just inside the limits, programs still parse and evaluate.
    Env env = {{"x", Array::from_vector<float>({2})}};
    QCOMPARE(evaluate(repeat("(", 150) + "x" + repeat(")", 150), env).array().to_vector<float>()[0],
             2.0f);
    QCOMPARE(evaluate("x" + repeat(" + x", 150), env).array().to_vector<float>()[0], 302.0f);
    // A flat chain is not nesting: a sum of 1,999 terms (a new user's generated formula) parses,
    // evaluates and differentiates; past 2,000 operations it is refused as too long.
    const std::string sum1999 = "x" + repeat(" + x", 1998);
    QCOMPARE(evaluate(sum1999, env).array().to_vector<float>()[0], 3998.0f);
    QCOMPARE(q(parse_error("x" + repeat(" + x", 2000))),
             QString("1:7999: expression too long: more than 2000 operations in one chain; split it "
                     "with assignments (y = ...; y + ...)"));
  }

  // Only the last statement is the result; an earlier bare expression would be dropped silently.
  void unusedStatementsAreErrors() {
    QCOMPARE(q(parse_error("sum(x*x)\n+1")),
             QString("1:1: this statement's value is never used: only the last statement is the result "
                     "(continue an expression on one line, or assign it: 'y = ...')"));
    QCOMPARE(q(parse_error("y = 2 * x; y; y + 1")).left(4), QString("1:12"));
    Env env = {{"x", Array::from_vector<float>({3})}};
    QCOMPARE(evaluate("y = 2 * x\ny + 1", env).array().to_vector<float>()[0], 7.0f);
  }

  void unicodeIsShownAsTheCharacter() {
    QCOMPARE(q(parse_error("λ * 2")), QString("1:1: unexpected character 'λ' (U+03BB)"));
    QCOMPARE(q(parse_error("x \x01")), QString("1:3: unexpected character \\x01"));
  }
};

QTEST_APPLESS_MAIN(ExprTest)
#include "expr_test.moc"
