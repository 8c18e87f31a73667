// The CNN workload of issue "jit compiler and oneDNN backend": one training epoch of the
// Fashion-MNIST CNN of DESIGN.md (conv 32 -> BatchNorm -> relu -> avg_pool -> conv 64 -> BatchNorm
// -> relu -> avg_pool -> dense 256 -> relu -> dense 10; SGD lr 0.01 momentum 0.99, batch 100,
// 600 steps), the model of bench/workloads.h, beside PyTorch's (bench/torch_reference.py, NHWC).
// Also: jit vs eager for one step, compile time, achieved GFLOP/s against this machine's sgemm,
// for the whole step and for its convolutions alone.
//   bench_cnn [--steps N] [--no-torch] [--profile R]
// N steps are timed and scaled to the 600-step epoch; --profile times each step of the compiled
// train step over R runs and prints the largest.

#include "bench/bench_common.h"
#include "bench/workloads.h"
#include "engine/backend/backend.h"
#include "engine/transforms/jit.h"

using namespace engine;

int main(int argc, char** argv) {
  const bench::Args args = bench::parse_args(argc, argv, 30);
  const int64_t steps = args.steps;
  const bool torch = args.torch;
  const int profile_runs = args.profile_runs;
  const int threads = bench::threads_from_env();
  bench::Workload w = bench::make_workload("cnn");
  auto step = jit(w.step);
  PyTree state = w.state;
  size_t next = 0;
  auto run_jit = [&] {
    const auto& [x, y] = w.batches[next++ % w.batches.size()];
    state = step(std::move(state), x, y)[0];  // donated: updated in place
  };
  double t0 = bench::now_seconds();
  run_jit();
  const double compile_s = bench::now_seconds() - t0;
  const double jit_step = bench::time_per_call(run_jit, static_cast<int>(steps), 2);
  // The speed-up compares medians of single calls on both sides (the epoch above is a mean).
  const double jit_median = bench::median_call(run_jit, static_cast<int>(steps) | 1, 0);
  const double eager_step =
      bench::median_call([&] { state = w.step(state, w.batches[0].first, w.batches[0].second)[0]; }, 5, 1);
  const double epoch = jit_step * static_cast<double>(w.epoch_steps);

  std::map<std::string, nlohmann::json> pt;
  if (torch) pt = bench::run_torch({"cnn"}, threads, static_cast<int>(steps));
  std::optional<double> pt_epoch;
  if (pt.count("cnn"))
    pt_epoch = pt["cnn"]["seconds"].get<double>() * static_cast<double>(w.epoch_steps) /
               pt["cnn"]["steps"].get<double>();
  const double peak = bench::sgemm_gflops();
  std::printf("threads %d, backend %s, %lld timed steps scaled to the %lld-step epoch\n", threads,
              default_backend().name().c_str(), static_cast<long long>(steps),
              static_cast<long long>(w.epoch_steps));
  bench::print_table("Fashion-MNIST CNN, batch 100, SGD momentum",
                     {{"train epoch (jit step x 600)", epoch, pt_epoch}});
  std::printf("\n%-44s %14s\n", "ours", "value");
  std::printf("%-44s %14.6f\n%-44s %14.6f\n%-44s %14.6f\n%-44s %14.1fx\n", "train step, eager (op by op, median) s",
              eager_step, "train step, jit (mean over the epoch) s", jit_step, "train step, jit (median) s", jit_median,
              "jit speed-up (medians)", eager_step / jit_median);
  std::printf("%-44s %14.3f\n", "compile time of the train step s", compile_s);
  const double gflops = w.flops_per_step / jit_step * 1e-9;
  std::printf("%-44s %14.1f\n%-44s %14.1f\n%-44s %14.0f%%\n", "achieved GFLOP/s (convs + matmuls, whole step)",
              gflops, "sgemm peak GFLOP/s (1024^3, this machine)", peak, "of peak", 100 * gflops / peak);
  // The convolutions alone: the step's time inside its conv equations, from profiled runs. The
  // whole-step figure above also divides by the memory-bound BatchNorm, relu and pooling loops.
  const int conv_runs = 20;
  ClosedJaxpr cj;
  const auto conv_profile = bench::profile_step(
      step, {state, Tensor(w.batches[0].first), Tensor(w.batches[0].second)}, conv_runs, &cj);
  const double conv_s = bench::seconds_in(conv_profile, cj, PrimId::conv_general_dilated, conv_runs);
  const double conv_gflops = w.conv_flops_per_step / conv_s * 1e-9;
  std::printf("%-44s %14.2f\n%-44s %14.1f\n%-44s %14.0f%%\n", "convolutions alone, ms a step (profiled)",
              1e3 * conv_s, "convolutions alone, GFLOP/s", conv_gflops, "of peak", 100 * conv_gflops / peak);
  if (profile_runs > 0)
    bench::print_step_profile(step, {state, Tensor(w.batches[0].first), Tensor(w.batches[0].second)},
                              profile_runs);
  return 0;
}
