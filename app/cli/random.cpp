#include "app/cli/commands.h"
namespace cli {
void add_random_command(CLI::App& app) { app.add_subcommand("random", "JAX-exact random numbers"); }
}  // namespace cli
