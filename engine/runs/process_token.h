// Identifies a process across time, so a run's writer can be checked for liveness from any other
// process. A pid alone is not enough: pids are reused. On Linux the token is the boot id plus the
// process start time (field 22 of /proc/PID/stat, in clock ticks since boot); a process with the
// same pid but another token is a different process. Elsewhere the token is empty and liveness
// falls back to kill(pid, 0).
#pragma once
#include <cstdint>
#include <string>

namespace engine::runs {

struct ProcessToken {
  int64_t pid = 0;
  std::string token;
};

ProcessToken current_process();
// The token of a running process, or "" when it does not exist (or /proc is unavailable).
std::string process_token(int64_t pid);
// Whether the process that recorded (pid, token) is still running.
bool process_alive(int64_t pid, const std::string& token);

}  // namespace engine::runs
