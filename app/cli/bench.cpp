// gradient-cli bench: times one workload of the reference models on this engine alone (no
// PyTorch; bench/ has the side-by-side programs). The step is jitted and run once to compile
// (compile_seconds), then `--warmup` more steps, then `--steps` timed steps:
//
//   gradient-cli bench mlp|cnn|mlp-eval [--steps N] [--threads T] [--json]
//   {"workload":"mlp","steps":200,"examples":6400,"seconds":0.41,"examples_per_s":15600.0,
//    "compile_seconds":0.06,"threads":2,"backend":"cpu"}
//
// Without --json it prints the same facts as one line of text.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "bench/workloads.h"
#include "engine/backend/backend.h"
#include "engine/transforms/jit.h"

namespace cli {

namespace {

struct BenchOptions {
  std::string workload;
  int64_t steps = 0;  // 0: the workload's default
  int threads = 0;    // 0: OpenMP's default (OMP_NUM_THREADS or all cores)
  int warmup = 3;
  bool json = false;
};

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void run_bench(const BenchOptions& o) {
  using namespace engine;
  if (o.threads > 0) omp_set_num_threads(o.threads);
  bench::Workload w = bench::make_workload(o.workload);
  const int64_t steps = o.steps > 0 ? o.steps : (o.workload == "mlp-eval" ? w.epoch_steps : 100);
  auto step = jit(w.step);
  PyTree state = w.state;
  size_t next = 0;
  auto run_one = [&] {
    const auto& [x, y] = w.batches[next++ % w.batches.size()];
    state = step(std::move(state), x, y)[0];  // donated: updated in place
  };
  double t0 = now();
  run_one();
  const double compile_s = now() - t0;
  for (int i = 0; i < o.warmup; ++i) run_one();
  t0 = now();
  for (int64_t i = 0; i < steps; ++i) run_one();
  const double seconds = now() - t0;
  const int64_t examples = steps * w.batch;
  nlohmann::json j = {{"workload", o.workload},
                      {"steps", steps},
                      {"examples", examples},
                      {"seconds", seconds},
                      {"examples_per_s", seconds > 0 ? examples / seconds : 0.0},
                      {"compile_seconds", compile_s},
                      {"gflops", seconds > 0 ? w.flops_per_step * steps / seconds * 1e-9 : 0.0},
                      {"threads", omp_get_max_threads()},
                      {"backend", default_backend().name()}};
  if (o.json) {
    std::cout << j.dump() << "\n";
  } else {
    std::printf("%s: %lld steps, %lld examples in %.4f s (%.0f examples/s, %.1f GFLOP/s); compile %.3f s; "
                "%d threads, backend %s\n",
                o.workload.c_str(), static_cast<long long>(steps), static_cast<long long>(examples), seconds,
                j["examples_per_s"].get<double>(), j["gflops"].get<double>(), compile_s,
                omp_get_max_threads(), default_backend().name().c_str());
  }
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Time a jitted training step (mlp, cnn) or eval pass (mlp-eval) of the reference models");
  cmd->add_option("workload", o->workload, "mlp, cnn or mlp-eval")
      ->required()
      ->check(CLI::IsMember({"mlp", "cnn", "mlp-eval"}));
  cmd->add_option("--steps", o->steps, "timed steps after compile and warm-up (default 100; mlp-eval 10)")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000}));
  cmd->add_option("--threads", o->threads, "OpenMP threads for oneDNN and the fused loops")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--warmup", o->warmup, "untimed steps after the compiling one (default 3)")
      ->check(CLI::Range(0, 1000000));
  cmd->add_flag("--json", o->json, "print one JSON object");
  cmd->callback([o] { run_bench(*o); });
}

}  // namespace cli
