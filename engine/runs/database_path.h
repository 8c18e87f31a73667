// Which runs database a program opens: the one named on its command line (--db), else $GS_DB,
// else the default (run_store.h). The CLI and the studio resolve it the same way, so both see
// the same runs.
#pragma once
#include <string>

namespace engine::runs {

std::string resolve_database_path(const std::string& option);

}  // namespace engine::runs
