// gradient-cli: the engine from the command line. Commands print JSON on stdout (unless noted) so
// scripts and tests can read them; errors go to stderr with exit status 1 (2 for usage errors).
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/train_session.h"
#include "engine/build_info.h"
#include "engine/core/error.h"

namespace {

// What a bug report needs: the version and commit, the backends built in, the libraries and the
// CPU oneDNN dispatches to (engine/build_info.h).
std::string version_text() {
  const engine::BuildInfo& b = engine::build_info();
  std::string backends;
  for (const std::string& name : b.backends) backends += (backends.empty() ? "" : ", ") + name;
  return "gradient-cli " + engine::version_string() + "\nbackends: " + backends + "\nCPU: " + b.cpu_model +
         " (oneDNN dispatches " + b.cpu_isa + ", " + std::to_string(b.threads) + " threads)\noneDNN " +
         b.onednn_version + ", SQLite " + b.sqlite_version;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"gradient-cli: trace, differentiate, compile and train with the Gradient Studio engine"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Print help for every command");
  app.set_version_flag("--version", [] { return version_text(); }, "Print the version, the backends and the library versions");
  cli::add_random_command(app);
  cli::add_autodiff_commands(app);
  cli::add_bench_command(app);
  cli::add_example_command(app);
  cli::add_train_commands(app);
  cli::add_runs_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the help or the usage error; any usage error exits 2, as documented.
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const cli::ExitStatus& e) {  // a command that ended otherwise than in success
    return e.code;
  } catch (const engine::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
