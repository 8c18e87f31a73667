// What this build of the engine is and what it runs on: the version (one place: the project's
// CMake version plus the git commit it was configured from), the backends built in, the library
// versions, the CPU and the instruction set oneDNN dispatches to. The studio's About dialog and
// status bar, `gradient-cli --version` and every bench table print it, so a figure always says
// which machine kind it came from.
#pragma once
#include <string>
#include <vector>

namespace engine {

struct BuildInfo {
  std::string version;     // "0.1.0"
  std::string git_commit;  // short hash, "+dirty" when built from a modified tree; "" unknown
  std::vector<std::string> backends;  // "cpu", "reference"
  std::string onednn_version;         // "2.6.3"
  std::string sqlite_version;         // "3.40.1"
  std::string cpu_model;              // /proc/cpuinfo's "model name"
  std::string cpu_isa;                // what oneDNN dispatches to: "avx512_core", "avx2", ...
  std::string loop_isa;               // what our own vector loops run: "avx512f", "avx2", "x86-64"
  int threads = 1;                    // OpenMP threads a kernel may use
};

const BuildInfo& build_info();
// "0.1.0 (commit abc1234)"
std::string version_string();

}  // namespace engine
