// Each command group of gradient-cli lives in its own file and adds itself to the app here.
#pragma once
#include <CLI/CLI.hpp>

namespace cli {

void add_random_command(CLI::App& app);  // random.cpp
// jaxpr, jvp, grad, vjp, jacobian of an expression (autodiff_cmds.cpp)
void add_autodiff_commands(CLI::App& app);
void add_bench_command(CLI::App& app);  // bench.cpp
// example NAME: the reference programs of examples/ (example.cpp)
void add_example_command(CLI::App& app);

}  // namespace cli
