// Statistics of one leaf's values, for the Pytree Inspector and anyone else who wants to look at
// parameters: mean, std, min, max and L2 norm in one pass, and a histogram with N equal bins.
//
//   LeafStats s = leaf_stats(params["Dense_0"]["kernel"].leaf().array());
//   Histogram h = histogram(kernel, 50);   // bins over [s.min, s.max]
//
// Non-finite values (NaN, +-inf) are counted apart and left out of every other number, so a
// diverged layer still shows the spread of its finite part. Sums are in double: float32 sums of a
// million values lose digits. Any dtype is read (bool and ints as their values).
#pragma once
#include <cstdint>
#include <vector>

#include "engine/core/array.h"

namespace engine {

struct LeafStats {
  int64_t count = 0;   // elements in the leaf
  int64_t finite = 0;  // of which finite; the numbers below are over these
  int64_t nan = 0;
  int64_t inf = 0;     // +inf and -inf
  double mean = 0;     // NaN when there is no finite value (as are the next four)
  double std = 0;      // population standard deviation (NumPy's default, ddof = 0)
  double min = 0;
  double max = 0;
  double norm = 0;     // L2 norm, sqrt(sum x^2)
};

LeafStats leaf_stats(const Array& values);

struct Histogram {
  double lo = 0, hi = 0;        // the range the bins cover; bin i is [lo + i w, lo + (i+1) w)
  std::vector<int64_t> counts;  // the last bin also holds hi itself
  int64_t nonfinite = 0;        // NaN and inf, not in any bin
  double bin_width() const { return counts.empty() ? 0 : (hi - lo) / static_cast<double>(counts.size()); }
  double bin_center(size_t i) const { return lo + (static_cast<double>(i) + 0.5) * bin_width(); }
};

// `bins` (>= 1) equal bins over the finite values' [min, max]; when all finite values are equal the
// range is widened to [v - 0.5, v + 0.5] so the one value sits in the middle bin.
Histogram histogram(const Array& values, int bins);
// The same over a range the caller chooses (to compare leaves on one axis); values outside it
// are not counted (nor are they nonfinite).
Histogram histogram(const Array& values, int bins, double lo, double hi);

// Element-wise difference statistics of two leaves of one shape (b - a), for comparing
// checkpoints: the stats of the difference, plus the largest |b - a| relative to max|a|.
struct LeafDiff {
  LeafStats diff;        // of b - a
  double max_abs = 0;    // max |b - a| (NaN if there is a non-finite difference only)
  double relative = 0;   // max |b - a| / max |a| (inf when a is all zeros and b is not)
};
// Throws engine::Error naming both shapes when they differ.
LeafDiff leaf_diff(const Array& a, const Array& b);

}  // namespace engine
