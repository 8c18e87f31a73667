// Stateless random numbers, bit for bit JAX's threefry2x32 PRNG (jax.random), on concrete arrays,
// in both of JAX's modes: classic (jax_threefry_partitionable off, the tutorials' numbers and the
// default here) and partitionable (JAX's default since 0.5).
//
// A key is a u32[2] array. Functions never modify a key; the same key always gives the same
// numbers, and independent streams come from split() or fold_in(). Float outputs follow JAX's
// constructions exactly (mantissa bits for uniform, XLA's erf_inv for normal, the algorithms of
// jax/_src/random.py for the rest), so that PRNGKey(0) drives the same weights and data here as
// it does in JAX. Samplers take f32 (default) or f64; f64 is JAX with jax_enable_x64.
//
// Files: bits.cpp (modes, keys, bits, uniform, normal), continuous.cpp, gamma.cpp,
// discrete.cpp, multivariate.cpp.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/core/array.h"

namespace engine::random {

// How keys split and bits are drawn (jax_threefry_partitionable). classic: threefry over one
// iota of counters for the whole request; partitionable: one threefry block per element at the
// 64-bit counter of its flat index (fold_in is the same in both).
enum class PrngMode { classic, partitionable };

// The process-wide mode (classic until set); every function below reads it when called, and
// traced draws (nn::bernoulli under jit) read it when traced: jit's cache is keyed on shapes, not
// on the mode, so a function traced in one mode keeps that mode's bits. A training run holds its
// config's mode for its whole duration (TrainingLoop::run), which other threads then also see.
void set_prng_mode(PrngMode mode);
PrngMode prng_mode();
// "classic" or "partitionable"; parse throws engine::Error naming `what` otherwise.
std::string_view prng_mode_name(PrngMode mode);
PrngMode parse_prng_mode(std::string_view text, const char* what = "prng");

// Sets the mode for its lifetime and restores the previous one (like `with
// jax.threefry_partitionable(True):`). Not for use from several threads at once.
class ScopedPrngMode {
 public:
  explicit ScopedPrngMode(PrngMode mode) : saved_(prng_mode()) { set_prng_mode(mode); }
  ~ScopedPrngMode() { set_prng_mode(saved_); }
  ScopedPrngMode(const ScopedPrngMode&) = delete;
  ScopedPrngMode& operator=(const ScopedPrngMode&) = delete;

 private:
  PrngMode saved_;
};

// Throws engine::Error naming `what` unless key is a u32[2] array.
void check_key(const Array& key, const char* what);

// A key from a 64-bit seed, as JAX's threefry_seed with x64 enabled: [seed >> 32, seed & 0xFFFFFFFF]
// (so PRNGKey(0) = [0, 0], PRNGKey(42) = [0, 42], PRNGKey(-1) = [4294967295, 4294967295]).
Array PRNGKey(int64_t seed);
// `num` new keys, u32[num, 2]. classic: threefry over the counters 0 .. 2*num-1;
// partitionable: key i is threefry of the counter pair (0, i).
Array split(const Array& key, int64_t num = 2);
// A new key derived from key and data: threefry of the counters [0, data] (both modes).
Array fold_in(const Array& key, uint32_t data);

// Uniform random u32 bits of the given shape (jax.random.bits with dtype uint32).
Array bits(const Array& key, const Shape& shape);
// jax.random.bits with dtype uint8, uint16 or uint32 (bit_width 8, 16, 32): a u32 array whose
// values are below 2^bit_width.
Array bits(const Array& key, const Shape& shape, int bit_width);
// jax.random.bits with dtype uint64 (x64), row-major, as host words (no u64 Array dtype).
std::vector<uint64_t> bits_u64(const Array& key, const Shape& shape);

// Uniform floats in [minval, maxval) (f32 or f64): random mantissa bits under the exponent of 1.0
// give [1, 2); minus 1, scaled and shifted, then max'ed with minval as JAX does.
Array uniform(const Array& key, const Shape& shape, double minval = 0.0, double maxval = 1.0,
              DType dtype = DType::f32);
// Standard normals: sqrt(2) * erf_inv(u) with u uniform in (-1, 1) (the open lower end keeps
// erf_inv finite).
Array normal(const Array& key, const Shape& shape, DType dtype = DType::f32);
// Standard normals truncated to the open interval (lower, upper): inverse-CDF sampling between
// erf(lower/sqrt2) and erf(upper/sqrt2), clamped inside the bounds.
Array truncated_normal(const Array& key, double lower, double upper, const Shape& shape,
                       DType dtype = DType::f32);

// ---- continuous.cpp: one uniform draw per element, transformed as jax.random does ----
// Standard Gumbel: -log(-log(u)) with u uniform in [tiny, 1).
Array gumbel(const Array& key, const Shape& shape, DType dtype = DType::f32);
// Exponential(1): -log1p(-u).
Array exponential(const Array& key, const Shape& shape, DType dtype = DType::f32);
// Laplace(0, 1): sign(u) * log1p(-|u|) with u uniform in (-1, 1).
Array laplace(const Array& key, const Shape& shape, DType dtype = DType::f32);
// Logistic(0, 1): log(u / (1 - u)) with u uniform in [eps, 1).
Array logistic(const Array& key, const Shape& shape, DType dtype = DType::f32);
// Cauchy(0, 1): tan(pi * (u - 0.5)) with u uniform in [eps, 1).
Array cauchy(const Array& key, const Shape& shape, DType dtype = DType::f32);
// Pareto with shape b > 0 on [1, inf): exp(exponential / b).
Array pareto(const Array& key, double b, const Shape& shape, DType dtype = DType::f32);
// Weibull: (-log1p(-u))^(1/concentration) * scale.
Array weibull_min(const Array& key, double scale, double concentration, const Shape& shape,
                  DType dtype = DType::f32);
// One-sided Maxwell: the norm of three standard normals (normal(key, shape + (3,))).
Array maxwell(const Array& key, const Shape& shape, DType dtype = DType::f32);
// Double-sided Maxwell: rademacher sign * maxwell * scale + loc, from split(key) in that order.
Array double_sided_maxwell(const Array& key, double loc, double scale, const Shape& shape,
                           DType dtype = DType::f32);

// ---- gamma.cpp: Marsaglia-Tsang per element, each with its own key from split(key, size) ----
Array gamma(const Array& key, double a, const Shape& shape, DType dtype = DType::f32);
// log of a gamma draw computed in log space (same draws as gamma()).
Array loggamma(const Array& key, double a, const Shape& shape, DType dtype = DType::f32);
// Beta(a, b) from two loggamma draws (split(key) -> key_a, key_b).
Array beta(const Array& key, double a, double b, const Shape& shape, DType dtype = DType::f32);
// Student's t: normal(key_n) * sqrt(df/2 / gamma(key_g, df/2)), (key_n, key_g) = split(key).
Array t(const Array& key, double df, const Shape& shape, DType dtype = DType::f32);
// Dirichlet over alpha (1-D, every entry > 0): softmax of loggamma draws of shape
// batch_shape + alpha.shape.
Array dirichlet(const Array& key, const Array& alpha, const Shape& batch_shape,
                DType dtype = DType::f32);

// ---- discrete.cpp ----
// Booleans that are true with probability p: uniform(key, shape, f32) < p.
Array bernoulli(const Array& key, double p, const Shape& shape);
// -1 or +1 (i32), 2 * bernoulli(key, 0.5) - 1.
Array rademacher(const Array& key, const Shape& shape);
// Integers in [minval, maxval) (i32): two words per element from split(key), reduced modulo the
// span as JAX's _randint does (maxval <= minval gives minval).
Array randint(const Array& key, const Shape& shape, int64_t minval, int64_t maxval);
// Samples category indices (i32) from unnormalized log-probabilities along `axis`, by the
// Gumbel-max trick: argmax(logits + gumbel). The result has logits' shape without that axis.
Array categorical(const Array& key, const Array& logits, int axis = -1);
// The same with JAX's `shape` argument: shape = prefix + (logits' shape without the axis); the
// logits are broadcast over the prefix before the Gumbel draw.
Array categorical(const Array& key, const Array& logits, int axis, const Shape& shape);
// A random permutation of 0 .. n-1 (i32), by JAX's _shuffle: ceil(3 ln n / ln(2^32 - 1)) rounds,
// each a stable sort by fresh random 32-bit keys.
Array permutation(const Array& key, int64_t n);
// x with its rows (axis 0) permuted by permutation(key, x.shape[0]).
Array permutation(const Array& key, const Array& x);
// jax.random.choice(key, n, shape, replace, p) over arange(n) (i32). p empty: uniform (randint
// with replacement, a permutation's prefix without); otherwise p has n entries >= 0: inverse
// CDF search with replacement, Gumbel top-k without.
Array choice(const Array& key, int64_t n, const Shape& shape, bool replace = true,
             const std::vector<double>& p = {});
// Poisson(lam) counts (i32): Knuth's product of uniforms for lam < 10, Hormann's transformed
// rejection otherwise; both loops draw for the whole shape per round, as JAX's do.
Array poisson(const Array& key, double lam, const Shape& shape);

// ---- multivariate.cpp ----
// mean + cholesky(cov) @ z with z = normal(key, batch_shape + (n,)); mean is [n], cov [n, n]
// symmetric positive definite.
Array multivariate_normal(const Array& key, const Array& mean, const Array& cov,
                          const Shape& batch_shape, DType dtype = DType::f32);
// Uniform on O(n): Q of the QR of normal(key, batch_shape + (n, n)), columns signed by R's
// diagonal. Shape batch_shape + (n, n).
Array orthogonal(const Array& key, int64_t n, const Shape& batch_shape = {},
                 DType dtype = DType::f32);

}  // namespace engine::random
