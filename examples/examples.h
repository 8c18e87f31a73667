// The reference programs of DESIGN.md as a small library, so that each runs both as its own
// executable (examples/<name>.cpp, a ctest `example.<name>`) and as `gradient-cli example NAME`.
//
// Each example prints what the tutorial it comes from prints, and throws engine::Error when its
// result is wrong (the regression did not reach the true parameters, the loss did not fall, the
// accuracy stayed under --min-accuracy), so a run doubles as a test.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace examples {

struct ExampleOptions {
  int epochs = 0;            // 0: the tutorial's count
  int64_t limit = 0;         // keep only the first N examples of each split (0: all)
  int64_t steps = 0;         // at most N steps per epoch (0: every batch); regression: N steps
  double min_accuracy = 0;   // fail when the final test accuracy is below this
  std::string dataset;       // "" : the example's own data set
  // Training examples draw their parameters from PRNGKey(seed) and shuffle with PRNGKey(seed + 1),
  // so accuracy can be read as a spread over seeds rather than from one draw.
  uint32_t seed = 0;
  // JAX's PRNG mode of every draw: "classic" (the tutorials' numbers) or "partitionable".
  std::string prng = "classic";
};

struct Example {
  std::string name;
  std::string summary;
  std::function<void(const ExampleOptions&)> run;
};

const std::vector<Example>& all_examples();
// Throws engine::Error naming the known examples when `name` is not one.
const Example& find_example(const std::string& name);

// The options above as flags of a CLI11 command (--epochs, --limit, --steps, --min-accuracy,
// --dataset), shared by the executables and gradient-cli.
void add_example_flags(CLI::App& app, ExampleOptions& options);

// main() of examples/<name>.cpp: parses the flags, runs, prints errors; exit status 0, 1 (a wrong
// result or an engine error) or 2 (usage).
int example_main(const std::string& name, int argc, char** argv);

void run_autodiff_basics(const ExampleOptions& options);
void run_linear_regression(const ExampleOptions& options);
void run_mnist_mlp(const ExampleOptions& options);
void run_fashion_cnn(const ExampleOptions& options);

}  // namespace examples
