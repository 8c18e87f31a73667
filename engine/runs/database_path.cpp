#include "engine/runs/database_path.h"

#include <cstdlib>

#include "engine/runs/run_store.h"

namespace engine::runs {

std::string resolve_database_path(const std::string& option) {
  if (!option.empty()) return option;
  if (const char* env = std::getenv("GS_DB"); env && *env) return env;
  return default_database_path();
}

}  // namespace engine::runs
