// The foreground view of a training run: progress bar or epoch lines or JSON events, and the
// signals that stop it cleanly.
#include "app/cli/train_session.h"

#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "engine/core/error.h"
#include "engine/runs/database_path.h"
#include "engine/runs/run_store.h"

namespace cli {

using engine::train::Event;
using engine::train::EventType;
using engine::train::TrainerStatus;

namespace {

volatile sig_atomic_t g_signal = 0;

extern "C" void on_stop_signal(int sig) { g_signal = sig; }

// Installs the handlers for the life of one run, restoring the previous ones after.
class StopSignals {
 public:
  StopSignals() {
    g_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
    // A reader that goes away (`train ... | head -1`) would kill the process mid-step and leave the
    // run 'interrupted': with SIGPIPE ignored the write fails instead, and the run stops cleanly.
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, &old_pipe_);
  }
  ~StopSignals() {
    restore();
    sigaction(SIGPIPE, &old_pipe_, nullptr);
  }
  // After the first signal: a second one should end the process at once, as it normally would.
  void restore() {
    if (restored_) return;
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    restored_ = true;
  }

 private:
  struct sigaction old_int_ {}, old_term_ {}, old_pipe_ {};
  bool restored_ = false;
};

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string duration(double seconds) {
  if (!(seconds >= 0)) return "--:--";
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

// " loss 0.5123 acc 0.8210" from the metrics present under `prefix`.
std::string loss_acc(const Event& e, const std::string& prefix) {
  std::string out;
  if (auto it = e.metrics.find(prefix + "loss"); it != e.metrics.end()) out += " loss " + fmt("%.4f", it->second);
  if (auto it = e.metrics.find(prefix + "accuracy"); it != e.metrics.end()) out += " acc " + fmt("%.4f", it->second);
  return out;
}

int terminal_width() {
  struct winsize w {};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 20) return w.ws_col;
  return 80;
}

class Display {
 public:
  Display(OutputMode mode, std::string db) : mode_(mode), db_(std::move(db)), tty_(isatty(STDOUT_FILENO) == 1) {}

  void show(const Event& e) {
    if (mode_ == OutputMode::json) {
      std::cout << engine::train::to_json(e).dump() << "\n" << std::flush;
      return;
    }
    switch (e.type) {
      case EventType::started:
        line("run " + std::to_string(e.run_id) + ": " + std::to_string(e.epochs) + " epoch(s) x " +
             std::to_string(e.steps_per_epoch) + " steps" +
             (e.step > 0 ? ", resuming at step " + std::to_string(e.step) : "") + " (database " + db_ + ")");
        break;
      case EventType::step:
        last_step_ = e;
        if (tty_) bar(e);
        break;
      case EventType::epoch:
        line("epoch " + std::to_string(e.epoch) + "/" + std::to_string(e.epochs) + "  train" + loss_acc(e, "train/") +
             (e.metrics.count("test/loss") ? "  test" + loss_acc(e, "test/") : "") + "  " +
             fmt("%.1f s", e.metrics.count("epoch/seconds") ? e.metrics.at("epoch/seconds") : 0.0) +
             (e.examples_per_second > 0 ? "  " + fmt("%.0f ex/s", e.examples_per_second) : ""));
        break;
      case EventType::error: std::cerr << clear() << "error: " << e.message << "\n"; break;
      case EventType::checkpoint: break;
      case EventType::phase: break;  // the bar shows the steps; phases matter to the studio
      case EventType::status: status(e); break;
    }
    std::cout << std::flush;
  }

  // Ctrl-C was pressed: say so on stderr without breaking the bar.
  void note(const std::string& text) { std::cerr << clear() << text << "\n" << std::flush; }

 private:
  std::string clear() {
    if (!bar_shown_) return "";
    bar_shown_ = false;
    std::cout << "\r\x1b[K" << std::flush;
    return "";
  }
  void line(const std::string& text) {
    std::cout << clear() << text << "\n";
    if (tty_ && last_step_ && last_step_->step < last_step_->total_steps) bar(*last_step_);
  }
  void bar(const Event& e) {
    const double frac = e.total_steps > 0 ? static_cast<double>(e.step) / static_cast<double>(e.total_steps) : 0;
    std::string right = " " + fmt("%3.0f%%", 100 * frac) + " " + std::to_string(e.step) + "/" +
                        std::to_string(e.total_steps) + loss_acc(e, "train/") +
                        (e.examples_per_second > 0 ? " " + fmt("%.0f ex/s", e.examples_per_second) : "") +
                        " ETA " + duration(e.eta_seconds);
    const std::string left = "epoch " + std::to_string(e.epoch) + "/" + std::to_string(e.epochs) + " [";
    const int width = std::max(10, std::min(40, terminal_width() - static_cast<int>(left.size() + right.size()) - 2));
    const int filled = static_cast<int>(frac * width);
    std::string b(static_cast<size_t>(filled), '=');
    if (filled < width) b += '>' + std::string(static_cast<size_t>(width - filled - 1), ' ');
    std::cout << "\r\x1b[K" << left << b << "]" << right;
    bar_shown_ = true;
  }
  void status(const Event& e) {
    switch (e.status) {
      case TrainerStatus::paused: line("paused at step " + std::to_string(e.step)); break;
      case TrainerStatus::finished: {
        std::string m = "run " + std::to_string(e.run_id) + " finished";
        if (auto it = e.metrics.find("seconds"); it != e.metrics.end()) m += " in " + fmt("%.1f s", it->second);
        const std::string test = loss_acc(e, "test/");
        line(m + (test.empty() ? "" : ": test" + test));
        break;
      }
      case TrainerStatus::stopped:
        line("run " + std::to_string(e.run_id) + " stopped at step " + std::to_string(e.step) +
             "; continue it with: gradient-cli resume " + std::to_string(e.run_id) + " --db " + db_);
        break;
      case TrainerStatus::diverged:
        line("run " + std::to_string(e.run_id) + " diverged: " + e.message);
        break;
      case TrainerStatus::failed:
        if (e.run_id > 0) line("run " + std::to_string(e.run_id) + " failed");
        break;
      default: break;
    }
  }

  OutputMode mode_;
  std::string db_;
  bool tty_;
  bool bar_shown_ = false;
  std::optional<Event> last_step_;
};

}  // namespace

std::string database_path(const std::string& db_option) { return engine::runs::resolve_database_path(db_option); }

std::string writer_database_path(const std::string& db_option) {
  namespace fs = std::filesystem;
  const std::string path = database_path(db_option);
  if (path == engine::runs::default_database_path()) return path;
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  const std::string source = db_option.empty() ? "$GS_DB" : "--db";
  GS_CHECK(parent.empty() || fs::is_directory(parent, ec),
           source + ": the folder '" + parent.string() + "' of '" + path +
               "' does not exist; create it first, or leave " + source + " out for the default database");
  return path;
}

void add_db_option(CLI::App& cmd, std::string& db, const std::string& help) {
  cmd.add_option("--db", db, help)->check([](const std::string& path) -> std::string {
    return path.empty() ? "an empty path; name a database file, or leave --db out for the default" : "";
  });
}

engine::runs::RunStoreOptions reader_options(const std::string& db_option) {
  namespace fs = std::filesystem;
  const std::string path = database_path(db_option);
  const std::string parent = fs::path(path).parent_path().string();
  // access() answers EROFS on read-only media, even for root; SQLite writes the folder too
  // (its -wal and -shm files).
  const bool writable = fs::exists(path) && ::access(path.c_str(), W_OK) == 0 &&
                        ::access(parent.empty() ? "." : parent.c_str(), W_OK) == 0;
  return {.path = path, .read_only = !writable};
}

int run_in_foreground(engine::train::Trainer& trainer, OutputMode mode, const std::string& db_path) {
  StopSignals signals;
  Display display(mode, db_path);
  {
    // The trainer thread (and the OpenMP workers it starts) inherit a mask that blocks the stop
    // signals, so they always land on this thread, which only sets a flag.
    sigset_t stop_set, old_set;
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_set, &old_set);
    trainer.start();
    pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  }
  bool stopping = false;
  bool stdout_closed = false;
  bool ended = false;
  while (!ended) {
    for (const Event& e : trainer.wait_events(std::chrono::milliseconds(100))) {
      display.show(e);  // flushes, so a closed stdout shows at once as a failed stream
      // The final status event is the last one the trainer sends.
      if (e.type == EventType::status && engine::train::is_final(e.status)) ended = true;
    }
    // A closed stdout is a stop request, as Ctrl-C is: a checkpoint and status 'stopped'.
    if (!stopping && !std::cout) {
      stopping = stdout_closed = true;
      trainer.stop();
    }
    if (g_signal != 0 && !stopping) {
      stopping = true;
      signals.restore();
      if (mode != OutputMode::json)
        display.note("stopping after this step (press Ctrl-C again to quit at once)...");
      trainer.stop();
    }
  }
  trainer.join();
  switch (trainer.result().status) {
    case TrainerStatus::finished: return 0;
    // 141 = 128 + SIGPIPE, what a shell reports for a writer whose reader went away.
    case TrainerStatus::stopped: return stdout_closed ? 141 : stopping ? 130 : 0;
    default: return 1;
  }
}

}  // namespace cli
