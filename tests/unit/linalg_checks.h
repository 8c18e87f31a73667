// Small checks shared by linalg_test and window_test: random f64 inputs, JVPs against central
// differences, transposes through <T(ct), v> == <ct, f(v)>, and batch rules against a loop. Each
// calls a primitive's rule directly, so a failure names the rule at fault.
#pragma once
#include <QtTest>
#include <cmath>
#include <functional>

#include "engine/ir/trace.h"
#include "engine/numpy.h"
#include "engine/transforms/jvp.h"
#include "unit/test_support.h"

namespace linalg_checks {

using namespace engine;

// Deterministic values in [-1, 1) (an LCG; distinct with probability ~1, so maxima have no ties).
inline Array rand_array(const Shape& s, uint64_t seed, DType dtype = DType::f64) {
  std::vector<double> v(static_cast<size_t>(shape_size(s)));
  uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
  for (double& e : v) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    e = static_cast<double>(x >> 11) / 9007199254740992.0 * 2 - 1;
  }
  return Array::from_vector(v, s).astype(dtype);
}

inline std::vector<double> values(const Tensor& t) {
  return t.array().to_vector<double>();
}

inline double inner(const Tensor& a, const Tensor& b) {
  auto x = values(a), y = values(b);
  double s = 0;
  for (size_t i = 0; i < x.size(); ++i) s += x[i] * y[i];
  return s;
}

// Largest |got - want| / (1 + |want|); infinity when the sizes differ.
inline double max_err(const std::vector<double>& got, const std::vector<double>& want) {
  if (got.size() != want.size()) return INFINITY;
  double e = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double d = std::abs(got[i] - want[i]) / (1 + std::abs(want[i]));
    if (std::isnan(d)) return INFINITY;
    e = std::max(e, d);
  }
  return e;
}

#define EXPECT_NEAR_ALL(got, want, tol)                                            \
  do {                                                                             \
    double err_ = ::linalg_checks::max_err((got), (want));                         \
    if (!(err_ <= (tol)))                                                          \
      QFAIL(qPrintable(QString("max relative error %1 > %2").arg(err_).arg(tol))); \
  } while (0)


// The equation of `prim` that fn binds when traced on the given avals (its params are what the
// API sets, so rules are checked with real params).
inline Eqn traced_eqn(const FlatFn& fn, const std::vector<Aval>& avals, PrimId prim) {
  ClosedJaxpr cj = trace_to_jaxpr(fn, avals);
  for (const Eqn& e : cj.jaxpr.eqns)
    if (e.prim == prim) return e;
  throw Error("test: the traced function binds no " + std::string(prim_name(prim)));
}

// jvp (transforms/jvp.h) against (f(x + eps t) - f(x - eps t)) / 2eps on random tangents.
inline double jvp_fd_error(const FlatFn& f, const Tensors& xs, uint64_t seed, double eps = 1e-6) {
  Tensors ts, plus, minus;
  for (size_t i = 0; i < xs.size(); ++i) {
    ts.push_back(rand_array(xs[i].shape(), seed + i));
    plus.push_back(xs[i] + ts[i] * eps);
    minus.push_back(xs[i] - ts[i] * eps);
  }
  auto [outs, touts] = jvp_flat(f, xs, ts);
  Tensors fp = f(plus), fm = f(minus);
  double err = 0;
  for (size_t k = 0; k < outs.size(); ++k) {
    auto fd = values((fp[k] - fm[k]) / (2 * eps));
    err = std::max(err, max_err(values(touts[k]), fd));
  }
  return err;
}

// |<T(ct), v> - <ct, f(v)>| / (1 + |<ct, f(v)>|) for input i of eqn's primitive, the other inputs
// fixed at args.
inline double transpose_error(const Eqn& eqn, const Tensors& args, size_t i, uint64_t seed) {
  const PrimitiveRules& r = rules(eqn.prim);
  Tensor out = bind(eqn.prim, args, eqn.params)[0];
  Tensor ct = rand_array(out.shape(), seed);
  std::vector<Aval> avals = avals_of(args);
  Tensors known = args;
  known[i] = Tensor();
  std::vector<bool> linear(args.size(), false);
  linear[i] = true;
  Tensors res = r.transpose(std::span<const Tensor>(&ct, 1), known, avals, linear, eqn.params);
  if (!res[i].defined() || res[i].shape() != args[i].shape()) return INFINITY;
  double want = inner(ct, out);
  return std::abs(inner(res[i], args[i]) - want) / (1 + std::abs(want));
}

// Element b of axis `axis` (a copy with that axis removed).
inline Array take(const Array& x, int axis, int64_t b) {
  Shape s = x.shape();
  s.erase(s.begin() + axis);
  auto st = row_major_strides(x.shape());
  std::vector<double> v;
  std::vector<double> all = x.to_vector<double>();
  std::vector<int64_t> idx(s.size(), 0);
  for (int64_t flat = 0, n = shape_size(s); flat < n; ++flat) {
    int64_t off = b * st[axis];
    for (size_t k = 0, j = 0; k < x.shape().size(); ++k)
      if (static_cast<int>(k) != axis) off += idx[j++] * st[k];
    v.push_back(all[off]);
    for (int k = static_cast<int>(s.size()) - 1; k >= 0; --k) {
      if (++idx[k] < s[k]) break;
      idx[k] = 0;
    }
  }
  return Array::from_vector(v, s).astype(x.dtype());
}

// The batch rule of eqn's primitive on batched args (dims: axis per arg or kNotMapped) against
// binding the primitive example by example.
inline double batch_error(const Eqn& eqn, const Tensors& args, const std::vector<int>& dims) {
  auto [outs, odims] = rules(eqn.prim).batch(args, dims, eqn.params);
  int64_t size = 0;
  for (size_t i = 0; i < args.size(); ++i)
    if (dims[i] != kNotMapped) size = args[i].shape()[dims[i]];
  double err = 0;
  for (int64_t b = 0; b < size; ++b) {
    Tensors one;
    for (size_t i = 0; i < args.size(); ++i)
      one.push_back(dims[i] == kNotMapped ? args[i] : Tensor(take(args[i].array(), dims[i], b)));
    Tensor want = bind(eqn.prim, one, eqn.params)[0];
    Tensor got = take(outs[0].array(), odims[0], b);
    if (got.shape() != want.shape()) return INFINITY;
    err = std::max(err, max_err(values(got), values(want)));
  }
  return err;
}

}  // namespace linalg_checks
