// The list of examples, their shared flags and the main() of the example executables.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "engine/core/error.h"
#include "engine/data/dataset.h"
#include "engine/random/random.h"
#include "examples/examples.h"

namespace examples {

const std::vector<Example>& all_examples() {
  static const std::vector<Example> list = {
      {"autodiff_basics", "grad, jvp, vjp, vmap, jit, pytrees, immutable updates (JAX's autodiff tour)",
       run_autodiff_basics},
      {"linear_regression", "Dense(1) on y = 2x + 3 (gradient descent, adam, TrainState) and the 10x5 matrix fit",
       run_linear_regression},
      {"mnist_mlp", "784-512-10 swish MLP on the MNIST digits, SGD with exponential decay, vmap'd predict",
       run_mnist_mlp},
      {"fashion_cnn", "the Fashion-MNIST CNN with BatchNorm, SGD with momentum", run_fashion_cnn},
  };
  return list;
}

const Example& find_example(const std::string& name) {
  std::string known;
  for (const Example& e : all_examples()) {
    if (e.name == name) return e;
    known += (known.empty() ? "" : ", ") + e.name;
  }
  throw engine::Error("unknown example '" + name + "'; known: " + known);
}

void add_example_flags(CLI::App& app, ExampleOptions& options) {
  // CLI::PositiveNumber's message spells out DBL_MAX ("not in range 0.000000 to 1797693...").
  const CLI::Validator positive(
      [](std::string& text) -> std::string {
        double v = 0;
        return CLI::detail::lexical_cast(text, v) && !(v > 0) ? "expected a positive number, got " + text : "";
      },
      "POSITIVE");
  app.add_option("--epochs", options.epochs, "Epochs to train (default: the tutorial's)")->check(positive);
  app.add_option("--limit", options.limit, "Use only the first N examples of each split")->check(positive);
  app.add_option("--steps", options.steps, "At most N training steps per epoch (regression: N steps)")
      ->check(positive);
  app.add_option("--min-accuracy", options.min_accuracy,
                 "Fail (exit 1) when the final test accuracy is below this")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--seed", options.seed,
                 "Key of the parameter init (PRNGKey(seed)) and of the shuffles (PRNGKey(seed + 1))");
  app.add_option("--prng", options.prng,
                 "PRNG mode: classic (default, the tutorials' numbers) or partitionable (JAX >= 0.5)");
  std::string datasets;
  for (const std::string& n : engine::data::dataset_names()) datasets += (datasets.empty() ? "" : ", ") + n;
  app.add_option("--dataset", options.dataset, "Data set instead of the example's own: " + datasets);
}

int example_main(const std::string& name, int argc, char** argv) {
  const Example& example = find_example(name);
  CLI::App app{example.summary, name};
  ExampleOptions options;
  add_example_flags(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    engine::random::ScopedPrngMode prng(engine::random::parse_prng_mode(options.prng, "--prng"));
    example.run(options);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace examples
