// Shapes are plain vectors of extents; these helpers hold the arithmetic every layer repeats.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace engine {

using Shape = std::vector<int64_t>;

// Number of elements; throws if the product overflows int64 or any extent is negative, so that a
// hostile shape is refused before anything is allocated.
int64_t shape_size(const Shape& shape);
std::string shape_str(const Shape& shape);       // "4,3" (as inside f32[4,3])
std::string shape_tuple_str(const Shape& shape);  // "(4, 3)" (as JAX prints .shape)
std::vector<int64_t> row_major_strides(const Shape& shape);  // in elements
// Resolves a possibly negative axis against rank; the message names what and the rank.
int normalize_axis(int64_t axis, int rank, const char* what = "axis");
// NumPy broadcasting of two shapes; throws naming both shapes when they do not fit.
Shape broadcast_shapes(const Shape& a, const Shape& b);

}  // namespace engine
