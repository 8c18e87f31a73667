// The syntax tree of the expression language (see expr.h for the language itself).
//
// Nodes are immutable and shared, so a Program copies cheaply into the closures that the
// transformations keep (a FlatFn must be copyable). Every node remembers where it was written, so
// errors raised while evaluating it can point at the line and column.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "engine/core/error.h"

namespace engine::expr {

// 1-based line and column (columns count bytes).
struct Pos {
  int line = 1;
  int col = 1;
  std::string str() const { return std::to_string(line) + ":" + std::to_string(col); }
};

// An error in a program: the message starts with "line:col: ", and the position is kept for
// editors that want to underline it.
class ExprError : public Error {
 public:
  ExprError(Pos pos, const std::string& message) : Error(pos.str() + ": " + message), pos_(pos) {}
  Pos pos() const { return pos_; }

 private:
  Pos pos_;
};

enum class NodeKind { number, boolean, none, variable, unary, binary, call, tuple, transpose };
enum class BinOp { add, sub, mul, div, matmul, pow, lt, le, gt, ge, eq, ne };
std::string_view binop_symbol(BinOp op);  // "+", "@", "**", "<=", ...

struct Node;
using NodePtr = std::shared_ptr<const Node>;

struct Keyword {
  std::string name;
  Pos pos;
  NodePtr value;
};

struct Node {
  NodeKind kind = NodeKind::number;
  Pos pos;                // the token that names the operation (operator, function name, literal)
  double number = 0;      // number, boolean (0/1)
  bool is_int = false;    // an integer literal: 2 rather than 2.0 (x**2 is integer_pow, x**2.0 pow)
  std::string name;       // variable or function name
  BinOp op = BinOp::add;  // binary
  std::vector<NodePtr> args;  // operands, call arguments, tuple items
  std::vector<Keyword> keywords;
  int depth = 1;  // height of this subtree, bounded by kMaxTreeHeight
};

// `name = value` or, with an empty target, a bare expression. The last statement of a program is
// an expression: its value is the program's result.
struct Statement {
  std::string target;
  Pos pos;
  NodePtr value;
};

struct Program {
  std::vector<Statement> statements;
  const Node& result() const { return *statements.back().value; }
};

// How deeply expressions may nest; deeper input is refused with an error rather than risking the
// stack. Two limits: parentheses and calls nest the parser's own recursion (several frames per
// level), while a flat chain such as a + b + c + ... is parsed in a loop and only makes the tree
// taller (evaluating and freeing it recurse once per level), so long sums stay allowed.
inline constexpr int kMaxDepth = 200;       // nesting of parentheses, calls and unary operators
inline constexpr int kMaxTreeHeight = 2000;  // height of the tree (flat chains of operators)

// Fully parenthesized text of an expression, e.g. "(-(x ** 2))": shows how it was parsed.
std::string to_string(const Node& node);
std::string to_string(const Program& program);  // statements joined by "; "

}  // namespace engine::expr
