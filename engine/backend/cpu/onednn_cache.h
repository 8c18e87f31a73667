// Internal to backend/cpu: the oneDNN engine, a stream per thread, and the process-wide cache of
// primitives keyed by everything that determines them (kind, dims, strides, dtype, params).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <oneapi/dnnl/dnnl.hpp>

#include "engine/core/array.h"
#include "engine/core/shape.h"

namespace engine::cpu {

dnnl::engine& onednn_engine();
dnnl::stream& onednn_stream();  // thread-local: a stream is not shared between threads

// A cached plan: the primitive plus whatever a kernel needs to run it (memory descriptors of the
// layouts the primitive chose, reorders into and out of them).
struct Plan {
  virtual ~Plan() = default;
};

// Returns the plan for key, building it with make() on a miss. make() may return nullptr (the
// case has no oneDNN kernel); that answer is cached too, so the check is not repeated. Thread
// safe: the map is guarded by a mutex; plans are immutable once built and oneDNN primitives may
// execute concurrently.
std::shared_ptr<const Plan> cached_plan(const std::string& key,
                                        const std::function<std::shared_ptr<Plan>()>& make);
int64_t plan_cache_size();

// Key fragments.
std::string key_of(const std::vector<int64_t>& v);

// A memory descriptor over plain strided f32 storage.
inline dnnl::memory::desc f32_desc(const dnnl::memory::dims& dims,
                                   const dnnl::memory::dims& strides) {
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, strides);
}

// A reorder between a user layout and the layout a primitive chose, built once with its plan;
// a no-op when the two are the same.
struct Reorder {
  Reorder() = default;
  Reorder(const dnnl::memory::desc& from, const dnnl::memory::desc& to);
  bool needed = false;
  dnnl::memory::desc from, to;
  dnnl::reorder prim;
};

// 64-byte aligned scratch for reordered operands, freed when it goes out of scope. Held as an
// Array so that inside a compiled step it comes from (and returns to) the step's BufferPool.
struct Scratch {
  explicit Scratch(size_t nbytes);
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  Array storage;
  void* data = nullptr;
};

// Every primitive here is created with this attribute (scratchpad_mode::user) and run through
// execute(), which hands it a scratchpad of its own from the step's pool. With the library's
// scratchpad (the default), a oneDNN built without DNNL_ENABLE_CONCURRENT_EXEC, as Debian's is,
// shares one scratchpad among all primitives, and a primitive must run on the thread that created
// it; our cached plans are shared by every thread (two trainers at once computed wrong numbers).
dnnl::primitive_attr user_scratchpad(dnnl::primitive_attr attr = {});
// Runs `prim` on `args` plus its scratchpad, and waits for it.
void execute(const dnnl::primitive& prim, std::unordered_map<int, dnnl::memory> args);

// Memory for the primitive's side of r over user data at `user`: the user buffer itself when no
// reorder is needed, else a scratch buffer filled (if `fill`) by running the reorder.
dnnl::memory primitive_side(const Reorder& r, void* user, std::unique_ptr<Scratch>& scratch,
                            bool fill);
// Copies the primitive's result back into the user layout when they differ.
void write_back(const Reorder& back, const dnnl::memory& result, void* user);

}  // namespace engine::cpu
