// Browsing a classification split by class: how many examples each class has, which rows are of
// a class, and one example as 8-bit pixels (what the studio's Dataset panel paints).
//
//   ClassIndex idx = index_classes(ds.train, ds.num_classes);
//   idx.counts[3];              // examples of class 3
//   idx.rows_of(3);             // their row numbers, in file order
#pragma once
#include <cstdint>
#include <vector>

#include "engine/data/dataset.h"

namespace engine::data {

struct ClassIndex {
  std::vector<int64_t> counts;             // per class
  std::vector<std::vector<int64_t>> rows;  // per class, ascending
  const std::vector<int64_t>& rows_of(int64_t cls) const;  // throws for a class out of range
};

// Reads the split's integer labels (shape [N]); a label outside [0, num_classes) is an error
// naming the row.
ClassIndex index_classes(const Split& split, int64_t num_classes);

// Example `row` of an N x H x W x C image split (f32 in [0, 1], clamped) as H*W*C bytes, row-major.
std::vector<uint8_t> image_bytes(const Split& split, int64_t row);

}  // namespace engine::data
