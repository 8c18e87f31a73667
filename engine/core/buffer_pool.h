// BufferPool: recycled storage for the arrays a compiled step allocates.
//
// A jitted step allocates the same sizes on every call (activations, gradients, new parameters).
// Fresh large blocks cost a page fault per 4 KiB on first touch, because glibc hands big blocks
// back to the kernel when they are freed; in the MLP training step that was a third of the time.
// While a BufferPool::Scope is active on a thread, every Array allocated on that thread takes a
// free block of the same size from the pool when there is one, and every buffer allocated under
// the scope goes back to its pool when its last Array dies, on whatever thread. Reuse therefore
// follows liveness exactly (reference counts say when a value is dead), and in a training loop
// the parameters the caller drops become the next step's new parameters: after the first steps
// a compiled step allocates nothing from the system.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace engine {

class BufferPool : public std::enable_shared_from_this<BufferPool> {
 public:
  // Blocks beyond max_held_bytes (free in the pool at once) go back to the system.
  explicit BufferPool(size_t max_held_bytes = size_t{1} << 30) : max_held_(max_held_bytes) {}
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // A free block of exactly nbytes (a multiple of 64, 64-byte aligned), or nullptr.
  void* take(size_t nbytes);
  // Keeps a block taken from the system or the pool for reuse (or frees it; see above).
  void give(void* block, size_t nbytes);

  size_t held_bytes() const;
  int64_t reused() const;  // blocks handed out again so far

  // The pool of the calling thread's innermost Scope, or nullptr.
  static BufferPool* current();

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
  mutable std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  size_t held_ = 0;
  size_t max_held_;
  int64_t reused_ = 0;
};

}  // namespace engine
