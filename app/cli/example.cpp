// gradient-cli example NAME [--epochs N] [--limit N] [--steps N] [--min-accuracy A] [--dataset D] [--seed S]
//                      [--prng classic|partitionable]
//
// Runs one of the reference programs of examples/ (the same code as the example executables) and
// prints what it prints: text, as the tutorials do, not JSON. A wrong result (no convergence, a
// loss that did not fall, accuracy under --min-accuracy) is an error: exit status 1.
#include <memory>

#include "app/cli/commands.h"
#include "engine/random/random.h"
#include "examples/examples.h"

namespace cli {

void add_example_command(CLI::App& app) {
  struct Options {
    std::string name;
    examples::ExampleOptions example;
  };
  auto o = std::make_shared<Options>();
  std::string names, list;
  for (const examples::Example& e : examples::all_examples()) {
    names += (names.empty() ? "" : ", ") + e.name;
    list += "\n  " + e.name + ": " + e.summary;
  }
  CLI::App* cmd = app.add_subcommand("example", "Run a reference program (prints text): " + names);
  cmd->add_option("NAME", o->name, "Which example")->required();
  examples::add_example_flags(*cmd, o->example);
  cmd->footer("Examples:" + list +
              "\n\nE.g. gradient-cli example fashion_cnn --epochs 2");
  cmd->callback([o] {
    engine::random::ScopedPrngMode prng(engine::random::parse_prng_mode(o->example.prng, "--prng"));
    examples::find_example(o->name).run(o->example);
  });
}

}  // namespace cli
