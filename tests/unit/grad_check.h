// A reusable derivative checker for flat functions (vector<Tensor> in and out), like JAX's
// check_grads. For random directions it checks
//   1. jvp against central finite differences (float64 inputs, h ~ 1e-6),
//   2. linearize's linear map against jvp,
//   3. the transpose identity <vjp(u), v> == <u, jvp(v)> for random output cotangents u,
// and with order 2 repeats all three on x -> jvp(f)(x, v), which checks that the JVP rules are
// themselves differentiable and transposable (what grad of grad and hessian need).
//
// Header-only and Qt-free so that any test can use it:
//   std::string failure = check_grads(f, inputs, {.rtol = 1e-6});
//   QVERIFY2(failure.empty(), failure.c_str());
#pragma once
#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <string>

#include "engine/numpy.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/jvp.h"

namespace engine::testing {

// Uniform in [lo, hi), converted to dtype (integer dtypes truncate).
inline Array random_array(std::mt19937& rng, const Shape& shape, DType dtype, double lo = -1, double hi = 1) {
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> values(static_cast<size_t>(shape_size(shape)));
  for (double& v : values) v = dist(rng);
  return Array::from_vector(values, shape).astype(dtype);
}

// Random values for the floating-point avals; symbolic zeros (undefined) for the others.
inline Tensors random_tangents(std::mt19937& rng, const std::vector<Aval>& avals) {
  Tensors out;
  for (const Aval& a : avals)
    out.push_back(is_floating(a.dtype) ? Tensor(random_array(rng, a.shape, a.dtype)) : Tensor());
  return out;
}

// Sum over all floating-point leaves of sum(a * b), in double; undefined entries count as zero.
inline double vdot(const Tensors& a, const Tensors& b) {
  double s = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (!a[i].defined() || !b[i].defined() || !is_floating(a[i].dtype())) continue;
    std::vector<double> x = a[i].array().to_vector<double>(), y = b[i].array().to_vector<double>();
    for (size_t k = 0; k < x.size(); ++k) s += x[k] * y[k];
  }
  return s;
}

struct GradCheckOptions {
  double eps = 1e-6;    // finite-difference step (central differences)
  double rtol = 1e-6;   // |jvp - fd| <= atol + rtol * |fd|, elementwise
  double atol = 1e-7;
  int order = 1;        // 2 also checks the derivatives of the jvp
  double identity_rtol = 1e-9;  // relative tolerance of the transpose identity
  int directions = 2;   // random tangent directions tried
  unsigned seed = 0;
};

namespace detail {

inline bool close(double a, double b, double atol, double rtol) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::abs(a - b) <= atol + rtol * std::abs(b);
}

// x + s * v on the floating-point leaves (eagerly).
inline Tensors axpy(const Tensors& x, double s, const Tensors& v) {
  Tensors out = x;
  for (size_t i = 0; i < x.size(); ++i)
    if (v[i].defined()) out[i] = x[i] + v[i] * s;
  return out;
}

// "" when got matches want leaf by leaf, else the first mismatch.
inline std::string compare(const Tensors& got, const Tensors& want, double atol, double rtol,
                           const std::string& what) {
  for (size_t i = 0; i < want.size(); ++i) {
    if (!is_floating(want[i].dtype())) continue;
    std::vector<double> g = got[i].array().to_vector<double>(), w = want[i].array().to_vector<double>();
    for (size_t k = 0; k < w.size(); ++k) {
      if (close(g[k], w[k], atol, rtol)) continue;
      std::ostringstream s;
      s.precision(12);
      s << what << ": output " << i << " element " << k << " is " << g[k] << " but expected " << w[k];
      return s.str();
    }
  }
  return "";
}

inline std::string check_once(const FlatFn& f, const Tensors& x, const GradCheckOptions& o, std::mt19937& rng) {
  const std::vector<Aval> in_avals = avals_of(x);
  const Tensors y = f(x);
  const std::vector<Aval> out_avals = avals_of(y);
  LinearizedFn lin = linearize_flat(f, x);
  for (int d = 0; d < o.directions; ++d) {
    Tensors v = random_tangents(rng, in_avals);
    auto [outs, touts] = jvp_flat(f, x, v);
    touts = instantiate_zeros(touts, out_avals);

    Tensors plus = f(detail::axpy(x, o.eps, v)), minus = f(detail::axpy(x, -o.eps, v));
    Tensors fd;
    for (size_t i = 0; i < plus.size(); ++i)
      fd.push_back(is_floating(plus[i].dtype()) ? (plus[i] - minus[i]) / (2 * o.eps) : plus[i]);
    std::string dir = " (direction " + std::to_string(d) + ")";
    if (auto e = compare(touts, fd, o.atol, o.rtol, "jvp vs finite differences" + dir); !e.empty()) return e;
    if (auto e = compare(lin.jvp(v), touts, 1e-12, 1e-9, "linearize vs jvp" + dir); !e.empty()) return e;

    Tensors u = random_tangents(rng, out_avals);
    double lhs = vdot(lin.vjp(u), v), rhs = vdot(u, touts);
    // Scaled by at least 1: the products are O(1) and the sums may cancel.
    if (std::abs(lhs - rhs) > o.identity_rtol * std::max({1.0, std::abs(lhs), std::abs(rhs)})) {
      std::ostringstream s;
      s.precision(12);
      s << "transpose identity" << dir << ": <vjp(u), v> = " << lhs << " but <u, jvp(v)> = " << rhs;
      return s.str();
    }
  }
  return "";
}

}  // namespace detail

// "" when every check passes, else a message describing the first failure.
inline std::string check_grads(const FlatFn& f, const Tensors& inputs, const GradCheckOptions& options = {}) {
  std::mt19937 rng(options.seed);
  try {
    if (auto e = detail::check_once(f, inputs, options, rng); !e.empty()) return e;
    if (options.order < 2) return "";
    // Second order: the tangent outputs of the jvp along a fixed direction, as a function of x.
    Tensors v = random_tangents(rng, avals_of(inputs));
    FlatFn df = [f, v](const Tensors& x) {
      auto [outs, touts] = jvp_flat(f, x, v);
      return instantiate_zeros(touts, avals_of(outs));
    };
    GradCheckOptions first = options;
    first.order = 1;
    if (auto e = detail::check_once(df, inputs, first, rng); !e.empty()) return "second order: " + e;
  } catch (const Error& e) {
    return std::string("error: ") + e.what();
  }
  return "";
}

}  // namespace engine::testing
