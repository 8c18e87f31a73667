#include "engine/runs/process_token.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

namespace engine::runs {

namespace {

std::string read_first_line(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string boot_id() {
  static const std::string id = read_first_line("/proc/sys/kernel/random/boot_id");
  return id;
}

// Field 22 (starttime) of /proc/PID/stat. Field 2 is the command in parentheses and may itself
// contain spaces and ')', so counting starts after the last ')'.
std::string start_time(int64_t pid) {
  const std::string stat = read_first_line("/proc/" + std::to_string(pid) + "/stat");
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream rest(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return "";
    // A zombie (killed, not yet reaped) has stopped writing for good: count it as gone.
    if (i == 3 && (field == "Z" || field == "X")) return "";
  }
  return field;
}

}  // namespace

std::string process_token(int64_t pid) {
  if (pid <= 0) return "";
  const std::string start = start_time(pid);
  return start.empty() ? "" : boot_id() + ":" + start;
}

ProcessToken current_process() {
  const int64_t pid = static_cast<int64_t>(getpid());
  return {pid, process_token(pid)};
}

bool process_alive(int64_t pid, const std::string& token) {
  if (pid <= 0) return false;
  if (!token.empty()) return process_token(pid) == token;
  // No token recorded (no /proc when it was written): the best we can do is "some process has
  // this pid". EPERM means it exists but belongs to someone else.
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace engine::runs
