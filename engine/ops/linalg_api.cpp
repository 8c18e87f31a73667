// The NumPy-style products over dot_general: dot, matmul, tensordot, vdot, outer. Like jnp, they
// promote dtypes and ask for the promoted dtype as preferred_element_type, and matmul keeps
// broadcast batch axes as free axes of one operand instead of materializing the broadcast.
#include <algorithm>
#include <numeric>

#include "engine/ops/elementwise.h"
#include "engine/ops/linalg_ops.h"
#include "engine/ops/reduction_ops.h"
#include "engine/ops/shape_ops.h"

namespace engine {

namespace {

std::pair<Tensor, Tensor> promoted(const Tensor& a, const Tensor& b) {
  DType t = promote_types(a.dtype(), b.dtype());
  return {a.dtype() == t ? a : astype(a, t), b.dtype() == t ? b : astype(b, t)};
}

int64_t index_in(const IntList& l, int64_t v) {
  return std::find(l.begin(), l.end(), v) - l.begin();
}

}  // namespace

Tensor dot(const Tensor& a0, const Tensor& b0) {
  auto [a, b] = promoted(a0, b0);
  if (a.rank() == 0 || b.rank() == 0) return a * b;
  int64_t ca = a.rank() - 1, cb = std::max(0, b.rank() - 2);
  GS_CHECK(a.shape()[ca] == b.shape()[cb],
           "dot: shapes " + shape_tuple_str(a.shape()) + " and " + shape_tuple_str(b.shape()) +
               " not aligned: axis " + std::to_string(ca) + " of a (size " +
               std::to_string(a.shape()[ca]) + ") != axis " + std::to_string(cb) + " of b (size " +
               std::to_string(b.shape()[cb]) + ")");
  return dot_general(a, b, {{ca}, {cb}}, a.dtype());
}

Tensor matmul(const Tensor& a0, const Tensor& b0) {
  const std::string what = "matmul of " + a0.aval().str() + " and " + b0.aval().str();
  GS_CHECK(a0.rank() >= 1 && b0.rank() >= 1,
           what + ": operands must have rank >= 1 (use multiply for scalars)");
  auto [a, b] = promoted(a0, b0);
  const bool a_vec = a.rank() == 1, b_vec = b.rank() == 1;
  if (a_vec) a = reshape(a, {1, a.shape()[0]});
  if (b_vec) b = reshape(b, {b.shape()[0], 1});
  const int an = a.rank() - 2, bn = b.rank() - 2, nb = std::max(an, bn);
  GS_CHECK(a.shape()[an + 1] == b.shape()[bn], what + ": contracting sizes " +
                                                   std::to_string(a.shape()[an + 1]) + " and " +
                                                   std::to_string(b.shape()[bn]) + " differ");
  // Each broadcast batch axis is a batch axis of both operands, or a free axis of the operand
  // that has it (the other's size-1 axis, if any, is squeezed away).
  enum Kind { kBatch, kAFree, kBFree };
  std::vector<Kind> kind(nb);
  IntList a_drop, b_drop;
  for (int i = 0; i < nb; ++i) {
    int ai = i - (nb - an), bi = i - (nb - bn);
    int64_t as = ai >= 0 ? a.shape()[ai] : -1, bs = bi >= 0 ? b.shape()[bi] : -1;
    if (as == bs) {
      kind[i] = kBatch;
    } else if (bs == -1 || (bs == 1 && as != -1)) {
      kind[i] = kAFree;
      if (bs == 1) b_drop.push_back(bi);
    } else if (as == -1 || as == 1) {
      kind[i] = kBFree;
      if (as == 1) a_drop.push_back(ai);
    } else {
      throw Error(what + ": batch dimensions " + std::to_string(as) + " and " + std::to_string(bs) +
                  " cannot be broadcast");
    }
  }
  a = squeeze(a, a_drop);
  b = squeeze(b, b_drop);
  // Axis numbers after the squeeze: skip the dropped ones.
  auto renumber = [](int64_t axis, const IntList& dropped) {
    return axis -
           std::count_if(dropped.begin(), dropped.end(), [&](int64_t d) { return d < axis; });
  };
  DotDimensionNumbers d{{renumber(an + 1, a_drop)}, {renumber(bn, b_drop)}};
  IntList a_free_pos, b_free_pos, batch_pos;
  for (int i = 0; i < nb; ++i) {
    int ai = i - (nb - an), bi = i - (nb - bn);
    if (kind[i] == kBatch) {
      d.lhs_batch.push_back(renumber(ai, a_drop));
      d.rhs_batch.push_back(renumber(bi, b_drop));
      batch_pos.push_back(i);
    } else if (kind[i] == kAFree) {
      a_free_pos.push_back(i);
    } else {
      b_free_pos.push_back(i);
    }
  }
  Tensor out = dot_general(a, b, d, a.dtype());
  // dot_general gives (batch, a's free batch axes, row, b's free batch axes, col).
  const int64_t n_batch = batch_pos.size(), n_a = a_free_pos.size() + 1;
  IntList perm;
  for (int i = 0; i < nb; ++i) {
    if (kind[i] == kBatch)
      perm.push_back(index_in(batch_pos, i));
    else if (kind[i] == kAFree)
      perm.push_back(n_batch + index_in(a_free_pos, i));
    else
      perm.push_back(n_batch + n_a + index_in(b_free_pos, i));
  }
  perm.push_back(n_batch + n_a - 1);
  perm.push_back(out.rank() - 1);
  out = transpose(out, perm);
  if (!a_vec && !b_vec) return out;
  Shape s(out.shape().begin(), out.shape().end() - 2);
  if (!a_vec) s.push_back(out.shape()[out.rank() - 2]);
  if (!b_vec) s.push_back(out.shape()[out.rank() - 1]);
  return reshape(out, s);
}

Tensor tensordot(const Tensor& a, const Tensor& b, int64_t axes) {
  GS_CHECK(axes >= 0 && axes <= a.rank() && axes <= b.rank(),
           "tensordot: axes=" + std::to_string(axes) + " exceeds the rank of " + a.aval().str() +
               " or " + b.aval().str());
  IntList aa, ba;
  for (int64_t i = 0; i < axes; ++i) {
    aa.push_back(a.rank() - axes + i);
    ba.push_back(i);
  }
  return tensordot(a, b, aa, ba);
}

Tensor tensordot(const Tensor& a0, const Tensor& b0, const IntList& a_axes, const IntList& b_axes) {
  GS_CHECK(a_axes.size() == b_axes.size(),
           "tensordot: " + std::to_string(a_axes.size()) + " axes of " + a0.aval().str() + " but " +
               std::to_string(b_axes.size()) + " of " + b0.aval().str());
  auto [a, b] = promoted(a0, b0);
  IntList aa, ba;
  for (int64_t v : a_axes) aa.push_back(normalize_axis(v, a.rank(), "tensordot axis"));
  for (int64_t v : b_axes) ba.push_back(normalize_axis(v, b.rank(), "tensordot axis"));
  return dot_general(a, b, {aa, ba}, a.dtype());
}

Tensor vdot(const Tensor& a, const Tensor& b) {
  return dot(ravel(a), ravel(b));
}

Tensor outer(const Tensor& a, const Tensor& b) {
  return reshape(ravel(a), {-1, 1}) * reshape(ravel(b), {1, -1});
}

}  // namespace engine
