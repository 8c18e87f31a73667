// gradient-cli model show|init|apply: the model builder and the variable inspector without the
// studio.
//
//   gradient-cli model show builtin:cnn [--input-shape 8,28,28,1] [--json]
//   gradient-cli model init builtin:mlp --key 0,0 [--prng classic|partitionable] [--json]
//   gradient-cli model apply my_model.json --key 0,0 --input '[[1,2,3]]' [--json]
//
// MODEL is builtin:NAME or a model spec file (engine/nn/model_spec.h). Initialization is the
// engine's, which derives each parameter's key from its module path as Flax linen does
// (engine/nn/rng.h), so `init` prints the numbers Flax prints for a @nn.compact module that calls
// the same layers in the same order (auto-named Dense_0, Conv_0, ...) with the same key.
//
// Usage errors exit 2: an unknown builtin, a malformed --key, --input-shape, --input or --prng,
// and an input whose shape the model cannot take (the message names the layer and the shapes).
// A spec file that cannot be read or is not a valid spec exits 1 (engine::Error in main).
#include <algorithm>
#include <iostream>
#include <memory>
#include <cstdint>
#include <optional>
#include <string_view>

#include "app/cli/commands.h"
#include "app/cli/json_io.h"
#include "app/cli/random_args.h"
#include "engine/core/error.h"
#include "engine/core/shape.h"
#include "engine/nn/nn.h"
#include "engine/random/random.h"
#include "engine/train/run_config.h"

namespace cli {

namespace {

using engine::Array;
using engine::PyTree;
using engine::Shape;
namespace nn = engine::nn;

// Runs fn, turning an engine::Error about an argument into a usage error (exit 2).
template <class F>
auto as_usage_error(F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const engine::Error& e) {
    throw CLI::ValidationError(e.what());
  }
}

nn::Sequential load_model(const std::string& model) {
  if (model.rfind("builtin:", 0) == 0) {
    const std::string name = model.substr(8);
    std::string names;
    for (const std::string& n : nn::builtin_spec_names()) {
      if (n == name) return nn::from_spec(nn::builtin_spec(name));
      names += (names.empty() ? "" : ", ") + n;
    }
    throw CLI::ValidationError("MODEL: unknown builtin '" + name + "'; the builtins are " + names);
  }
  return nn::from_spec(engine::train::resolve_model_spec(model));  // file errors: exit 1
}

// A spec that declares its input_shape takes (batch, input_shape...) only. Flax would infer the
// kernels from any input, but a spec's declared shape is what the builder and training use, so an
// input that differs is a mistake to name, not a different model to build silently.
void check_declared_input(const nn::Sequential& model, const Shape& in, const std::string& option) {
  const std::optional<Shape>& declared = model.input_shape();
  if (!declared) return;
  if (in.size() == declared->size() + 1 && std::equal(declared->begin(), declared->end(), in.begin() + 1)) return;
  throw CLI::ValidationError(option + ": shape [" + engine::shape_str(in) + "] does not match the model's input_shape [" +
                             engine::shape_str(*declared) + "]; expected [batch," + engine::shape_str(*declared) + "]");
}

// --input-shape (the whole input, batch axis included), else (1, the spec's input_shape).
Shape input_shape_of(const nn::Sequential& model, const std::optional<std::string>& text) {
  if (text) {
    // The input is never made (show and init read its shape only), so no size limit but int64.
    Shape s;
    int64_t size = 1;
    std::string_view rest = *text;
    while (!text->empty()) {
      const size_t comma = rest.find(',');
      const std::string part(rest.substr(0, comma));
      const int64_t d = as_usage_error([&] { return random_args::parse_int(part, "--input-shape"); });
      if (d < 0) throw CLI::ValidationError("--input-shape: dimension " + std::to_string(s.size() + 1) + " is negative in '" + *text + "'");
      size = nn::mul_sat(size, d);
      if (size == INT64_MAX) throw CLI::ValidationError("--input-shape: '" + *text + "' has more than 2^63 elements");
      s.push_back(d);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (s.empty()) throw CLI::ValidationError("--input-shape: expected at least one dimension, got ''");
    check_declared_input(model, s, "--input-shape");
    return s;
  }
  if (!model.input_shape())
    throw CLI::RequiredError("--input-shape is required: the spec has no input_shape", CLI::ExitCodes::RequiredError);
  return nn::batched_input_shape(model);
}

// The layer-by-layer summary; an input the model cannot take is a usage error naming the layer.
nn::ModelSummary summary_of(const nn::Sequential& model, const Shape& in) {
  return as_usage_error([&] { return nn::summarize(model, in, model.name()); });
}

nlohmann::ordered_json shape_json(const Shape& s) { return nlohmann::ordered_json(std::vector<int64_t>(s.begin(), s.end())); }

nlohmann::ordered_json summary_json(const nn::ModelSummary& s) {
  using ojson = nlohmann::ordered_json;
  auto total = [](const nn::CollectionTotal& t) { return ojson{{"count", t.count}, {"bytes", t.bytes}}; };
  ojson rows = ojson::array();
  for (const nn::SummaryRow& r : s.rows) {
    ojson vars = ojson::object();
    for (const nn::VariableShape& v : r.variables)
      vars[v.collection][v.name] = {{"shape", shape_json(v.shape)}, {"dtype", std::string(engine::dtype_long_name(v.dtype))}};
    rows.push_back({{"path", r.path}, {"module", r.module}, {"inputs", shape_json(r.input)},
                    {"outputs", shape_json(r.output)}, {"variables", vars},
                    {"params", total(r.params)}, {"batch_stats", total(r.batch_stats)}});
  }
  return {{"layers", rows}, {"total", {{"params", total(s.params)}, {"batch_stats", total(s.batch_stats)}}}};
}

// {"params": {"Dense_0": {"bias": [...], ...}}} with full values (9 significant digits).
std::string tree_json(const PyTree& t) {
  if (t.is_leaf()) return to_json(t.leaf());
  std::vector<std::pair<std::string, std::string>> entries;
  for (size_t i = 0; i < t.size(); ++i) entries.emplace_back(t.keys()[i], tree_json(t.children()[i]));
  return json_object(entries);
}

// NumPy's text with each line wrapped at 75 columns as NumPy does (linewidth=75): breaks between
// elements, the continuation aligned after the line's opening brackets; every line indented.
std::string indented(const std::string& text, const std::string& indent) {
  constexpr size_t kWidth = 75;
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    size_t lead = line.find_first_not_of(' ');
    lead = lead == std::string_view::npos ? 0 : line.find_first_not_of('[', lead);
    const std::string hang(lead == std::string_view::npos ? 0 : lead, ' ');
    std::string_view first_prefix;
    while (line.size() > kWidth) {
      // Break at a separator: of "a  -b" / "a   b" the first space is the separator, the
      // others are the next element's sign padding, which it keeps.
      size_t cut = line.rfind(' ', kWidth);
      while (cut != std::string_view::npos && cut > 0 && line[cut - 1] == ' ') --cut;
      if (cut == std::string_view::npos || cut <= hang.size()) break;
      out += indent + std::string(first_prefix) + std::string(line.substr(0, cut)) + "\n";
      line.remove_prefix(cut + 1);
      first_prefix = hang;
    }
    if (!line.empty()) out += indent + std::string(first_prefix) + std::string(line);
    if (end == text.size()) break;
    out += "\n";
    start = end + 1;
  }
  return out;
}

// An indented tree, one leaf as "name: float32[4,3]" and then its values as JAX prints them.
void print_tree(const PyTree& t, const std::string& indent) {
  for (size_t i = 0; i < t.size(); ++i) {
    const PyTree& c = t.children()[i];
    if (!c.is_leaf()) {
      std::cout << indent << t.keys()[i] << "\n";
      print_tree(c, indent + "  ");
      continue;
    }
    const Array& a = c.leaf().array();
    std::cout << indent << t.keys()[i] << ": " << nn::typed_shape_str(a.dtype(), a.shape()) << "\n";
    std::cout << indented(a.str(), indent + "  ") << "\n";  // numpy's layout, summarized past 1000
  }
}

struct ModelOptions {
  std::string model;
  std::optional<std::string> input_shape;
  std::string key;
  std::string prng = "classic";
  std::string input;
  bool json = false;
};

void add_model_argument(CLI::App* cmd, ModelOptions& o) {
  cmd->add_option("MODEL", o.model, "builtin:NAME (" + [] {
    std::string names;
    for (const std::string& n : nn::builtin_spec_names()) names += (names.empty() ? "" : ", ") + n;
    return names;
  }() + ") or a model spec FILE.json")->required();
  cmd->add_flag("--json", o.json, "Print JSON instead of text");
}

void add_key_options(CLI::App* cmd, ModelOptions& o) {
  cmd->add_option("--key", o.key, "PRNG key as K0,K1 (two u32 words; 0,0 is jax.random.PRNGKey(0))")->required();
  cmd->add_option("--prng", o.prng, "classic (default, JAX's default) or partitionable (jax_threefry_partitionable)");
}

struct KeyAndMode {
  Array key;
  engine::random::PrngMode mode;
};

KeyAndMode parse_key_and_mode(const ModelOptions& o) {
  return as_usage_error([&] {
    return KeyAndMode{random_args::parse_key(o.key), engine::random::parse_prng_mode(o.prng, "--prng")};
  });
}

void run_show(const ModelOptions& o) {
  nn::Sequential model = load_model(o.model);
  const nn::ModelSummary s = summary_of(model, input_shape_of(model, o.input_shape));
  if (o.json)
    std::cout << summary_json(s).dump() << "\n";
  else
    std::cout << nn::summary_table(s);
}

void run_init(const ModelOptions& o) {
  nn::Sequential model = load_model(o.model);
  const KeyAndMode k = parse_key_and_mode(o);
  const Shape in = input_shape_of(model, o.input_shape);
  summary_of(model, in);  // shape errors name the layer, as a usage error
  engine::random::ScopedPrngMode prng(k.mode);
  // Module::init without the dummy input: only its shape matters, and a large one costs nothing.
  const PyTree vars = model.init_scoped(k.key, {}, in);
  if (o.json) {
    std::cout << tree_json(vars) << "\n";
  } else {
    print_tree(vars, "");
  }
}

void run_apply(const ModelOptions& o) {
  nn::Sequential model = load_model(o.model);
  const KeyAndMode k = parse_key_and_mode(o);
  const Array x = as_usage_error([&] { return parse_json_array(o.input, "--input"); });
  check_declared_input(model, x.shape(), "--input");
  summary_of(model, x.shape());  // "Conv_0: input (2, 3) has rank 2 but Conv needs NHWC (rank 4)"
  engine::random::ScopedPrngMode prng(k.mode);
  // Flax: variables = model.init(key, x); model.apply(variables, x) (inference: no dropout, the
  // running BatchNorm statistics).
  const PyTree vars = model.init(k.key, x);
  const engine::Tensor y = model(vars, x);
  if (o.json) {
    std::cout << json_object({{"shape", shape_json(y.shape()).dump()}, {"output", to_json(y)}}) << "\n";
  } else {
    std::cout << nn::typed_shape_str(y.dtype(), y.shape()) << "\n" << indented(y.array().str(), "") << "\n";
  }
}

}  // namespace

void add_model_commands(CLI::App& app) {
  CLI::App* model = app.add_subcommand("model", "Summarize, initialize and apply a model (text, or JSON with --json)");
  model->require_subcommand(1);

  auto show = std::make_shared<ModelOptions>();
  CLI::App* s = model->add_subcommand(
      "show", "Per layer: path, module, input and output shapes, variable shapes, counts and bytes (like nn.tabulate)");
  add_model_argument(s, *show);
  s->add_option("--input-shape", show->input_shape,
                "Input shape with the batch axis, D1,D2,... (default: 1 and the spec's input_shape)");
  s->callback([show] { run_show(*show); });

  auto init = std::make_shared<ModelOptions>();
  CLI::App* i = model->add_subcommand("init", "The initialized variables (params, batch_stats) as Flax's init makes them");
  add_model_argument(i, *init);
  add_key_options(i, *init);
  i->add_option("--input-shape", init->input_shape,
                "Dummy input shape with the batch axis (default: 1 and the spec's input_shape)");
  i->callback([init] { run_init(*init); });

  auto apply = std::make_shared<ModelOptions>();
  CLI::App* a = model->add_subcommand("apply", "Init with --key on --input, then the model's output on it (inference mode)");
  add_model_argument(a, *apply);
  add_key_options(a, *apply);
  a->add_option("--input", apply->input, "The input as nested JSON arrays, batch axis included (e.g. [[1,2,3]])")
      ->required();
  a->callback([apply] { run_apply(*apply); });
}

}  // namespace cli
