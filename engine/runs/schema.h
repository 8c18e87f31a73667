// The runs database schema as an ordered list of migrations. PRAGMA user_version holds the
// number of migrations applied; opening a database applies the missing ones in order, each in
// its own transaction together with its user_version bump, so a crash mid-upgrade leaves the
// previous version intact. Migrations are append-only: never edit a released step.
#pragma once
#include <sqlite3.h>

#include <string>
#include <vector>

namespace engine::runs::detail {

// migrations()[i] upgrades version i to version i + 1.
const std::vector<std::string>& migrations();
inline int schema_version() { return static_cast<int>(migrations().size()); }

// Brings the database to schema_version(); refuses a database newer than this program.
void migrate(sqlite3* db, const std::string& path);

}  // namespace engine::runs::detail
