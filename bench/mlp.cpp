// The MLP workloads of issue "jit compiler and oneDNN backend": one training epoch of the
// 784-512-10 swish MLP (softmax cross-entropy, SGD, batch 32, 60000 examples, train step only),
// its eval pass (10000 examples, batch 1000), eager vs jit for the step and for selu on 10^6
// floats, and the step's compile time. PyTorch runs the same workloads in the same run.
//   bench_mlp [--steps N] [--no-torch] [--profile R]
// N steps are timed and scaled to the 1875-step epoch; --profile times each step of the compiled
// train step and of selu over R runs and prints the largest.

#include "bench/bench_common.h"
#include "engine/backend/backend.h"
#include "engine/numpy.h"
#include "engine/random/random.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/jit.h"
#include "engine/tree/tree.h"

using namespace engine;

namespace {

constexpr int64_t kEpochSteps = 60000 / 32;

Array key(int i) { return random::fold_in(random::PRNGKey(0), static_cast<uint32_t>(i)); }

PyTree init_params() {
  return PyTree::dict({{"w1", Tensor(random::normal(key(1), {784, 512})) * (1.0 / 28.0)},
                       {"b1", zeros({512})},
                       {"w2", Tensor(random::normal(key(2), {512, 10})) * (1.0 / std::sqrt(512.0))},
                       {"b2", zeros({10})}});
}

Tensor predict(const PyTree& p, const Tensor& x) {
  Tensor h = swish(matmul(reshape(x, {x.shape()[0], 784}), p["w1"]) + p["b1"].leaf());
  return matmul(h, p["w2"]) + p["b2"].leaf();
}

Tensor loss_fn(const PyTree& p, const Tensor& x, const Tensor& y) {
  return mean(neg(sum(log_softmax(predict(p, x)) * one_hot(y, 10), -1)));
}

PyTree train_step(const PyTree& p, const Tensor& x, const Tensor& y) {
  PyTree vg = value_and_grad(loss_fn)(p, x, y);
  PyTree updated = tree_map([](const Tensor& w, const Tensor& g) { return w - 0.1 * g; }, p, vg[1]);
  return PyTree::tuple({updated, vg[0]});
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Args args = bench::parse_args(argc, argv, 200);
  const int64_t steps = args.steps;
  const bool torch = args.torch;
  const int profile_runs = args.profile_runs;
  const int threads = bench::threads_from_env();
  std::vector<std::pair<Array, Array>> batches;
  for (int i = 0; i < 16; ++i)
    batches.emplace_back(random::uniform(key(100 + i), {32, 28, 28, 1}),
                         random::bits(key(200 + i), {32}).astype(DType::i32));
  // Labels in 0..9 from the random bits.
  for (auto& [x, y] : batches) {
    std::vector<int32_t> v = y.to_vector<int32_t>();
    for (auto& l : v) l = static_cast<int32_t>(static_cast<uint32_t>(l) % 10);
    y = Array::from_vector(v);
  }

  PyTree params = init_params();
  auto step = jit(train_step);
  double t0 = bench::now_seconds();
  PyTree out = step(params, batches[0].first, batches[0].second);
  double compile_s = bench::now_seconds() - t0;
  params = out[0];
  auto run_jit = [&, i = 0]() mutable {
    auto& [x, y] = batches[i++ % batches.size()];
    params = step(std::move(params), x, y)[0];  // donated, as PyTorch updates in place
  };
  double jit_step = bench::time_per_call(run_jit, static_cast<int>(steps), 2);
  // The speed-up compares medians of single calls on both sides (the epoch above is a mean).
  double jit_median = bench::median_call(run_jit, 301, 0);
  double eager_step =
      bench::median_call([&]() { params = train_step(params, batches[0].first, batches[0].second)[0]; }, 25);

  Array test_x = random::uniform(key(300), {1000, 28, 28, 1});
  auto eval = jit([](const PyTree& p, const Tensor& x) { return argmax(predict(p, x), -1); });
  double eval_pass = 10 * bench::time_per_call([&] { eval(params, test_x); }, 5, 1);

  Array big = random::normal(key(400), {1000000});
  auto selu_jit = jit([](const Tensor& x) { return selu(x); });
  double selu_eager = bench::time_per_call([&] { selu(big); }, 10, 1);
  double selu_jitted = bench::time_per_call([&] { selu_jit(big); }, 50, 1);  // as many as torch_reference.py

  std::map<std::string, nlohmann::json> pt;
  if (torch) pt = bench::run_torch({"mlp", "mlp-eval", "selu"}, threads, static_cast<int>(steps));
  auto pt_seconds = [&](const char* w, double scale = 1.0) -> std::optional<double> {
    if (!pt.count(w)) return std::nullopt;
    return pt[w]["seconds"].get<double>() * scale;
  };
  double pt_scale = pt.count("mlp") ? static_cast<double>(kEpochSteps) / pt["mlp"]["steps"].get<double>() : 1;
  std::printf("threads %d, backend %s, %lld timed steps scaled to the %lld-step epoch\n", threads,
              default_backend().name().c_str(), static_cast<long long>(steps), static_cast<long long>(kEpochSteps));
  bench::print_table("MLP 784-512-10 swish, batch 32",
                     {{"train epoch (jit step x 1875)", jit_step * kEpochSteps, pt_seconds("mlp", pt_scale)},
                      {"eval pass (10000 examples, batch 1000)", eval_pass, pt_seconds("mlp-eval")},
                      {"selu on 10^6 floats, jit", selu_jitted, pt_seconds("selu")}});
  std::printf("\n%-44s %14s\n", "ours: eager vs jit", "seconds");
  std::printf("%-44s %14.6f\n%-44s %14.6f\n%-44s %14.6f\n%-44s %14.1fx\n", "train step, eager (op by op, median)",
              eager_step, "train step, jit (mean over the epoch)", jit_step, "train step, jit (median)", jit_median,
              "jit speed-up (medians)", eager_step / jit_median);
  std::printf("%-44s %14.6f\n%-44s %14.6f\n", "selu 10^6, eager", selu_eager, "selu 10^6, jit", selu_jitted);
  std::printf("%-44s %14.3f\n", "compile time of the train step (first call)", compile_s);
  // Matmul work only: the forward product, the second layer's input gradient and both weight
  // gradients (the first layer's input gradient is not computed).
  const double step_flops = 2.0 * 32 * (784 * 512 * 2 + 512 * 10 * 3);
  const double eval_flops = 2.0 * 10000 * (784 * 512 + 512 * 10);
  const double peak = bench::sgemm_gflops();
  std::printf("%-44s %14.1f\n%-44s %14.1f\n%-44s %14.1f\n", "train step GFLOP/s (matmuls)",
              step_flops / jit_step * 1e-9, "eval pass GFLOP/s (matmuls)", eval_flops / eval_pass * 1e-9,
              "sgemm peak GFLOP/s (1024^3, this machine)", peak);
  if (profile_runs > 0) {
    bench::print_step_profile(step, {params, Tensor(batches[0].first), Tensor(batches[0].second)}, profile_runs);
    bench::print_step_profile(selu_jit, {Tensor(big)}, profile_runs);
  }
  return 0;
}
