// NumPy-style indexing, JAX's x.at[idx] updates and the jnp helpers, as composites of the
// indexing primitives (ops/indexing.cpp) and elementwise ops.
//
// An index resolves to one strided window per axis of x: the lowest position it touches, how many
// elements, a positive stride, and whether the window runs backwards (negative step). Reading is
// slice → rev → reshape; an update runs the same steps in reverse on the value (reshape → rev →
// pad with interior padding for the stride) and merges it with a padded mask.
#include <algorithm>

#include "engine/ops/creation.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/indexing_ops.h"
#include "engine/ops/reduction_ops.h"
#include "engine/ops/shape_ops.h"

namespace engine {

std::string Index::str() const {
  if (const auto* i = std::get_if<int64_t>(&item_)) return std::to_string(*i);
  if (std::holds_alternative<NewAxis>(item_)) return "None";
  if (std::holds_alternative<Ellipsis>(item_)) return "...";
  const Slice& s = std::get<Slice>(item_);
  auto part = [](const std::optional<int64_t>& v) { return v ? std::to_string(*v) : std::string(); };
  return part(s.start) + ":" + part(s.stop) + (s.step ? ":" + part(s.step) : "");
}

std::string index_str(const Indices& idx) {
  std::string s = "[";
  for (size_t i = 0; i < idx.size(); ++i) s += (i ? ", " : "") + idx[i].str();
  return s + "]";
}

namespace {

struct Window {
  int64_t low = 0, count = 0, stride = 1;
  bool reversed = false;
  int64_t limit() const { return count == 0 ? low : low + (count - 1) * stride + 1; }
};

struct Resolved {
  std::vector<Window> windows;  // one per axis of x
  Shape windowed;               // window counts: x's rank (integer-indexed axes count 1)
  Shape result;                 // the shape of x[idx]: integer axes dropped, newaxis added
};

std::string where_str(const Shape& shape, const Indices& idx) {
  return "tensor of shape " + shape_tuple_str(shape) + " indexed with " + index_str(idx);
}

// Python's slice.indices(n): clamps start and stop into the axis, then counts the elements.
Window slice_window(const Slice& s, int64_t n, const Shape& shape, const Indices& idx) {
  int64_t step = s.step.value_or(1);
  GS_CHECK(step != 0, "slice step cannot be zero (" + where_str(shape, idx) + ")");
  auto clamp = [&](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t i = *v < 0 ? *v + n : *v;
    if (i < 0) return step < 0 ? int64_t{-1} : int64_t{0};
    if (i >= n) return step < 0 ? n - 1 : n;
    return i;
  };
  int64_t start = clamp(s.start, step < 0 ? n - 1 : 0);
  int64_t stop = clamp(s.stop, step < 0 ? -1 : n);
  Window w;
  if (step > 0) {
    w.count = start < stop ? (stop - start - 1) / step + 1 : 0;
    w.low = std::min(start, n);
    w.stride = step;
  } else {
    w.count = stop < start ? (start - stop - 1) / -step + 1 : 0;
    w.low = w.count ? start - (w.count - 1) * -step : 0;
    w.stride = -step;
    w.reversed = w.count > 1;
  }
  return w;
}

Resolved resolve(const Shape& shape, const Indices& idx) {
  const int rank = static_cast<int>(shape.size());
  int consumed = 0, ellipses = 0;
  for (const Index& i : idx) {
    if (std::holds_alternative<int64_t>(i.item()) || std::holds_alternative<Slice>(i.item())) ++consumed;
    if (std::holds_alternative<Ellipsis>(i.item())) ++ellipses;
  }
  GS_CHECK(ellipses <= 1, "an index can only have a single ellipsis ('...'): " + where_str(shape, idx));
  GS_CHECK(consumed <= rank, "too many indices: " + where_str(shape, idx) + " (" + std::to_string(consumed) +
                                 " indices for " + std::to_string(rank) + " axes)");
  Resolved r;
  auto take_all = [&](int count) {
    for (int c = 0; c < count; ++c) {
      int64_t n = shape[r.windows.size()];
      r.windows.push_back({0, n, 1, false});
      r.windowed.push_back(n);
      r.result.push_back(n);
    }
  };
  for (const Index& i : idx) {
    const auto& item = i.item();
    if (const auto* v = std::get_if<int64_t>(&item)) {
      int axis = static_cast<int>(r.windows.size());
      int64_t n = shape[axis];
      GS_CHECK(*v >= -n && *v < n, "index " + std::to_string(*v) + " is out of bounds for axis " +
                                       std::to_string(axis) + " with size " + std::to_string(n) + " (" +
                                       where_str(shape, idx) + ")");
      r.windows.push_back({*v < 0 ? *v + n : *v, 1, 1, false});
      r.windowed.push_back(1);
    } else if (const auto* s = std::get_if<Slice>(&item)) {
      Window w = slice_window(*s, shape[r.windows.size()], shape, idx);
      r.windows.push_back(w);
      r.windowed.push_back(w.count);
      r.result.push_back(w.count);
    } else if (std::holds_alternative<NewAxis>(item)) {
      r.result.push_back(1);
    } else {
      take_all(rank - consumed);
    }
  }
  take_all(rank - static_cast<int>(r.windows.size()));
  return r;
}

IntList reversed_axes(const Resolved& r) {
  IntList axes;
  for (size_t k = 0; k < r.windows.size(); ++k)
    if (r.windows[k].reversed) axes.push_back(static_cast<int64_t>(k));
  return axes;
}

// Where the update's elements go in x: (lo, hi, interior) per axis.
IntLists placement(const Resolved& r, const Shape& shape) {
  IntLists config;
  for (size_t k = 0; k < r.windows.size(); ++k) {
    const Window& w = r.windows[k];
    config.push_back({w.low, shape[k] - w.limit(), w.stride - 1});
  }
  return config;
}

}  // namespace

Tensor index(const Tensor& x, const Indices& idx) {
  Resolved r = resolve(x.shape(), idx);
  IntList start, limit, strides;
  for (const Window& w : r.windows) {
    start.push_back(w.low);
    limit.push_back(w.limit());
    strides.push_back(w.stride);
  }
  Tensor y = rev(slice(x, start, limit, strides), reversed_axes(r));
  return y.shape() == r.result ? y : reshape(y, r.result);
}

Tensor IndexUpdateRef::apply(Mode mode, const Tensor& v_in, const char* name) const {
  const Shape& shape = x_.shape();
  Resolved r = resolve(shape, idx_);
  const std::string what = "at" + index_str(idx_) + "." + name + " on " + x_.aval().str();
  bool fits = v_in.rank() <= static_cast<int>(r.result.size());
  for (int k = 1; fits && k <= v_in.rank(); ++k) {
    int64_t dv = v_in.shape()[v_in.rank() - k], dr = r.result[r.result.size() - k];
    fits = dv == 1 || dv == dr;
  }
  GS_CHECK(fits, what + ": the update " + v_in.aval().str() +
                     " does not broadcast to the indexed shape " + shape_tuple_str(r.result));
  if (shape_size(r.result) == 0) return x_;
  Tensor v = reshape(broadcast_to(astype(v_in, x_.dtype()), r.result), r.windowed);
  v = rev(v, reversed_axes(r));
  IntLists config = placement(r, shape);
  if (mode == Mode::add) return x_ + pad_general(v, Array::scalar(0, x_.dtype()), config);
  if (mode == Mode::mul) return x_ * pad_general(v, Array::scalar(1, x_.dtype()), config);
  Tensor spread = pad_general(v, Array::scalar(0, x_.dtype()), config);
  Tensor inside = broadcast_in_dim(Array::scalar(1, DType::boolean), r.windowed, {});
  Tensor mask = pad_general(inside, Array::scalar(0, DType::boolean), config);
  if (mode == Mode::min) spread = minimum(x_, spread);
  if (mode == Mode::max) spread = maximum(x_, spread);
  return where(mask, spread, x_);
}

Tensor IndexUpdateRef::set(const Tensor& v) const { return apply(Mode::set, v, "set"); }
Tensor IndexUpdateRef::add(const Tensor& v) const { return apply(Mode::add, v, "add"); }
Tensor IndexUpdateRef::mul(const Tensor& v) const { return apply(Mode::mul, v, "mul"); }
Tensor IndexUpdateRef::min(const Tensor& v) const { return apply(Mode::min, v, "min"); }
Tensor IndexUpdateRef::max(const Tensor& v) const { return apply(Mode::max, v, "max"); }
Tensor IndexUpdateRef::set(double v) const { return set(scalar_like(v, x_)); }
Tensor IndexUpdateRef::add(double v) const { return add(scalar_like(v, x_)); }
Tensor IndexUpdateRef::mul(double v) const { return mul(scalar_like(v, x_)); }
Tensor IndexUpdateRef::min(double v) const { return min(scalar_like(v, x_)); }
Tensor IndexUpdateRef::max(double v) const { return max(scalar_like(v, x_)); }

Tensor stack(const std::vector<Tensor>& xs, int64_t axis) {
  GS_CHECK(!xs.empty(), "stack needs at least one tensor");
  int a = normalize_axis(axis, xs[0].rank() + 1, "stack axis");
  std::vector<Tensor> expanded;
  for (const Tensor& x : xs) {
    GS_CHECK(x.shape() == xs[0].shape(), "stack: all tensors must have one shape, got " + xs[0].aval().str() +
                                             " and " + x.aval().str());
    expanded.push_back(expand_dims(x, a));
  }
  return concatenate(expanded, a);
}

std::vector<Tensor> split(const Tensor& x, int64_t sections, int64_t axis) {
  int a = normalize_axis(axis, x.rank(), "split axis");
  int64_t n = x.shape()[a];
  GS_CHECK(sections > 0 && n % sections == 0, "split: axis " + std::to_string(a) + " of " + x.aval().str() +
                                                  " does not divide into " + std::to_string(sections) +
                                                  " equal sections");
  IntList at;
  for (int64_t s = 1; s < sections; ++s) at.push_back(s * (n / sections));
  return split_at(x, at, a);
}

std::vector<Tensor> split_at(const Tensor& x, const IntList& indices, int64_t axis) {
  int a = normalize_axis(axis, x.rank(), "split axis");
  const int64_t n = x.shape()[a];
  std::vector<Tensor> parts;
  IntList start(x.rank(), 0), limit = x.shape();
  int64_t prev = 0;
  for (size_t i = 0; i <= indices.size(); ++i) {
    int64_t cut = i < indices.size() ? indices[i] : n;
    cut = std::clamp<int64_t>(cut < 0 ? cut + n : cut, 0, n);
    start[a] = prev;
    limit[a] = std::max(cut, prev);  // indices out of order give empty parts, as in NumPy
    parts.push_back(slice(x, start, limit));
    prev = limit[a];
  }
  return parts;
}

Tensor pad(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& widths, double value) {
  GS_CHECK(widths.size() == 1 || static_cast<int>(widths.size()) == x.rank(),
           "pad: " + std::to_string(widths.size()) + " (before, after) pairs for " + x.aval().str() +
               "; give one per axis or one for all");
  IntLists config;
  for (int k = 0; k < x.rank(); ++k) {
    auto [lo, hi] = widths[widths.size() == 1 ? 0 : k];
    GS_CHECK(lo >= 0 && hi >= 0, "pad: widths must be non-negative, got (" + std::to_string(lo) + ", " +
                                     std::to_string(hi) + ") for axis " + std::to_string(k));
    config.push_back({lo, hi, 0});
  }
  return pad_general(x, Array::scalar(value, x.dtype()), config);
}

Tensor flip(const Tensor& x, IntList axes) {
  if (axes.empty())
    for (int k = 0; k < x.rank(); ++k) axes.push_back(k);
  return rev(x, normalize_axes(axes, x.rank(), "flip axis"));
}

Tensor one_hot(const Tensor& labels, int64_t num_classes, DType dtype) {
  GS_CHECK(labels.dtype() != DType::boolean, "one_hot: labels must be integers, got " + labels.aval().str());
  GS_CHECK(num_classes >= 0, "one_hot: num_classes must be non-negative, got " + std::to_string(num_classes));
  Tensor classes = iota(labels.dtype(), num_classes);
  return astype(equal(expand_dims(labels, -1), classes), dtype);
}

Tensor take_along_axis(const Tensor& x, const Tensor& indices, int64_t axis) {
  GS_CHECK(is_integer(indices.dtype()), "take_along_axis: indices must be integers, got " + indices.aval().str());
  GS_CHECK(indices.rank() == x.rank(), "take_along_axis: indices " + indices.aval().str() +
                                           " must have the rank of " + x.aval().str());
  int a = normalize_axis(axis, x.rank(), "take_along_axis axis");
  const int64_t n = x.shape()[a];
  Tensor idx = indices;
  if (indices.dtype() == DType::i32) idx = where(indices < 0.0, indices + static_cast<double>(n), indices);
  // hit[..., k, ..., j] says whether indices[..., k, ...] == j; x's axis moves last to meet j.
  Tensor hit = equal(expand_dims(idx, -1), iota(idx.dtype(), n));
  IntList perm;
  for (int k = 0; k < x.rank(); ++k)
    if (k != a) perm.push_back(k);
  perm.push_back(a);
  Tensor moved = expand_dims(transpose(x, perm), a);
  return sum(where(hit, moved, Array::scalar(0, x.dtype())), -1);
}

}  // namespace engine
