// BufferPool: recycled storage for arrays, so that repeated work stops paying page faults.
//
// Fresh large blocks cost a page fault per 4 KiB on first touch, because glibc hands big blocks
// back to the kernel when they are freed; in the MLP training step that was a third of the time.
// Work that repeats (a training step, jitted or eager, a lab walk) allocates the same sizes again
// and again, so a freed block is kept, by exact size, for the next array of that size.
//
// Which pool an allocation uses:
//  - a compiled step runs under a BufferPool::Scope of its own executable's pool, so its
//    activations, gradients and new parameters recycle among themselves: after the first steps a
//    compiled step allocates nothing from the system;
//  - everything else (eager ops, op by op) uses the process-wide pool, for blocks of at least
//    kProcessMinBytes: smaller ones glibc already recycles from its own free lists, without a
//    page fault and without this pool's lock.
// Every buffer goes back to the pool it came from when its last Array dies, on whatever thread,
// so reuse follows liveness exactly (reference counts say when a value is dead). A pool keeps at
// most max_held_bytes of free blocks; past that it frees the blocks given back longest ago, so
// sizes a program no longer uses drain away instead of pinning memory.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace engine {

class BufferPool : public std::enable_shared_from_this<BufferPool> {
 public:
  static constexpr size_t kProcessMinBytes = size_t{64} << 10;

  explicit BufferPool(size_t max_held_bytes = size_t{1} << 30) : max_held_(max_held_bytes) {}
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // A free block of exactly nbytes (a multiple of 64, 64-byte aligned), or nullptr.
  void* take(size_t nbytes);
  // Keeps a block taken from the system or the pool for reuse (or frees it; see above).
  void give(void* block, size_t nbytes);
  // Frees every block held.
  void clear();

  size_t held_bytes() const;
  size_t max_held_bytes() const { return max_held_; }
  int64_t reused() const;  // blocks handed out again so far

  // The pool an allocation of nbytes on this thread draws from: the innermost Scope's, else the
  // process-wide pool for blocks of at least kProcessMinBytes, else none (the system allocator).
  static BufferPool* for_allocation(size_t nbytes);
  // The pool of the calling thread's innermost Scope, or nullptr.
  static BufferPool* current();
  // The pool of eager work. It holds at most GS_EAGER_POOL_BYTES (default: an eighth of the
  // physical memory, at most 1 GiB; 0 turns it off).
  static BufferPool& process();

  class Scope {
   public:
    explicit Scope(BufferPool* pool);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    BufferPool* previous_;
  };

 private:
  struct Free {
    void* block;
    size_t nbytes;
  };
  // Free blocks oldest first, and by size (each size's deque oldest first) pointing into it.
  using Order = std::list<Free>;

  mutable std::mutex mutex_;
  Order order_;
  std::unordered_map<size_t, std::deque<Order::iterator>> by_size_;
  size_t held_ = 0;
  size_t max_held_;
  int64_t reused_ = 0;
};

}  // namespace engine
