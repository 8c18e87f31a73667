// Mini-batches of a split, shuffled per epoch by a keyed permutation (JAX style: the order of
// epoch e is random::permutation(fold_in(key, e), n)), so a run is reproducible from its seed.
#pragma once
#include <vector>

#include "engine/data/dataset.h"

namespace engine::data {

class Batcher {
 public:
  // key: a PRNG key (u32[2]); shuffle=false keeps the split's order.
  Batcher(Split split, int64_t batch_size, Array key, bool shuffle = true, bool drop_remainder = true);

  int64_t num_batches() const;
  int64_t batch_size() const { return batch_size_; }
  void start_epoch(int64_t epoch);  // draws the epoch's order
  // Batch i of the current epoch: rows of x and y in the epoch's order.
  std::pair<Array, Array> batch(int64_t i) const;
  const std::vector<int64_t>& order() const { return order_; }

 private:
  Split split_;
  int64_t batch_size_;
  Array key_;
  bool shuffle_, drop_remainder_;
  std::vector<int64_t> order_;
};

// Rows `rows` of a (gather along axis 0).
Array take_rows(const Array& a, const int64_t* rows, int64_t count);

}  // namespace engine::data
