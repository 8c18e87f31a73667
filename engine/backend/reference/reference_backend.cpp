#include <mutex>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/backend/cpu/cpu_backend.h"

namespace engine {

namespace {

class ExecuteKernel final : public PreparedKernel {
 public:
  ExecuteKernel(Backend& b, PrimId prim, const Params& params) : backend_(b), prim_(prim), params_(params) {}
  std::vector<Array> run(std::span<const Array> inputs) const override {
    return backend_.execute(prim_, inputs, params_);
  }

 private:
  Backend& backend_;
  PrimId prim_;
  const Params& params_;
};

// The reference kernel with the output avals computed at compile time.
class ImplKernel final : public PreparedKernel {
 public:
  ImplKernel(PrimId prim, const Params& params, std::span<const Aval> out)
      : impl_(rules(prim).impl), params_(params), out_(out.begin(), out.end()) {}
  std::vector<Array> run(std::span<const Array> inputs) const override { return impl_(inputs, params_, out_); }

 private:
  ImplRule impl_;
  const Params& params_;
  std::vector<Aval> out_;
};

class ReferenceBackend final : public Backend {
 public:
  std::string name() const override { return "reference"; }
  std::vector<Array> execute(PrimId prim, std::span<const Array> inputs,
                             const Params& params) override {
    const PrimitiveRules& r = rules(prim);
    std::vector<Aval> in_avals;
    in_avals.reserve(inputs.size());
    for (const Array& a : inputs) in_avals.push_back({a.shape(), a.dtype()});
    std::vector<Aval> out_avals = r.shape(in_avals, params);
    GS_CHECK(r.impl, "primitive " + std::string(r.name) + " has no reference kernel");
    return r.impl(inputs, params, out_avals);
  }
  std::unique_ptr<PreparedKernel> prepare(PrimId prim, std::span<const Aval> in, const Params& params,
                                          std::span<const Aval> out) override {
    if (!rules(prim).impl) return Backend::prepare(prim, in, params, out);  // execute() reports it
    return std::make_unique<ImplKernel>(prim, params, out);
  }
};

struct Registry {
  std::mutex mutex;
  std::vector<Backend*> backends;
  Backend* process_default = nullptr;
};

Registry& registry() {
  static Registry r;
  return r;
}

thread_local Backend* thread_default = nullptr;

}  // namespace

std::unique_ptr<PreparedKernel> Backend::prepare(PrimId prim, std::span<const Aval>, const Params& params,
                                                 std::span<const Aval>) {
  return std::make_unique<ExecuteKernel>(*this, prim, params);
}

std::unique_ptr<PreparedKernel> Backend::prepare_permuted(PrimId, std::span<const Aval>, std::span<const IntList>,
                                                          const Params&, const Aval&, const IntList&) {
  return nullptr;
}

std::unique_ptr<PreparedKernel> Backend::prepare_with_epilogue(PrimId, std::span<const Aval>, const Params&,
                                                               const Aval&, std::span<const EpilogueOp>) {
  return nullptr;
}

Backend& reference_backend() {
  static ReferenceBackend backend;
  return backend;
}

Backend& default_backend() {
  if (thread_default) return *thread_default;
  register_cpu_backend();  // the cpu backend is the process default once anything asks
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return r.process_default ? *r.process_default : reference_backend();
}

void set_default_backend(Backend* backend) { thread_default = backend; }

void register_backend(Backend* backend, bool make_process_default) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.backends.push_back(backend);
  if (make_process_default) r.process_default = backend;
}

Backend* find_backend(const std::string& name) {
  if (name == "reference") return &reference_backend();
  register_cpu_backend();
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  for (Backend* b : r.backends)
    if (b->name() == name) return b;
  return nullptr;
}

}  // namespace engine
