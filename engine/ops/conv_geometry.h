// The index arithmetic that convolutions and windowed reductions share (XLA's window semantics).
//
// Along one axis of size X, an operand is first dilated (base/lhs dilation b: b-1 holes between
// elements, so it spans (X-1)*b+1), then padded by (lo, hi) (negative pads crop), and a window of
// K taps dilated by d (spanning (K-1)*d+1) slides over it with stride s. Output position y, tap k
// reads padded-dilated position p = y*s + k*d; it is a real element x = (p-lo)/b when p-lo is a
// non-negative multiple of b below (X-1)*b+1, and a pad or hole otherwise.
#pragma once
#include <string>
#include <vector>

#include "engine/core/error.h"
#include "engine/core/shape.h"
#include "engine/ir/params.h"

namespace engine {

// a + b and a * b on window extents, strides and dilations, which come from users (a model spec
// may ask for a dilation of 2^62): overflow is an error naming the numbers, not undefined
// behaviour.
inline int64_t window_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r))
    throw Error("window geometry overflows 64 bits: " + std::to_string(a) + " + " + std::to_string(b));
  return r;
}
inline int64_t window_mul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r))
    throw Error("window geometry overflows 64 bits: " + std::to_string(a) + " * " + std::to_string(b));
  return r;
}

// (d-1)*dilation+1, and 0 for an empty axis (lax._dilate_shape).
inline int64_t dilate_dim(int64_t d, int64_t dilation) {
  return d == 0 ? 0 : window_add(window_mul(d - 1, dilation), 1);
}

// Windows that fit into a padded extent (core.stride_dim): 0 when the window does not fit.
inline int64_t strided_out_dim(int64_t padded, int64_t window, int64_t stride) {
  return padded < window ? 0 : (padded - window) / stride + 1;
}

// Per-axis window geometry. src(axis, y, k) is the operand index tap k of output y reads, or -1
// for a pad or a dilation hole.
class WindowGeometry {
 public:
  WindowGeometry(const Shape& in, const Shape& window, const IntList& strides,
                 const IntLists& padding, const IntList& base_dilation,
                 const IntList& window_dilation);
  const Shape& out_shape() const { return out_; }
  int64_t src(size_t axis, int64_t y, int64_t k) const {
    return table_[axis][y * window_[axis] + k];
  }

 private:
  Shape window_, out_;
  std::vector<std::vector<int64_t>> table_;
};

// Every multi-index of shape in row-major order, concatenated (rank entries each): the taps of a
// window, listed once so that kernels do not rebuild them per output element.
std::vector<int64_t> all_indices(const Shape& shape);

// lax.padtype_to_pads: explicit (lo, hi) pairs for "SAME" (output = ceil(in / stride), the odd
// pad at the end) or "VALID" (no padding). Throws for another name.
IntLists padtype_to_pads(const Shape& in, const Shape& window, const IntList& strides,
                         const std::string& padding);

// Padding of the convolution that transposes a conv/window op with respect to its input
// (jax _conv_general_vjp_lhs_padding), and with respect to its kernel (_vjp_rhs_padding).
IntLists conv_vjp_lhs_padding(const Shape& in, const Shape& window, const IntList& strides,
                              const Shape& out, const IntLists& padding,
                              const IntList& lhs_dilation, const IntList& rhs_dilation);
IntLists conv_vjp_rhs_padding(const Shape& in, const Shape& window, const IntList& strides,
                              const Shape& out, const IntLists& padding,
                              const IntList& lhs_dilation, const IntList& rhs_dilation);

// "(1, 2)" and "((0, 1), (1, 1))" for error messages.
std::string ints_str(const IntList& v);
std::string pads_str(const IntLists& v);

// Padding given as "SAME"/"VALID" or as explicit (lo, hi) pairs per axis, as JAX's APIs take it.
struct Padding {
  Padding(const char* mode) : mode(mode) {}             // NOLINT: "SAME" converts
  Padding(std::string mode) : mode(std::move(mode)) {}  // NOLINT
  Padding(IntLists pairs) : pairs(std::move(pairs)) {}  // NOLINT
  // The explicit pairs for an operand/window geometry (strings resolved by padtype_to_pads).
  IntLists resolve(const Shape& in, const Shape& window, const IntList& strides) const;
  std::string mode;
  IntLists pairs;
};

}  // namespace engine
