// Tokens of the expression language. Newlines end statements, except inside brackets (as in
// Python), so a long call can span lines; '#' starts a comment that runs to the end of the line.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "engine/expr/ast.h"

namespace engine::expr {

enum class Tok {
  number,
  ident,
  lparen,
  rparen,
  comma,
  dot,
  assign,
  semicolon,
  newline,
  end,
  plus,
  minus,
  star,
  slash,
  at,
  starstar,
  lt,
  le,
  gt,
  ge,
  eqeq,
  ne
};

struct Token {
  Tok kind;
  Pos pos;
  std::string text;  // the characters as written
};

// Throws ExprError at the first character that starts no token.
std::vector<Token> tokenize(std::string_view source);
std::string_view token_name(Tok kind);  // "')'", "a number", "end of input", ...

}  // namespace engine::expr
