#include "engine/core/buffer_pool.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

// Under AddressSanitizer a held block is poisoned, so a use after its Array died is still caught.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GS_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define GS_ASAN 1
#endif
#ifdef GS_ASAN
#include <sanitizer/asan_interface.h>
#define GS_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define GS_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define GS_POISON(p, n) ((void)(p), (void)(n))
#define GS_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace engine {

namespace {

thread_local BufferPool* t_current = nullptr;

size_t process_pool_bytes() {
  if (const char* env = std::getenv("GS_EAGER_POOL_BYTES")) {
    char* end = nullptr;
    long long v = std::strtoll(env, &end, 10);
    if (end != env && *end == '\0' && v >= 0) return static_cast<size_t>(v);
  }
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  const size_t one_gib = size_t{1} << 30;
  if (pages <= 0 || page <= 0) return one_gib;
  return std::min(one_gib, static_cast<size_t>(pages) * static_cast<size_t>(page) / 8);
}

}  // namespace

BufferPool::~BufferPool() { clear(); }

void* BufferPool::take(size_t nbytes) {
  std::lock_guard lock(mutex_);
  auto it = by_size_.find(nbytes);
  if (it == by_size_.end() || it->second.empty()) return nullptr;
  Order::iterator newest = it->second.back();  // the most recently used block is the warmest
  it->second.pop_back();
  void* block = newest->block;
  order_.erase(newest);
  held_ -= nbytes;
  ++reused_;
  GS_UNPOISON(block, nbytes);
  return block;
}

void BufferPool::give(void* block, size_t nbytes) {
  std::vector<Free> evicted;
  {
    std::lock_guard lock(mutex_);
    if (nbytes > max_held_) {
      evicted.push_back({block, nbytes});
    } else {
      while (held_ + nbytes > max_held_) {
        const Free oldest = order_.front();
        std::deque<Order::iterator>& same = by_size_[oldest.nbytes];
        same.pop_front();  // the oldest block of its size is the oldest of all of that size
        order_.pop_front();
        held_ -= oldest.nbytes;
        evicted.push_back(oldest);
      }
      GS_POISON(block, nbytes);
      by_size_[nbytes].push_back(order_.insert(order_.end(), Free{block, nbytes}));
      held_ += nbytes;
    }
  }
  for (const Free& f : evicted) {
    GS_UNPOISON(f.block, f.nbytes);
    std::free(f.block);
  }
}

void BufferPool::clear() {
  std::lock_guard lock(mutex_);
  for (const Free& f : order_) {
    GS_UNPOISON(f.block, f.nbytes);
    std::free(f.block);
  }
  order_.clear();
  by_size_.clear();
  held_ = 0;
}

size_t BufferPool::held_bytes() const {
  std::lock_guard lock(mutex_);
  return held_;
}

int64_t BufferPool::reused() const {
  std::lock_guard lock(mutex_);
  return reused_;
}

BufferPool* BufferPool::current() { return t_current; }

BufferPool& BufferPool::process() {
  // Never destroyed: blocks of arrays that outlive static destruction still hold it.
  static auto* pool = new std::shared_ptr<BufferPool>(std::make_shared<BufferPool>(process_pool_bytes()));
  return **pool;
}

BufferPool* BufferPool::for_allocation(size_t nbytes) {
  if (t_current) return t_current;
  if (nbytes < kProcessMinBytes) return nullptr;
  BufferPool& p = process();
  return p.max_held_bytes() > 0 ? &p : nullptr;
}

BufferPool::Scope::Scope(BufferPool* pool) : previous_(t_current) { t_current = pool; }
BufferPool::Scope::~Scope() { t_current = previous_; }

}  // namespace engine
