// Errors the engine raises. One type, with a message a user can act on: it names the shape, the
// layer, the file or the position at fault. The GUI and CLI show what() as is.
#pragma once
#include <stdexcept>
#include <string>

namespace engine {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Checks a user-facing precondition; the message is built only when the check fails.
#define GS_CHECK(cond, msg)                                   \
  do {                                                        \
    if (!(cond)) throw ::engine::Error(std::string() + msg); \
  } while (0)

}  // namespace engine
