// What `gradient-cli train` and `resume` share: the runs database's path, and running a Trainer
// in the foreground with a progress display and Ctrl-C handling.
#pragma once
#include <string>

#include <CLI/CLI.hpp>

#include "engine/runs/run_store.h"
#include "engine/train/trainer.h"

namespace cli {

// Thrown by a command to end gradient-cli with this exit status (main() returns it).
struct ExitStatus {
  int code;
};

// --db if given, else $GS_DB, else the RunStore default ($XDG_DATA_HOME/gradient-studio/runs.db
// or ~/.local/share/gradient-studio/runs.db).
std::string database_path(const std::string& db_option);

// database_path for a command that creates runs (train): a --db or $GS_DB whose folder does not
// exist is refused naming the folder (a typo must not leave folders and an empty database
// behind); only the default database's folder is created.
std::string writer_database_path(const std::string& db_option);

// Adds --db PATH to a command; an empty PATH is a usage error naming --db (it silently meant the
// default database).
void add_db_option(CLI::App& cmd, std::string& db, const std::string& help);

// How a command that only reads opens the database: never creating it nor its folder (a missing
// one is an error naming it). A file it may not write (read-only media, another user's) opens
// read_only, so without journal_mode = WAL; one it may write opens as a writer does, so that runs
// whose writer died are marked 'interrupted' (the one write a reader makes, which readers
// without write access leave to the next writer).
engine::runs::RunStoreOptions reader_options(const std::string& db_option);

enum class OutputMode {
  automatic,  // a live progress bar when stdout is a terminal, one line per epoch otherwise
  json,       // one JSON event per line
};

// Starts the trainer and shows its events until it ends. SIGINT/SIGTERM stop it between steps
// (the run is saved as 'stopped' with a checkpoint); a second signal ends the process at once.
// A closed stdout (the reader of a pipe went away) stops it the same way. Returns the exit status:
// 0 finished, 1 diverged or failed, 130 stopped by a signal, 141 stopped by a closed stdout, 0
// stopped otherwise.
int run_in_foreground(engine::train::Trainer& trainer, OutputMode mode, const std::string& db_path);

}  // namespace cli
