#include "engine/data/class_index.h"

#include <algorithm>
#include <cmath>

#include "engine/core/error.h"

namespace engine::data {

const std::vector<int64_t>& ClassIndex::rows_of(int64_t cls) const {
  GS_CHECK(cls >= 0 && cls < static_cast<int64_t>(rows.size()),
           "class " + std::to_string(cls) + " is outside 0.." + std::to_string(static_cast<int64_t>(rows.size()) - 1));
  return rows[static_cast<size_t>(cls)];
}

ClassIndex index_classes(const Split& split, int64_t num_classes) {
  GS_CHECK(num_classes > 0, "index_classes: the dataset has no classes (a regression dataset?)");
  ClassIndex idx;
  idx.counts.assign(static_cast<size_t>(num_classes), 0);
  idx.rows.resize(static_cast<size_t>(num_classes));
  if (split.size() == 0) return idx;
  GS_CHECK(split.y.shape().size() == 1,
           "index_classes: labels must be one integer per example, have shape (" + shape_str(split.y.shape()) + ")");
  const std::vector<int32_t> labels = split.y.to_vector<int32_t>();
  for (size_t i = 0; i < labels.size(); ++i) {
    const int32_t c = labels[i];
    GS_CHECK(c >= 0 && c < num_classes, "index_classes: row " + std::to_string(i) + " has label " +
                                             std::to_string(c) + " outside 0.." + std::to_string(num_classes - 1));
    ++idx.counts[static_cast<size_t>(c)];
    idx.rows[static_cast<size_t>(c)].push_back(static_cast<int64_t>(i));
  }
  return idx;
}

std::vector<uint8_t> image_bytes(const Split& split, int64_t row) {
  const Shape& s = split.x.shape();
  GS_CHECK(s.size() == 4 && split.x.dtype() == DType::f32,
           "image_bytes: the split does not hold N x H x W x C f32 images but " + std::string(dtype_name(split.x.dtype())) +
               "[" + shape_str(s) + "]");
  GS_CHECK(row >= 0 && row < s[0], "image_bytes: row " + std::to_string(row) + " is outside 0.." + std::to_string(s[0] - 1));
  const int64_t n = s[1] * s[2] * s[3];
  const float* p = split.x.data<float>() + row * n;
  std::vector<uint8_t> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const float v = std::isnan(p[i]) ? 0.0f : std::clamp(p[i], 0.0f, 1.0f);
    out[static_cast<size_t>(i)] = static_cast<uint8_t>(std::lround(v * 255.0f));
  }
  return out;
}

}  // namespace engine::data
