#include "engine/ops/conv_geometry.h"

#include <algorithm>
#include <cctype>

#include "engine/core/error.h"
#include "engine/core/memory_limit.h"

namespace engine {

WindowGeometry::WindowGeometry(const Shape& in, const Shape& window, const IntList& strides,
                               const IntLists& padding, const IntList& base_dilation,
                               const IntList& window_dilation)
    : window_(window) {
  for (size_t a = 0; a < in.size(); ++a) {
    const int64_t b = base_dilation[a], lo = padding[a][0];
    const int64_t span = dilate_dim(in[a], b);
    const int64_t out = strided_out_dim(window_add(window_add(span, lo), padding[a][1]),
                                        dilate_dim(window[a], window_dilation[a]), strides[a]);
    out_.push_back(out);
    // The table is an allocation like any array (and its size the work of the window loop): a
    // hostile window (2^40 taps with SAME padding) is refused here, not by the allocator.
    const int64_t entries = window_mul(out, window[a]);
    GS_CHECK(entries <= max_array_bytes() / 8,
             "a window of " + std::to_string(window[a]) + " taps over " + std::to_string(out) +
                 " outputs needs a larger index table than the array limit allows");
    std::vector<int64_t> t(static_cast<size_t>(entries), -1);
    for (int64_t y = 0; y < out; ++y)
      for (int64_t k = 0; k < window[a]; ++k) {
        int64_t p = y * strides[a] + k * window_dilation[a] - lo;
        if (p >= 0 && p < span && p % b == 0) t[y * window[a] + k] = p / b;
      }
    table_.push_back(std::move(t));
  }
}

std::vector<int64_t> all_indices(const Shape& shape) {
  std::vector<int64_t> out, idx(shape.size(), 0);
  for (int64_t n = shape_size(shape); n > 0; --n) {
    out.insert(out.end(), idx.begin(), idx.end());
    for (int k = static_cast<int>(shape.size()) - 1; k >= 0; --k) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

IntLists padtype_to_pads(const Shape& in, const Shape& window, const IntList& strides,
                         const std::string& padding) {
  std::string mode = padding;
  for (char& c : mode) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  IntLists pads;
  for (size_t a = 0; a < in.size(); ++a) {
    if (mode == "VALID") {
      pads.push_back({0, 0});
      continue;
    }
    GS_CHECK(
        mode == "SAME" || mode == "SAME_LOWER",
        "unknown padding '" + padding + "': expected SAME, SAME_LOWER, VALID or (lo, hi) pairs");
    // ceil(in / stride) without in + stride - 1, which overflows for a stride near 2^63.
    int64_t out = in[a] / strides[a] + (in[a] % strides[a] != 0);
    int64_t total = std::max<int64_t>(window_add(window_mul(out - 1, strides[a]), window[a]) - in[a], 0);
    int64_t small = total / 2;
    pads.push_back(mode == "SAME" ? IntList{small, total - small} : IntList{total - small, small});
  }
  return pads;
}

IntLists conv_vjp_lhs_padding(const Shape& in, const Shape& window, const IntList& strides,
                              const Shape& out, const IntLists& padding,
                              const IntList& lhs_dilation, const IntList& rhs_dilation) {
  IntLists pads;
  for (size_t a = 0; a < in.size(); ++a) {
    int64_t lhs_d = dilate_dim(in[a], lhs_dilation[a]);
    int64_t rhs_d = dilate_dim(window[a], rhs_dilation[a]);
    int64_t out_d = dilate_dim(out[a], strides[a]);
    int64_t before = rhs_d - padding[a][0] - 1;
    int64_t after = lhs_d + rhs_d - 1 - out_d - before;
    pads.push_back({before, after});
  }
  return pads;
}

IntLists conv_vjp_rhs_padding(const Shape& in, const Shape& window, const IntList& strides,
                              const Shape& out, const IntLists& padding,
                              const IntList& lhs_dilation, const IntList& rhs_dilation) {
  IntLists pads;
  for (size_t a = 0; a < in.size(); ++a) {
    int64_t lhs_d = dilate_dim(in[a], lhs_dilation[a]);
    int64_t rhs_d = dilate_dim(window[a], rhs_dilation[a]);
    int64_t out_d = dilate_dim(out[a], strides[a]);
    int64_t lo = padding[a][0];
    pads.push_back({lo, (out_d - lhs_d) + (rhs_d - lo - 1)});
  }
  return pads;
}

std::string ints_str(const IntList& v) {
  return param_value_str(v);
}
std::string pads_str(const IntLists& v) {
  return param_value_str(v);
}

IntLists Padding::resolve(const Shape& in, const Shape& window, const IntList& strides) const {
  if (!mode.empty()) return padtype_to_pads(in, window, strides, mode);
  GS_CHECK(pairs.size() == in.size(), "padding " + pads_str(pairs) +
                                          " needs one (lo, hi) pair for each of the " +
                                          std::to_string(in.size()) + " window axes");
  for (const IntList& p : pairs)
    GS_CHECK(p.size() == 2, "padding " + pads_str(pairs) + " must be (lo, hi) pairs");
  return pairs;
}

}  // namespace engine
