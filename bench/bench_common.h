// Shared by the benchmark programs: a wall-clock timer, the PyTorch reference run (the same
// workloads in bench/torch_reference.py, launched with the same thread count), and the table
// printer. Benchmarks print; they never assert.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/backend/backend.h"
#include "engine/build_info.h"
#include "engine/compile/executable.h"
#include "engine/numpy.h"
#include "engine/random/random.h"
#include "engine/transforms/jit.h"
#include "engine/tree/treedef.h"

namespace bench {

inline double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Seconds per call of fn, after `warmup` calls, over `reps` calls.
template <class F>
double time_per_call(F&& fn, int reps, int warmup = 1) {
  for (int i = 0; i < warmup; ++i) fn();
  double t0 = now_seconds();
  for (int i = 0; i < reps; ++i) fn();
  return (now_seconds() - t0) / reps;
}

// The median seconds of `reps` single calls of fn, after `warmup` calls: for the eager steps,
// whose single calls vary more than a mean of a few can smooth (the warm-up calls also fill the
// process-wide buffer pool, so the timed calls measure the warm eager path).
template <class F>
double median_call(F&& fn, int reps, int warmup = 2) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const double t0 = now_seconds();
    fn();
    t.push_back(now_seconds() - t0);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// The flags every bench program takes: --steps N, --no-torch (ours alone), --profile R (print the
// compiled step's per-equation times over R runs).
struct Args {
  int64_t steps;
  bool torch = true;
  int profile_runs = 0;
};

inline Args parse_args(int argc, char** argv, int64_t default_steps) {
  Args a{.steps = default_steps};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--steps" && i + 1 < argc) a.steps = std::atoll(argv[++i]);
    if (arg == "--no-torch") a.torch = false;
    if (arg == "--profile" && i + 1 < argc) a.profile_runs = std::atoi(argv[++i]);
  }
  return a;
}

inline int threads_from_env() {
  const char* v = std::getenv("OMP_NUM_THREADS");
  return v ? std::atoi(v) : 2;
}

// Runs PyTorch on the named workloads; returns workload -> seconds (absent when torch is missing).
inline std::map<std::string, nlohmann::json> run_torch(const std::vector<std::string>& workloads, int threads,
                                                       int steps = 0) {
  std::string cmd = "OMP_NUM_THREADS=" + std::to_string(threads) + " OPENBLAS_NUM_THREADS=" +
                    std::to_string(threads) + " /usr/bin/python3 " GS_BENCH_DIR "/torch_reference.py --threads " +
                    std::to_string(threads) + (steps ? " --steps " + std::to_string(steps) : "");
  for (const auto& w : workloads) cmd += " " + w;
  cmd += " 2>/dev/null";
  std::map<std::string, nlohmann::json> out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char line[4096];
  while (std::fgets(line, sizeof line, p)) {
    try {
      auto j = nlohmann::json::parse(line);
      out[j["workload"]] = j;
    } catch (...) {
    }
  }
  pclose(p);
  return out;
}

// What a large sgemm (1024 x 1024 x 1024 through dot_general on the default backend) reaches on
// this machine with the current thread count: the yardstick for achieved GFLOP/s.
inline double sgemm_gflops() {
  using namespace engine;
  Array a = random::uniform(random::PRNGKey(1), {1024, 1024});
  Array b = random::uniform(random::PRNGKey(2), {1024, 1024});
  double best = 1e30;
  for (int i = 0; i < 5; ++i) {
    double t0 = now_seconds();
    Tensor c = matmul(Tensor(a), Tensor(b));
    best = std::min(best, now_seconds() - t0);
  }
  return 2.0 * 1024 * 1024 * 1024 / best * 1e-9;
}

// Compiles the jitted function's optimized jaxpr for these trees with per-step timing, runs it
// `runs` times (after one warm-up run) and prints where the time goes, largest steps first.
// Times every step of fn's compiled program (fused groups, oneDNN calls) over `runs` runs after a
// warm-up run; the steps' equations index *jaxpr.
inline std::vector<engine::Executable::StepTime> profile_step(const engine::JitFn& fn,
                                                              const std::vector<engine::PyTree>& args, int runs,
                                                              engine::ClosedJaxpr* jaxpr) {
  using namespace engine;
  *jaxpr = fn.optimized_jaxpr_args(std::vector<JitArg>(args.begin(), args.end()));
  CompileOptions options;
  options.profile = true;
  auto exe = compile(*jaxpr, default_backend(), options);
  std::vector<Array> in;
  for (const PyTree& t : args)
    for (const Tensor& leaf : tree_flatten(t).first) in.push_back(leaf.array());
  exe->run(in);  // warm-up: plans built, the buffer pool filled
  exe->reset_profile();
  for (int i = 0; i < runs; ++i) exe->run(in);
  return exe->profile();
}

// Seconds per run spent in the steps that run an equation of `prim` (with any epilogue fused
// into it).
inline double seconds_in(const std::vector<engine::Executable::StepTime>& profile, const engine::ClosedJaxpr& cj,
                         engine::PrimId prim, int runs) {
  double s = 0;
  for (const auto& t : profile)
    for (size_t e : t.eqns)
      if (cj.jaxpr.eqns[e].prim == prim) {
        s += t.seconds;
        break;
      }
  return s / runs;
}

inline void print_step_profile(const engine::JitFn& fn, const std::vector<engine::PyTree>& args, int runs,
                               size_t top = 25) {
  engine::ClosedJaxpr cj;
  auto profile = profile_step(fn, args, runs, &cj);
  std::printf("\nper-step profile (%d runs, %zu equations)\n%s", runs, cj.jaxpr.eqns.size(),
              engine::format_profile(profile, top).c_str());
}

struct Row {
  std::string what;
  double ours;                   // seconds
  std::optional<double> theirs;  // PyTorch's seconds, if measured
};

// The machine a figure comes from, printed above every table: machines differ (AVX-512 or AVX2
// only), and a number without its machine kind cannot be compared.
inline void print_machine() {
  const engine::BuildInfo& b = engine::build_info();
  std::printf("machine: %s | oneDNN ISA %s | our loops %s | %d threads | gradient-studio %s\n",
              b.cpu_model.c_str(), b.cpu_isa.c_str(), b.loop_isa.c_str(), b.threads,
              engine::version_string().c_str());
}

inline void print_table(const std::string& title, const std::vector<Row>& rows) {
  std::printf("\n%s\n", title.c_str());
  print_machine();
  std::printf("%-44s %14s %14s %10s\n", "workload", "ours (s)", "pytorch (s)", "ours/pt");
  for (const Row& r : rows) {
    if (r.theirs)
      std::printf("%-44s %14.4f %14.4f %10.2f\n", r.what.c_str(), r.ours, *r.theirs, r.ours / *r.theirs);
    else
      std::printf("%-44s %14.4f %14s %10s\n", r.what.c_str(), r.ours, "-", "-");
  }
}

}  // namespace bench
