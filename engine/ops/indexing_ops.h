// Indexing over Tensors: lax-style slice/pad/rev/concatenate (ops/indexing.cpp), NumPy-style
// basic indexing and the jnp helpers built on them, and JAX's immutable x.at[idx] updates
// (ops/indexing_api.cpp); it also brings in creation.h (iota, arange, linspace, eye). Indices
// are static (known while tracing): integers, slices, newaxis and ellipsis. Everything lowers to
// slice, pad, rev, concatenate, reshape and select_n, so it differentiates, batches and traces
// like any other op.
#pragma once
#include <concepts>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/ir/params.h"
#include "engine/ops/creation.h"  // iota, arange, eye: the creation side of indexing

namespace engine {

// ---- lax level (one primitive each)

// lax.slice: x[start:limit:strides] per axis; strides empty means all 1. Bounds are checked.
Tensor slice(const Tensor& x, IntList start, IntList limit, IntList strides = {});
// lax.pad: config holds (lo, hi, interior) per axis; negative lo/hi crop. padding_value is a
// scalar of x's dtype (a Tensor, so that it can be traced and differentiated).
Tensor pad_general(const Tensor& x, const Tensor& padding_value, IntLists config);
// lax.rev: reverses the given axes.
Tensor rev(const Tensor& x, IntList dimensions);
// jnp.concatenate: promotes to a common dtype; axis may be negative.
Tensor concatenate(const std::vector<Tensor>& xs, int64_t axis = 0);

// ---- NumPy-style indices

// A Python slice start:stop:step; absent fields take NumPy's defaults (a negative step walks
// backwards). Slice(1, 3) is 1:3, Slice({}, {}, -1) is ::-1.
struct Slice {
  std::optional<int64_t> start, stop, step;
  Slice(std::optional<int64_t> start_ = std::nullopt, std::optional<int64_t> stop_ = std::nullopt,
        std::optional<int64_t> step_ = std::nullopt)
      : start(start_), stop(stop_), step(step_) {}
};
inline Slice all() { return Slice(); }  // ":"
struct NewAxis {};
inline constexpr NewAxis newaxis{};  // None in a NumPy index: inserts an axis of size 1
struct Ellipsis {};
inline constexpr Ellipsis ellipsis{};  // "...": as many ":" as needed

// One item of an index. Integers may be negative (counted from the end); booleans are refused
// (NumPy reads them as masks, which need dynamic shapes).
class Index {
 public:
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  Index(I i) : item_(static_cast<int64_t>(i)) {}  // NOLINT: implicit, as in x[0]
  Index(Slice s) : item_(s) {}                    // NOLINT
  Index(NewAxis n) : item_(n) {}                  // NOLINT
  Index(Ellipsis e) : item_(e) {}                 // NOLINT
  const std::variant<int64_t, Slice, NewAxis, Ellipsis>& item() const { return item_; }
  std::string str() const;  // "0", "1:3", "::-1", "None", "..."

 private:
  std::variant<int64_t, Slice, NewAxis, Ellipsis> item_;
};
using Indices = std::vector<Index>;
std::string index_str(const Indices& idx);  // "[0, 1:3]"

// x[idx] with NumPy basic-indexing semantics: index(x, {0, Slice(1, 3)}) is x[0, 1:3]. Slices
// clamp to the axis like NumPy; integers out of range throw, naming the index and the shape.
Tensor index(const Tensor& x, const Indices& idx);

// JAX's x.at[idx]: set/add/mul/min/max return a new tensor; x is left unchanged. The update v is
// cast to x's dtype and broadcast to the shape of x[idx].
class IndexUpdateRef {
 public:
  IndexUpdateRef(Tensor x, Indices idx) : x_(std::move(x)), idx_(std::move(idx)) {}
  Tensor get() const { return index(x_, idx_); }
  Tensor set(const Tensor& v) const;
  Tensor add(const Tensor& v) const;
  Tensor mul(const Tensor& v) const;
  Tensor min(const Tensor& v) const;
  Tensor max(const Tensor& v) const;
  Tensor set(double v) const;
  Tensor add(double v) const;
  Tensor mul(double v) const;
  Tensor min(double v) const;
  Tensor max(double v) const;

 private:
  enum class Mode { set, add, mul, min, max };
  Tensor apply(Mode mode, const Tensor& v, const char* name) const;
  Tensor x_;
  Indices idx_;
};
inline IndexUpdateRef at(const Tensor& x, Indices idx) { return IndexUpdateRef(x, std::move(idx)); }

// ---- jnp helpers

// jnp.stack: a new axis at `axis` (in the result); all inputs must have one shape.
Tensor stack(const std::vector<Tensor>& xs, int64_t axis = 0);
// jnp.split into `sections` equal parts along axis (the size must divide evenly).
std::vector<Tensor> split(const Tensor& x, int64_t sections, int64_t axis = 0);
// jnp.split at the given indices (clamped to the axis, as NumPy does): {2, 5} gives
// x[:2], x[2:5], x[5:]. A separate name because split(x, {2}) would pick the sections overload.
std::vector<Tensor> split_at(const Tensor& x, const IntList& indices, int64_t axis = 0);
// jnp.pad in "constant" mode: (before, after) per axis, or one pair for every axis. Widths are
// non-negative, as in NumPy; use pad_general to crop or to pad between elements.
Tensor pad(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& widths, double value = 0);
// jnp.flip over the given axes; no axes flips every axis (jnp.flip with axis=None).
Tensor flip(const Tensor& x, IntList axes = {});
// jax.nn.one_hot: a trailing axis of num_classes; labels outside [0, num_classes) give all zeros.
Tensor one_hot(const Tensor& labels, int64_t num_classes, DType dtype = DType::f32);
// jnp.take_along_axis for integer indices (negative ones count from the end). Lowered to a
// one-hot mask, a select and a sum over that axis: no gather primitive is needed and it
// differentiates in x, at the price of O(size of result × size of x's axis) work. Indices out of
// range give 0.
Tensor take_along_axis(const Tensor& x, const Tensor& indices, int64_t axis);

}  // namespace engine
