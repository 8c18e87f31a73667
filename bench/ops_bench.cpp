// Milliseconds per op, reference backend vs cpu backend (oneDNN + vectorized loops), median of
// several runs after a warm-up (which also builds the cpu backend's cached primitives).
// Usage: bench_ops_bench [reps]   (threads: OMP_NUM_THREADS)
#include <algorithm>
#include <cstdio>
#include <functional>
#include <random>
#include <string>

#include "bench/bench_common.h"
#include "engine/backend/cpu/cpu_backend.h"
#include "engine/numpy.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/jit.h"

using namespace engine;

namespace {

Array rand_array(const Shape& shape, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(shape_size(shape)));
  for (float& x : v) x = dist(gen);
  return Array::from_vector(v, shape);
}

// Milliseconds: the median of single calls after one warm-up call (bench/bench_common.h).
double median_ms(const std::function<void()>& f, int reps) { return 1e3 * bench::median_call(f, reps, 1); }

Params conv_params(IntList strides, IntLists pads) {
  return Params{{"batch_group_count", int64_t{1}},
                {"dimension_numbers", IntLists{{0, 3, 1, 2}, {3, 2, 0, 1}, {0, 3, 1, 2}}},
                {"feature_group_count", int64_t{1}}, {"lhs_dilation", IntList{1, 1}},
                {"padding", pads}, {"precision", std::string("None")},
                {"preferred_element_type", std::string("None")},
                {"rhs_dilation", IntList{1, 1}}, {"window_strides", strides}};
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 5;
  struct Op {
    std::string name;
    PrimId prim;
    std::vector<Array> in;
    Params params;
  };
  const IntLists same{{1, 1}, {1, 1}};
  std::vector<Op> ops = {
      {"matmul 32x784 @ 784x512", PrimId::dot_general,
       {rand_array({32, 784}, 1), rand_array({784, 512}, 2)},
       Params{{"dimension_numbers", IntLists{{1}, {0}, {}, {}}},
              {"precision", std::string("None")},
              {"preferred_element_type", std::string("None")}}},
      {"conv 100x28x28x1 -> 32, 3x3", PrimId::conv_general_dilated,
       {rand_array({100, 28, 28, 1}, 3), rand_array({3, 3, 1, 32}, 4)}, conv_params({1, 1}, same)},
      {"conv 100x14x14x32 -> 64, 3x3", PrimId::conv_general_dilated,
       {rand_array({100, 14, 14, 32}, 5), rand_array({3, 3, 32, 64}, 6)}, conv_params({1, 1}, same)},
      {"  its weight grad (bwd-weights)", PrimId::conv_general_dilated,
       {rand_array({32, 14, 14, 100}, 7), rand_array({14, 14, 100, 64}, 8)},
       conv_params({1, 1}, same)},
      {"avg_pool sum 2x2/2 100x28x28x32", PrimId::reduce_window_sum,
       {rand_array({100, 28, 28, 32}, 9)},
       Params{{"base_dilation", IntList{1, 1, 1, 1}},
              {"padding", IntLists{{0, 0}, {0, 0}, {0, 0}, {0, 0}}},
              {"window_dilation", IntList{1, 1, 1, 1}},
              {"window_dimensions", IntList{1, 2, 2, 1}},
              {"window_strides", IntList{1, 2, 2, 1}}}},
      {"exp 1e6", PrimId::exp, {rand_array({1000000}, 10)}, {}},
      {"add 1e6", PrimId::add, {rand_array({1000000}, 11), rand_array({1000000}, 12)}, {}},
      {"mul by scalar 1e6", PrimId::mul, {rand_array({1000000}, 11), Array::scalar(1.5)}, {}},
      {"gt 1e6", PrimId::gt, {rand_array({1000000}, 11), Array::scalar(0.0)}, {}},
      {"expm1 1e6", PrimId::expm1, {rand_array({1000000}, 11)}, {}},
      {"select_n 1e6", PrimId::select_n,
       {Array::from_vector(std::vector<bool>(1000000, true)), rand_array({1000000}, 11),
        rand_array({1000000}, 12)}, {}},
  };
  std::printf("%-36s %12s %12s %9s\n", "op", "reference ms", "cpu ms", "speedup");
  for (const Op& op : ops) {
    double ref = median_ms([&] { reference_backend().execute(op.prim, op.in, op.params); },
                           std::max(1, reps / 2));
    double cpu = median_ms([&] { cpu_backend().execute(op.prim, op.in, op.params); }, reps);
    std::printf("%-36s %12.3f %12.3f %8.1fx\n", op.name.c_str(), ref, cpu, ref / cpu);
  }
  // selu is a composite (several primitives): jitted, on each backend.
  JitFn selu_jit = jit([](Tensor x) { return selu(x); });
  Array x = rand_array({1000000}, 13);
  auto on = [&](Backend* b) {
    set_default_backend(b);
    double t = median_ms([&] { selu_jit(Tensor(x)); }, reps);
    set_default_backend(nullptr);
    return t;
  };
  double ref = on(&reference_backend()), cpu = on(&cpu_backend());
  std::printf("%-36s %12.3f %12.3f %8.1fx\n", "selu 1e6 (jit)", ref, cpu, ref / cpu);
  // Where selu's equations went on the cpu backend (one call).
  CpuCounters& k = cpu_backend().counters();
  k.reset();
  on(&cpu_backend());
  std::printf("\nselu: %s\nper call on cpu: %.1f loops, %.1f oneDNN eltwise, %.1f reference\n",
              jaxpr_to_string(selu_jit.optimized_jaxpr(Tensor(x)).jaxpr).c_str(),
              k.loops.load() / (reps + 1.0), k.eltwise.load() / (reps + 1.0),
              k.reference.load() / (reps + 1.0));

  // A Fashion-MNIST-sized CNN training step (loss and gradient, jitted), batch 32.
  auto cnn_loss = [](PyTree p, Tensor x) {
    Tensor h = maximum(conv(x, p["c1"].leaf(), {1, 1}, "SAME"), Tensor(Array::scalar(0.0)));
    h = avg_pool(h, {2, 2}, {2, 2});
    h = maximum(conv(h, p["c2"].leaf(), {1, 1}, "SAME"), Tensor(Array::scalar(0.0)));
    h = avg_pool(h, {2, 2}, {2, 2});
    h = reshape(h, {x.shape()[0], 7 * 7 * 64});
    h = maximum(matmul(h, p["d1"].leaf()), Tensor(Array::scalar(0.0)));
    Tensor z = matmul(h, p["d2"].leaf());
    return sum(z * z) / 1000.0;
  };
  PyTree params = PyTree::dict({{"c1", rand_array({3, 3, 1, 32}, 20)},
                                {"c2", rand_array({3, 3, 32, 64}, 21)},
                                {"d1", rand_array({7 * 7 * 64, 256}, 22)},
                                {"d2", rand_array({256, 10}, 23)}});
  Array images = rand_array({32, 28, 28, 1}, 24);
  JitFn step = jit(value_and_grad(cnn_loss));
  auto step_on = [&](Backend* b, int n) {
    set_default_backend(b);
    double t = median_ms([&] { step(params, Tensor(images)); }, n);
    set_default_backend(nullptr);
    return t;
  };
  ref = step_on(&reference_backend(), 1);
  cpu = step_on(&cpu_backend(), reps);
  std::printf("\n%-36s %12.3f %12.3f %8.1fx\n", "CNN train step, batch 32 (jit)", ref, cpu,
              ref / cpu);
  k.reset();
  step_on(&cpu_backend(), reps);
  std::printf("reference kernels per step on cpu:");
  for (int i = 0; i < kNumPrimitives; ++i)
    if (int64_t n = k.reference_by_prim[i].load())
      std::printf(" %s x%.1f", prim_name(static_cast<PrimId>(i)).data(), n / (reps + 1.0));
  std::printf("\n");
  return 0;
}
