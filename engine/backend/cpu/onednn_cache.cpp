#include "engine/backend/cpu/onednn_cache.h"

#include <cstdlib>
#include <mutex>

#include "engine/backend/cpu/cpu_backend.h"

namespace engine::cpu {

dnnl::engine& onednn_engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

dnnl::stream& onednn_stream() {
  thread_local dnnl::stream s(onednn_engine());
  return s;
}

namespace {
struct Cache {
  std::mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<const Plan>> plans;
};
Cache& cache() {
  static Cache c;
  return c;
}
}  // namespace

std::shared_ptr<const Plan> cached_plan(const std::string& key,
                                        const std::function<std::shared_ptr<Plan>()>& make) {
  Cache& c = cache();
  CpuCounters& counters = cpu_backend().counters();
  {
    std::lock_guard lock(c.mutex);
    auto it = c.plans.find(key);
    if (it != c.plans.end()) {
      ++counters.cache_hits;
      return it->second;
    }
  }
  // Built outside the lock (primitive creation can take milliseconds); two threads racing on one
  // key both build, and the first insert wins.
  std::shared_ptr<const Plan> plan = make();
  ++counters.cache_builds;
  std::lock_guard lock(c.mutex);
  return c.plans.emplace(key, std::move(plan)).first->second;
}

int64_t plan_cache_size() {
  std::lock_guard lock(cache().mutex);
  return static_cast<int64_t>(cache().plans.size());
}

std::string key_of(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (int64_t x : v) s += std::to_string(x) + ",";
  return s + ")";
}

Reorder::Reorder(const dnnl::memory::desc& from_md, const dnnl::memory::desc& to_md)
    : needed(from_md != to_md), from(from_md), to(to_md) {
  if (needed)
    prim = dnnl::reorder(dnnl::reorder::primitive_desc(onednn_engine(), from, onednn_engine(), to, user_scratchpad()));
}

dnnl::primitive_attr user_scratchpad(dnnl::primitive_attr attr) {
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

void execute(const dnnl::primitive& prim, std::unordered_map<int, dnnl::memory> args) {
  const dnnl_memory_desc_t* md = dnnl_primitive_desc_query_md(prim.get_primitive_desc(), dnnl_query_scratchpad_md, 0);
  const size_t size = md ? dnnl_memory_desc_get_size(md) : 0;
  std::unique_ptr<Scratch> scratchpad;
  if (size > 0) {
    scratchpad = std::make_unique<Scratch>(size);
    args.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(dnnl::memory::desc(*md), onednn_engine(), scratchpad->data));
  }
  dnnl::stream& s = onednn_stream();
  prim.execute(s, args);
  s.wait();  // before the scratchpad goes back to the pool
}

Scratch::Scratch(size_t nbytes)
    : storage(Array::empty(DType::f32, {static_cast<int64_t>((nbytes + 3) / 4)})),
      data(storage.mutable_raw()) {}

dnnl::memory primitive_side(const Reorder& r, void* user, std::unique_ptr<Scratch>& scratch,
                            bool fill) {
  dnnl::engine& eng = onednn_engine();
  if (!r.needed) return dnnl::memory(r.from, eng, user);
  scratch = std::make_unique<Scratch>(r.to.get_size());
  dnnl::memory out(r.to, eng, scratch->data);
  if (fill) execute(r.prim, {{DNNL_ARG_FROM, dnnl::memory(r.from, eng, user)}, {DNNL_ARG_TO, out}});
  return out;
}

void write_back(const Reorder& back, const dnnl::memory& result, void* user) {
  if (!back.needed) return;
  execute(back.prim, {{DNNL_ARG_FROM, result}, {DNNL_ARG_TO, dnnl::memory(back.to, onednn_engine(), user)}});
}

}  // namespace engine::cpu
