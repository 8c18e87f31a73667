// Small helpers shared by the unit tests.
#pragma once
#include <string>

#include "engine/core/error.h"

// The message of the engine::Error that f() throws, or "no error" when it throws none, so a
// test can check both that an error happens and what it says.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const engine::Error& e) {
    return e.what();
  }
  return "no error";
}
