// The autodiff tour of JAX's tutorials, in C++: grad, jvp, vjp, vmap, jit, pytrees, immutable
// updates and stateless random numbers. Each step prints what it computes.
#include <cstdio>

#include "engine/core/error.h"
#include "engine/numpy.h"
#include "engine/random/random.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/jit.h"
#include "engine/transforms/jvp.h"
#include "engine/transforms/make_jaxpr.h"
#include "engine/transforms/vmap.h"
#include "engine/tree/tree.h"
#include "examples/examples.h"

namespace examples {

using namespace engine;

static void show(const char* what, const Tensor& t) { std::printf("%s\n%s\n\n", what, t.array().repr().c_str()); }

void run_autodiff_basics(const ExampleOptions& options) {
  if (!options.dataset.empty())
    throw Error("autodiff_basics: --dataset '" + options.dataset + "' does not fit: this example uses no data set");
  Tensor x = arange(1.0, 5.0);  // [1, 2, 3, 4]

  // grad of ½ xᵀx is x.
  auto half_square_norm = [](const Tensor& v) { return 0.5 * sum(v * v); };
  show("grad(lambda x: 0.5 * jnp.sum(x * x))(x)  # equals x", grad(half_square_norm)(x));
  std::printf("make_jaxpr(lambda x: jnp.sum(x * x) / 2)(x)\n%s\n\n",
              jaxpr_to_string(make_jaxpr([](const Tensor& v) { return sum(v * v) / 2.0; })(x).jaxpr).c_str());

  // jvp and vjp of x*x/2 with a vector of ones both give x.
  auto f = [](const Tensor& v) { return v * v / 2.0; };
  auto [y, y_dot] = jvp(f, {x}, {Tensor(ones({4}))});
  show("jvp(f, (x,), (ones,))  # primal out", y);
  show("jvp(f, (x,), (ones,))  # tangent out, equals x", y_dot);
  auto [y2, f_vjp] = vjp(f, {x});
  show("vjp(f, x)[1](ones)  # equals x", f_vjp(Tensor(ones({4})))[0]);

  // vmap: a matrix-vector product mapped over a batch of 5 vectors.
  Array keys = random::split(random::PRNGKey(0), 2);
  Array k1 = Array::from_vector<uint32_t>({keys.data<uint32_t>()[0], keys.data<uint32_t>()[1]});
  Array k2 = Array::from_vector<uint32_t>({keys.data<uint32_t>()[2], keys.data<uint32_t>()[3]});
  Tensor mat = random::normal(k1, {15, 10});
  Tensor batch = random::normal(k2, {5, 10});
  auto apply_matrix = [](const Tensor& m, const Tensor& v) { return matmul(m, v); };
  Tensor batched = vmap(apply_matrix, {std::nullopt, 0})(mat, batch);
  std::printf("vmap(apply_matrix, in_axes=(None, 0))(mat, batch).shape = %s\n\n",
              shape_tuple_str(batched.shape()).c_str());

  // jit of selu: traced once, then run from the cache.
  auto selu_jit = jit([](const Tensor& v) { return selu(v); });
  Tensor big = random::normal(k1, {1000000});
  selu_jit(big);
  Tensor out = selu_jit(big);
  std::printf("jit(selu) on 10^6 normals: mean %.6f; cache hits %lld, compiles %lld\n\n", mean(out).item(),
              static_cast<long long>(selu_jit.cache_info().hits), static_cast<long long>(selu_jit.cache_info().misses));

  // Immutable updates: x.at[0, 0].set(10) returns a new array; x is unchanged.
  Tensor m = reshape(arange(0.0, 6.0), {2, 3});
  Tensor m2 = at(m, {0, 0}).set(10.0);
  show("m", m);
  show("m.at[0, 0].set(10)", m2);

  // Pytrees: gradients keep the structure of the parameters.
  PyTree params = PyTree::dict({{"w", Tensor(ones({3}))}, {"b", Tensor(Array::scalar(0.5))}});
  auto loss = [](const PyTree& p) { return sum(square(p["w"].leaf() * 2.0 + p["b"].leaf())); };
  PyTree g = grad(loss)(params);
  std::printf("grad over a pytree: %s\n%s\n", tree_shapes_str(g).c_str(), tree_str(g).c_str());
}

}  // namespace examples
