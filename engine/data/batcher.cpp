#include "engine/data/batcher.h"

#include <cstring>
#include <numeric>

#include "engine/random/random.h"

namespace engine::data {

Batcher::Batcher(Split split, int64_t batch_size, Array key, bool shuffle, bool drop_remainder)
    : split_(std::move(split)), batch_size_(batch_size), key_(std::move(key)), shuffle_(shuffle),
      drop_remainder_(drop_remainder) {
  GS_CHECK(batch_size > 0, "batch size must be positive, got " + std::to_string(batch_size));
  // take_rows copies row r of x and of y: both need a leading example axis of the same length.
  GS_CHECK(split_.x.valid() && split_.y.valid() && split_.x.rank() >= 1 && split_.y.rank() >= 1,
           "the dataset split needs x and y arrays with an example axis");
  GS_CHECK(split_.x.shape()[0] == split_.y.shape()[0],
           "the dataset split has " + std::to_string(split_.x.shape()[0]) + " inputs (x " + split_.x.aval_str() +
               ") but " + std::to_string(split_.y.shape()[0]) + " targets (y " + split_.y.aval_str() + ")");
  GS_CHECK(split_.size() > 0, "the dataset split is empty");
  GS_CHECK(!drop_remainder || batch_size <= split_.size(),
           "batch size " + std::to_string(batch_size) + " is larger than the dataset (" +
               std::to_string(split_.size()) + " examples)");
  random::check_key(key_, "Batcher");
  start_epoch(0);
}

int64_t Batcher::num_batches() const {
  int64_t n = split_.size();
  return drop_remainder_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

void Batcher::start_epoch(int64_t epoch) {
  int64_t n = split_.size();
  if (!shuffle_) {
    order_.resize(n);
    std::iota(order_.begin(), order_.end(), 0);
    return;
  }
  Array perm = random::permutation(random::fold_in(key_, static_cast<uint32_t>(epoch)), n);
  order_ = perm.to_vector<int64_t>();
}

std::pair<Array, Array> Batcher::batch(int64_t i) const {
  GS_CHECK(i >= 0 && i < num_batches(), "batch index " + std::to_string(i) + " out of range");
  int64_t start = i * batch_size_;
  int64_t count = std::min(batch_size_, split_.size() - start);
  return {take_rows(split_.x, order_.data() + start, count), take_rows(split_.y, order_.data() + start, count)};
}

Array take_rows(const Array& a, const int64_t* rows, int64_t count) {
  Shape s = a.shape();
  s[0] = count;
  Array out = Array::empty(a.dtype(), s);
  size_t row_bytes = a.nbytes() / static_cast<size_t>(a.shape()[0]);
  auto* dst = static_cast<char*>(out.mutable_raw());
  const auto* src = static_cast<const char*>(a.raw());
  for (int64_t r = 0; r < count; ++r) std::memcpy(dst + r * row_bytes, src + rows[r] * row_bytes, row_bytes);
  return out;
}

}  // namespace engine::data
