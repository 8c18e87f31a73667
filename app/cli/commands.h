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
// train, resume, eval (train.cpp; the foreground run in train_session.cpp)
void add_train_commands(CLI::App& app);
// runs list|show|metrics|compare|delete|rename|tag (runs.cpp)
void add_runs_commands(CLI::App& app);
// model show|init|apply: summary, Flax-equal init and inference of a model spec (model.cpp)
void add_model_commands(CLI::App& app);

}  // namespace cli
