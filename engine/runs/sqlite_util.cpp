#include "engine/runs/sqlite_util.h"

#include "engine/core/error.h"

namespace engine::runs::detail {

void throw_sqlite(sqlite3* db, const std::string& path, const std::string& what) {
  const int code = db ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
  std::string msg = "runs database '" + path + "': " + what + ": " +
                    (db ? sqlite3_errmsg(db) : "cannot allocate a connection");
  switch (code & 0xff) {
    case SQLITE_READONLY:
      msg += " (the database is read-only: check the file's and its directory's permissions)";
      break;
    case SQLITE_FULL:
      msg += " (free disk space, or raise the database's size limit)";
      break;
    case SQLITE_BUSY:
      msg += " (another process held the database lock for longer than the busy timeout)";
      break;
    default:
      break;
  }
  throw Error(msg);
}

Stmt::Stmt(sqlite3* db, const std::string& path, std::string_view sql)
    : db_(db), path_(path), sql_(sql) {
  if (sqlite3_prepare_v2(db, sql_.data(), static_cast<int>(sql_.size()), &stmt_, nullptr) != SQLITE_OK)
    throw_sqlite(db_, path_, "preparing '" + sql_ + "'");
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt& Stmt::bind(int i, int64_t v) {
  if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) throw_sqlite(db_, path_, "binding " + sql_);
  return *this;
}

Stmt& Stmt::bind(int i, double v) {
  if (sqlite3_bind_double(stmt_, i, v) != SQLITE_OK) throw_sqlite(db_, path_, "binding " + sql_);
  return *this;
}

Stmt& Stmt::bind(int i, const std::string& v) {
  if (sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    throw_sqlite(db_, path_, "binding " + sql_);
  return *this;
}

Stmt& Stmt::bind(int i, std::optional<int64_t> v) { return v ? bind(i, *v) : bind_null(i); }

Stmt& Stmt::bind_null(int i) {
  if (sqlite3_bind_null(stmt_, i) != SQLITE_OK) throw_sqlite(db_, path_, "binding " + sql_);
  return *this;
}

bool Stmt::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_sqlite(db_, path_, "running '" + sql_ + "'");
}

void Stmt::run() {
  while (step()) {
  }
}

void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Stmt::int64(int col) const { return sqlite3_column_int64(stmt_, col); }
double Stmt::real(int col) const { return sqlite3_column_double(stmt_, col); }
bool Stmt::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::string Stmt::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}

void exec(sqlite3* db, const std::string& path, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    sqlite3_free(err);  // sqlite3_errmsg(db) holds the same text
    throw_sqlite(db, path, "running '" + sql + "'");
  }
}

Transaction::Transaction(sqlite3* db, const std::string& path) : db_(db), path_(path) {
  exec(db_, path_, "BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  exec(db_, path_, "COMMIT");
  done_ = true;
}

}  // namespace engine::runs::detail
