#include "engine/build_info.h"

#include <fstream>

#include <dnnl.hpp>
#include <omp.h>
#include <sqlite3.h>

#include "engine/backend/backend.h"
#include "engine/core/simd_dispatch.h"

namespace engine {

namespace {

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
  }
  return "unknown CPU";
}

std::string isa_name(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "isa " + std::to_string(static_cast<int>(isa));
  }
}

}  // namespace

const BuildInfo& build_info() {
  static const BuildInfo info = [] {
    BuildInfo b;
    b.version = GS_VERSION;
    b.git_commit = GS_GIT_COMMIT;
    for (const char* name : {"cpu", "reference", "cuda"})
      if (find_backend(name)) b.backends.push_back(name);
    const dnnl_version_t* v = dnnl_version();
    b.onednn_version = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
    b.sqlite_version = sqlite3_libversion();
    b.cpu_model = cpu_model_name();
    b.cpu_isa = isa_name(dnnl::get_effective_cpu_isa());
    b.loop_isa = simd_level_name(simd_level());
    b.threads = omp_get_max_threads();
    return b;
  }();
  return info;
}

std::string version_string() {
  const BuildInfo& b = build_info();
  return b.version + (b.git_commit.empty() ? "" : " (commit " + b.git_commit + ")");
}

}  // namespace engine
