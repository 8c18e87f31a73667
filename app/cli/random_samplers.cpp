// gradient-cli random NAME: one subcommand per jax.random sampler, each with --key, --shape
// (default: a scalar, as JAX's shape=()), --prng, --dtype where JAX takes one, and its parameters
// under the names JAX gives them (--a, --lam, --minval, --alpha JSON, ...).
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/random_args.h"
#include "engine/core/error.h"
#include "engine/random/random.h"

namespace cli {

namespace {

using engine::Array;
using engine::DType;
using engine::Error;
using engine::Shape;
using random_args::Given;
namespace rnd = engine::random;

struct Draw {
  Array key;
  Shape shape;
  bool shape_given = false;
  DType dtype = DType::f32;
  Given given;
};

struct Param {
  const char* name;
  const char* help;
};

struct Sampler {
  const char* name;
  const char* help;
  bool float_dtype;  // takes --dtype f32|f64
  std::vector<Param> params;
  std::function<void(const Draw&)> run;
};

void print(const Array& a) { random_args::print_json(a); }

const std::vector<Sampler>& samplers() {
  using random_args::parse_bool;
  using random_args::parse_int;
  static const std::vector<Sampler> table = {
      {"bits", "Uniform random bits (jax.random.bits)", false,
       {{"dtype", "uint8, uint16, uint32 (default) or uint64"}},
       [](const Draw& d) {
         const std::string t = d.given.has("dtype") ? d.given.text("dtype") : "uint32";
         if (t == "uint64") return random_args::print_u64_json(rnd::bits_u64(d.key, d.shape), d.shape);
         const int width = t == "uint8" ? 8 : t == "uint16" ? 16 : t == "uint32" ? 32 : 0;
         if (!width) throw Error("--dtype: expected uint8, uint16, uint32 or uint64, got '" + t + "'");
         print(rnd::bits(d.key, d.shape, width));
       }},
      {"uniform", "Uniform samples in [minval, maxval) (jax.random.uniform)", true,
       {{"minval", "lower bound, inclusive (default 0)"}, {"maxval", "upper bound, exclusive (default 1)"}},
       [](const Draw& d) {
         print(rnd::uniform(d.key, d.shape, d.given.number("minval", 0), d.given.number("maxval", 1), d.dtype));
       }},
      {"normal", "Standard normal samples (jax.random.normal)", true, {},
       [](const Draw& d) { print(rnd::normal(d.key, d.shape, d.dtype)); }},
      {"truncated_normal", "Standard normals truncated to (lower, upper) (jax.random.truncated_normal)",
       true, {{"lower", "lower bound (required)"}, {"upper", "upper bound (required)"}},
       [](const Draw& d) {
         print(rnd::truncated_normal(d.key, d.given.number("lower", 0, true),
                                     d.given.number("upper", 0, true), d.shape, d.dtype));
       }},
      {"randint", "Integers in [minval, maxval), int32 (jax.random.randint)", false,
       {{"minval", "lower bound, inclusive (required)"}, {"maxval", "upper bound, exclusive (required)"},
        {"dtype", "int32 (the only one)"}},
       [](const Draw& d) {
         if (d.given.has("dtype") && d.given.text("dtype") != "int32" && d.given.text("dtype") != "i32")
           throw Error("--dtype: randint draws int32 only, got '" + d.given.text("dtype") + "'");
         for (const char* o : {"minval", "maxval"})
           if (!d.given.has(o)) throw Error(std::string("--") + o + ": required by this distribution");
         print(rnd::randint(d.key, d.shape, parse_int(d.given.text("minval"), "--minval"),
                            parse_int(d.given.text("maxval"), "--maxval")));
       }},
      {"choice", "Samples of arange(a), with or without replacement, optionally weighted by p "
                 "(jax.random.choice)", false,
       {{"a", "population size (required)"}, {"replace", "true (default) or false"},
        {"p", "JSON list of a probabilities (optional)"}},
       [](const Draw& d) {
         if (!d.given.has("a")) throw Error("--a: required by this distribution");
         const int64_t a = parse_int(d.given.text("a"), "--a");
         const bool replace = !d.given.has("replace") || parse_bool(d.given.text("replace"), "--replace");
         std::vector<double> p;
         if (d.given.has("p")) {
           const Array pa = d.given.json("p");
           if (pa.rank() != 1) throw Error("--p: expected a flat JSON list, got " + pa.aval_str());
           for (int64_t i = 0; i < pa.size(); ++i) p.push_back(pa.at_flat(i));
         }
         print(rnd::choice(d.key, a, d.shape, replace, p));
       }},
      {"permutation", "A permutation of arange(x), or of x's rows when x is a JSON array "
                      "(jax.random.permutation); --shape is not used", false,
       {{"x", "an integer n, or a JSON array (required)"}},
       [](const Draw& d) {
         if (!d.given.has("x")) throw Error("--x: required by this distribution");
         const std::string& x = d.given.text("x");
         if (!x.empty() && x[0] == '[') return print(rnd::permutation(d.key, d.given.json("x")));
         print(rnd::permutation(d.key, random_args::parse_count(x, "--x")));
       }},
      {"bernoulli", "Booleans true with probability p (jax.random.bernoulli)", false,
       {{"p", "probability in [0, 1] (default 0.5)"}},
       [](const Draw& d) { print(rnd::bernoulli(d.key, d.given.number("p", 0.5), d.shape)); }},
      {"rademacher", "-1 or +1 with equal probability, int32 (jax.random.rademacher)", false, {},
       [](const Draw& d) { print(rnd::rademacher(d.key, d.shape)); }},
      {"categorical", "Category indices from unnormalized log-probabilities (jax.random.categorical)",
       false, {{"logits", "JSON array of logits (required)"}, {"axis", "category axis (default -1)"}},
       [](const Draw& d) {
         const Array logits = d.given.json("logits");
         const int64_t axis = d.given.has("axis") ? parse_int(d.given.text("axis"), "--axis") : -1;
         if (axis < -logits.rank() || axis >= logits.rank())
           throw Error("--axis: " + std::to_string(axis) + " is out of range for logits " + logits.aval_str());
         if (!d.shape_given) return print(rnd::categorical(d.key, logits, static_cast<int>(axis)));
         print(rnd::categorical(d.key, logits, static_cast<int>(axis), d.shape));
       }},
      {"gumbel", "Standard Gumbel samples (jax.random.gumbel)", true, {},
       [](const Draw& d) { print(rnd::gumbel(d.key, d.shape, d.dtype)); }},
      {"exponential", "Exponential(1) samples (jax.random.exponential)", true, {},
       [](const Draw& d) { print(rnd::exponential(d.key, d.shape, d.dtype)); }},
      {"laplace", "Laplace(0, 1) samples (jax.random.laplace)", true, {},
       [](const Draw& d) { print(rnd::laplace(d.key, d.shape, d.dtype)); }},
      {"logistic", "Logistic(0, 1) samples (jax.random.logistic)", true, {},
       [](const Draw& d) { print(rnd::logistic(d.key, d.shape, d.dtype)); }},
      {"cauchy", "Cauchy(0, 1) samples (jax.random.cauchy)", true, {},
       [](const Draw& d) { print(rnd::cauchy(d.key, d.shape, d.dtype)); }},
      {"pareto", "Pareto samples with shape b (jax.random.pareto)", true, {{"b", "shape b > 0 (required)"}},
       [](const Draw& d) { print(rnd::pareto(d.key, d.given.number("b", 0, true), d.shape, d.dtype)); }},
      {"weibull_min", "Weibull samples (jax.random.weibull_min)", true,
       {{"scale", "scale > 0 (required)"}, {"concentration", "concentration > 0 (required)"}},
       [](const Draw& d) {
         print(rnd::weibull_min(d.key, d.given.number("scale", 0, true),
                                d.given.number("concentration", 0, true), d.shape, d.dtype));
       }},
      {"maxwell", "One-sided Maxwell samples (jax.random.maxwell)", true, {},
       [](const Draw& d) { print(rnd::maxwell(d.key, d.shape, d.dtype)); }},
      {"double_sided_maxwell", "Double-sided Maxwell samples (jax.random.double_sided_maxwell)", true,
       {{"loc", "location (required)"}, {"scale", "scale > 0 (required)"}},
       [](const Draw& d) {
         print(rnd::double_sided_maxwell(d.key, d.given.number("loc", 0, true),
                                         d.given.number("scale", 0, true), d.shape, d.dtype));
       }},
      {"gamma", "Gamma(a, 1) samples (jax.random.gamma)", true, {{"a", "shape a > 0 (required)"}},
       [](const Draw& d) { print(rnd::gamma(d.key, d.given.number("a", 0, true), d.shape, d.dtype)); }},
      {"loggamma", "Log of Gamma(a, 1) samples, drawn in log space (jax.random.loggamma)", true,
       {{"a", "shape a > 0 (required)"}},
       [](const Draw& d) { print(rnd::loggamma(d.key, d.given.number("a", 0, true), d.shape, d.dtype)); }},
      {"beta", "Beta(a, b) samples (jax.random.beta)", true,
       {{"a", "a > 0 (required)"}, {"b", "b > 0 (required)"}},
       [](const Draw& d) {
         print(rnd::beta(d.key, d.given.number("a", 0, true), d.given.number("b", 0, true), d.shape, d.dtype));
       }},
      {"t", "Student's t samples (jax.random.t)", true, {{"df", "degrees of freedom > 0 (required)"}},
       [](const Draw& d) { print(rnd::t(d.key, d.given.number("df", 0, true), d.shape, d.dtype)); }},
      {"poisson", "Poisson(lam) counts, int32 (jax.random.poisson)", false, {{"lam", "rate >= 0 (required)"}},
       [](const Draw& d) { print(rnd::poisson(d.key, d.given.number("lam", 0, true), d.shape)); }},
      {"dirichlet", "Dirichlet samples; --shape is the batch shape (jax.random.dirichlet)", true,
       {{"alpha", "JSON list of concentrations > 0 (required)"}},
       [](const Draw& d) { print(rnd::dirichlet(d.key, d.given.json("alpha"), d.shape, d.dtype)); }},
      {"multivariate_normal", "Multivariate normal samples; --shape is the batch shape "
                              "(jax.random.multivariate_normal, Cholesky)", true,
       {{"mean", "JSON list, the mean (required)"}, {"cov", "JSON matrix, the covariance (required)"}},
       [](const Draw& d) {
         print(rnd::multivariate_normal(d.key, d.given.json("mean"), d.given.json("cov"), d.shape, d.dtype));
       }},
      {"orthogonal", "Uniform orthogonal n x n matrices; --shape is the batch shape "
                     "(jax.random.orthogonal)", true, {{"n", "matrix size (required)"}},
       [](const Draw& d) {
         if (!d.given.has("n")) throw Error("--n: required by this distribution");
         print(rnd::orthogonal(d.key, random_args::parse_count(d.given.text("n"), "--n"), d.shape, d.dtype));
       }},
  };
  return table;
}

// Engine errors read "NAME: PARAM must ..."; the option of the same name is prefixed, so the
// user sees which argument to change.
[[noreturn]] void rethrow_naming_option(const Error& e, const Sampler& s) {
  const std::string msg = e.what();
  const std::string lead = std::string(s.name) + ": ";
  if (msg.rfind(lead, 0) == 0) {
    for (const Param& p : s.params) {
      const std::string param = p.name;
      if (msg.compare(lead.size(), param.size() + 1, param + " ") == 0) throw Error("--" + param + ": " + msg);
    }
  }
  throw;
}

}  // namespace

void add_random_samplers(CLI::App* random) {
  for (const Sampler& s : samplers()) {
    struct Options {
      std::string key, shape, dtype = "f32", prng = "classic";
      std::map<std::string, std::string> params;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = random->add_subcommand(s.name, s.help);
    cmd->add_option("--key", o->key, "PRNG key as K0,K1 (two u32 words, e.g. 0,42)")->required();
    cmd->add_option("--shape", o->shape, "output (or batch) shape D1,D2,... (default: a scalar)");
    cmd->add_option("--prng", o->prng, "classic (default) or partitionable (JAX's default since 0.5)");
    if (s.float_dtype) cmd->add_option("--dtype", o->dtype, "f32 (default) or f64");
    for (const Param& p : s.params) cmd->add_option(std::string("--") + p.name, o->params[p.name], p.help);
    cmd->callback([o, cmd, &s] {
      random_args::apply_prng(o->prng);
      Draw d;
      d.key = random_args::parse_key(o->key);
      d.shape = random_args::parse_shape(o->shape);
      d.shape_given = cmd->count("--shape") > 0;
      if (s.float_dtype) d.dtype = random_args::parse_float_dtype(o->dtype);
      for (const Param& p : s.params)
        if (cmd->count(std::string("--") + p.name) > 0) d.given.values[p.name] = o->params[p.name];
      try {
        s.run(d);
      } catch (const Error& e) {
        rethrow_naming_option(e, s);
      }
    });
  }
}

}  // namespace cli
