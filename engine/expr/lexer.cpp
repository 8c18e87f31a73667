#include "engine/expr/lexer.h"

#include <cctype>
#include <cstdio>

namespace engine::expr {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_ident_char(char c) {
  return is_ident_start(c) || is_digit(c);
}

// The character at s[i] as a person reads it: 'λ' (U+03BB) for UTF-8 text, \x01 for a control
// byte or a byte that does not start valid UTF-8.
std::string describe_char(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80 && std::isprint(c)) return std::string("'") + static_cast<char>(c) + "'";
  const int len = c >= 0xf0 && c < 0xf8 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  bool valid = len > 0 && i + static_cast<size_t>(len) <= s.size();
  uint32_t code = valid ? c & (0x7f >> len) : 0;
  for (int k = 1; valid && k < len; ++k) {
    valid = (byte(i + k) & 0xc0) == 0x80;
    code = (code << 6) | (byte(i + k) & 0x3f);
  }
  char buf[32];
  if (!valid) {
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    return buf;
  }
  std::snprintf(buf, sizeof buf, " (U+%04X)", static_cast<unsigned>(code));
  return "'" + std::string(s.substr(i, static_cast<size_t>(len))) + "'" + buf;
}

}  // namespace

std::string_view token_name(Tok kind) {
  switch (kind) {
    case Tok::number:
      return "a number";
    case Tok::ident:
      return "a name";
    case Tok::lparen:
      return "'('";
    case Tok::rparen:
      return "')'";
    case Tok::comma:
      return "','";
    case Tok::dot:
      return "'.'";
    case Tok::assign:
      return "'='";
    case Tok::semicolon:
      return "';'";
    case Tok::newline:
      return "end of line";
    case Tok::end:
      return "end of input";
    case Tok::plus:
      return "'+'";
    case Tok::minus:
      return "'-'";
    case Tok::star:
      return "'*'";
    case Tok::slash:
      return "'/'";
    case Tok::at:
      return "'@'";
    case Tok::starstar:
      return "'**'";
    case Tok::lt:
      return "'<'";
    case Tok::le:
      return "'<='";
    case Tok::gt:
      return "'>'";
    case Tok::ge:
      return "'>='";
    case Tok::eqeq:
      return "'=='";
    case Tok::ne:
      return "'!='";
  }
  return "?";
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  int line = 1;
  size_t line_start = 0;
  int brackets = 0;  // newlines inside brackets are plain whitespace
  size_t i = 0;
  auto pos_at = [&](size_t k) { return Pos{line, static_cast<int>(k - line_start) + 1}; };
  auto push = [&](Tok kind, size_t start, size_t len) {
    out.push_back({kind, pos_at(start), std::string(s.substr(start, len))});
    i = start + len;
  };
  while (i < s.size()) {
    char c = s[i];
    if (c == '\n') {
      if (brackets == 0)
        push(Tok::newline, i, 1);
      else
        ++i;
      ++line;
      line_start = i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    if (c == '#') {
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    size_t start = i;
    if (is_digit(c) || (c == '.' && i + 1 < s.size() && is_digit(s[i + 1]))) {
      size_t k = i;
      while (k < s.size() && is_digit(s[k])) ++k;
      if (k < s.size() && s[k] == '.') {
        ++k;
        while (k < s.size() && is_digit(s[k])) ++k;
      }
      if (k < s.size() && (s[k] == 'e' || s[k] == 'E')) {
        size_t e = k + 1;
        if (e < s.size() && (s[e] == '+' || s[e] == '-')) ++e;
        if (e >= s.size() || !is_digit(s[e]))
          throw ExprError(pos_at(start), "malformed number '" +
                                             std::string(s.substr(start, e - start)) +
                                             "': the exponent needs digits");
        while (e < s.size() && is_digit(s[e])) ++e;
        k = e;
      }
      if (k < s.size() && is_ident_start(s[k]))
        throw ExprError(pos_at(start),
                        "malformed number '" + std::string(s.substr(start, k - start + 1)) + "'");
      push(Tok::number, start, k - start);
      continue;
    }
    if (is_ident_start(c)) {
      size_t k = i;
      while (k < s.size() && is_ident_char(s[k])) ++k;
      push(Tok::ident, start, k - start);
      continue;
    }
    char next = i + 1 < s.size() ? s[i + 1] : '\0';
    switch (c) {
      case '(':
        ++brackets;
        push(Tok::lparen, i, 1);
        continue;
      case ')':
        if (brackets > 0) --brackets;
        push(Tok::rparen, i, 1);
        continue;
      case ',':
        push(Tok::comma, i, 1);
        continue;
      case '.':
        push(Tok::dot, i, 1);
        continue;
      case ';':
        push(Tok::semicolon, i, 1);
        continue;
      case '+':
        push(Tok::plus, i, 1);
        continue;
      case '-':
        push(Tok::minus, i, 1);
        continue;
      case '/':
        push(Tok::slash, i, 1);
        continue;
      case '@':
        push(Tok::at, i, 1);
        continue;
      case '*':
        push(next == '*' ? Tok::starstar : Tok::star, i, next == '*' ? 2 : 1);
        continue;
      case '<':
        push(next == '=' ? Tok::le : Tok::lt, i, next == '=' ? 2 : 1);
        continue;
      case '>':
        push(next == '=' ? Tok::ge : Tok::gt, i, next == '=' ? 2 : 1);
        continue;
      case '=':
        push(next == '=' ? Tok::eqeq : Tok::assign, i, next == '=' ? 2 : 1);
        continue;
      case '!':
        if (next == '=') {
          push(Tok::ne, i, 2);
          continue;
        }
        break;
      default:
        break;
    }
    throw ExprError(pos_at(start), "unexpected character " + describe_char(s, i));
  }
  out.push_back({Tok::end, pos_at(i), ""});
  return out;
}

}  // namespace engine::expr
