// Thin RAII over the SQLite C API for engine/runs (internal: only engine/runs/*.cpp include it, so
// sqlite3.h stays out of the engine's public headers).
//
// Every statement is prepared and its values bound; no user text is ever spliced into SQL.
// Errors name the database file and carry SQLite's own message.
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace engine::runs::detail {

// "runs database '/x/runs.db': <what>: <sqlite message>", with a hint for read-only and full
// databases (the two write failures a user can fix).
[[noreturn]] void throw_sqlite(sqlite3* db, const std::string& path, const std::string& what);

class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& path, std::string_view sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Binds are 1-based, like SQLite's.
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, double v);
  Stmt& bind(int i, const std::string& v);
  Stmt& bind(int i, std::optional<int64_t> v);
  Stmt& bind_null(int i);

  bool step();  // true while a row is available; throws on error
  void run();   // steps a statement that returns no rows
  void reset();  // for reuse with new bindings

  int64_t int64(int col) const;
  double real(int col) const;
  std::string text(int col) const;  // "" for NULL
  bool is_null(int col) const;

 private:
  sqlite3* db_;
  const std::string& path_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

// Runs SQL that binds nothing (pragmas, schema steps, BEGIN/COMMIT).
void exec(sqlite3* db, const std::string& path, const std::string& sql);

// A transaction that rolls back unless committed; BEGIN IMMEDIATE takes the write lock up front
// so a busy database waits (busy_timeout) at BEGIN rather than failing half way through.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::string& path);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  sqlite3* db_;
  const std::string& path_;
  bool done_ = false;
};

}  // namespace engine::runs::detail
