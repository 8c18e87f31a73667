// gradient-cli: the engine from the command line. Commands print JSON on stdout (unless noted) so
// scripts and tests can read them; errors go to stderr with exit status 1 (2 for usage errors).
#include <algorithm>
#include <charconv>
#include <iostream>
#include <regex>
#include <string>
#include <vector>

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

// CLI11 reads every argument that starts with '-' as an option, so an expression such as
// '-sum(log(p))' was refused ("EXPR is required"). An argument that cannot be an option name
// (-x, --name, --name=value) nor a number is an expression: a leading space hides its '-' from
// CLI11, and the expression lexer skips the space. A `--` just before such an expression (the
// usual way to pass an argument that starts with '-') is dropped: kept, it made the options after
// the expression positional too ("The following arguments were not expected: --at ...").
std::vector<std::string> protect_expressions(int argc, char** argv) {
  static const std::regex option(R"(^--?[A-Za-z][A-Za-z0-9_-]*(=.*)?$)");
  static const std::regex number(R"(^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$)");
  auto expression = [&](const std::string& a) {
    return a.size() > 1 && a[0] == '-' && a != "--" && !std::regex_match(a, option) && !std::regex_match(a, number);
  };
  std::vector<std::string> args;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (i > 0 && a == "--" && i + 1 < argc && expression(argv[i + 1])) continue;
    args.push_back(i > 0 && expression(a) ? " " + a : a);
  }
  return args;
}

// CLI11 reads integers with strtoll, which turns text beyond 64 bits into INT64_MAX without a word
// (--seed 99999999999999999999 ran with seed 9223372036854775807): refuse it, naming the option.
// (Narrower integers are range-checked by CLI11 itself.)
void refuse_clamped_integers(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    const std::string type = opt->get_type_name();
    if (type != "INT" && type != "UINT") continue;
    opt->check(CLI::Validator(
        [](std::string& text) -> std::string {
          std::string_view digits = text;
          if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
          int64_t v = 0;
          auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
          if (ec == std::errc::result_out_of_range)
            return text + " is out of range (a 64-bit integer, at most 9223372036854775807)";
          return "";
        },
        ""));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) refuse_clamped_integers(*sub);
}

// CLI11 answers an unknown command word with "A subcommand is required": name the word and list
// the commands instead. Only leading words are looked at (an option's value could be any word).
void check_command_words(CLI::App& app, const std::vector<std::string>& args) {
  CLI::App* at = &app;
  for (size_t i = 1; i < args.size() && !args[i].empty() && args[i][0] != '-'; ++i) {
    const std::vector<CLI::App*> named = at->get_subcommands([&](CLI::App* s) { return s->check_name(args[i]); });
    if (!named.empty()) {
      at = named[0];
      continue;
    }
    if (at->get_require_subcommand_min() == 0) return;  // a positional argument
    std::string names;
    for (const CLI::App* sub : at->get_subcommands([](CLI::App*) { return true; }))
      names += (names.empty() ? "" : ", ") + sub->get_name();
    const std::string where = at == &app ? "" : at->get_name() + " ";
    throw CLI::ExtrasError("unknown command '" + where + args[i] + "'; the commands are: " + names,
                           CLI::ExitCodes::ExtrasError);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"gradient-cli: trace, differentiate, compile and train with the Gradient Studio engine"};
  app.name("gradient-cli");
  app.require_subcommand(1);
  app.footer("Output is strict JSON (unless a command says otherwise): a non-finite number prints as one of\n"
             "the strings \"NaN\", \"Infinity\", \"-Infinity\"; array values (--at x=[...]) read them back.");
  app.set_help_all_flag("--help-all", "Print help for every command");
  app.set_version_flag("--version", [] { return version_text(); }, "Print the version, the backends and the library versions");
  cli::add_random_command(app);
  cli::add_autodiff_commands(app);
  cli::add_bench_command(app);
  cli::add_example_command(app);
  cli::add_model_commands(app);
  cli::add_train_commands(app);
  cli::add_runs_commands(app);
  refuse_clamped_integers(app);
  try {
    std::vector<std::string> args = protect_expressions(argc, argv);
    check_command_words(app, args);
    std::reverse(args.begin() + 1, args.end());  // CLI11 takes them last to first, without argv[0]
    args.erase(args.begin());
    app.parse(args);
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
