// Helpers shared by run_store.cpp and run_queries.cpp (internal to engine/runs).
#pragma once
#include <string>

namespace engine::runs::detail {

std::string iso_now();  // UTC, millisecond precision: 2026-11-23T16:05:00.123Z

}  // namespace engine::runs::detail
