#include "engine/core/buffer_pool.h"

#include <cstdlib>

namespace engine {

namespace {
thread_local BufferPool* t_current = nullptr;
}  // namespace

BufferPool::~BufferPool() {
  for (auto& [size, blocks] : free_)
    for (void* b : blocks) std::free(b);
}

void* BufferPool::take(size_t nbytes) {
  std::lock_guard lock(mutex_);
  auto it = free_.find(nbytes);
  if (it == free_.end() || it->second.empty()) return nullptr;
  void* b = it->second.back();
  it->second.pop_back();
  held_ -= nbytes;
  ++reused_;
  return b;
}

void BufferPool::give(void* block, size_t nbytes) {
  {
    std::lock_guard lock(mutex_);
    if (held_ + nbytes <= max_held_) {
      free_[nbytes].push_back(block);
      held_ += nbytes;
      return;
    }
  }
  std::free(block);
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

BufferPool::Scope::Scope(BufferPool* pool) : previous_(t_current) { t_current = pool; }
BufferPool::Scope::~Scope() { t_current = previous_; }

}  // namespace engine
