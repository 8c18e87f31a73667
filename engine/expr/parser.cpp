// A recursive-descent parser, one function per precedence level (lowest first):
//   comparison  < <= > >= == !=   (not chainable)
//   additive    + -               (left-associative)
//   term        * / @             (left-associative)
//   unary       -x  +x
//   power       x ** y            (right-associative; binds tighter than a unary minus on its
//                                  left, looser on its right: -x**2 = -(x**2), 2**-1 = 2**(-1))
//   postfix     x.T
//   primary     number, name, call f(a, k=v), (expr), tuple (a, b), True, False, None
#include "engine/expr/parser.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <set>

#include "engine/expr/functions.h"
#include "engine/expr/lexer.h"

namespace engine::expr {

namespace {

std::string describe(const Token& t) {
  if (t.kind == Tok::number) return "number " + t.text;
  if (t.kind == Tok::ident) return "name '" + t.text + "'";
  return std::string(token_name(t.kind));
}

NodePtr make(Node node) {
  for (const NodePtr& a : node.args) node.depth = std::max(node.depth, a->depth + 1);
  for (const Keyword& k : node.keywords) node.depth = std::max(node.depth, k.value->depth + 1);
  if (node.depth > kMaxTreeHeight)
    throw ExprError(node.pos, "expression too long: more than " + std::to_string(kMaxTreeHeight) +
                                  " operations in one chain; split it with assignments (y = ...; y + ...)");
  return std::make_shared<const Node>(std::move(node));
}

NodePtr make_binary(BinOp op, Pos pos, NodePtr a, NodePtr b) {
  Node n;
  n.kind = NodeKind::binary;
  n.op = op;
  n.pos = pos;
  n.args = {std::move(a), std::move(b)};
  return make(std::move(n));
}

class Parser {
 public:
  explicit Parser(std::string_view source) : toks_(tokenize(source)) {}

  Program program() {
    Program p;
    skip_separators();
    while (peek().kind != Tok::end) {
      p.statements.push_back(statement());
      const Token& t = peek();
      if (t.kind == Tok::assign)
        throw ExprError(t.pos, "unexpected '=': an assignment is 'name = expression'");
      if (t.kind != Tok::end && t.kind != Tok::newline && t.kind != Tok::semicolon)
        throw ExprError(t.pos, "unexpected " + describe(t) + " after the expression");
      skip_separators();
    }
    if (p.statements.empty()) throw ExprError(peek().pos, "empty program: expected an expression");
    // Only the last statement is the result: an earlier one that assigns nothing would be lost
    // without a word (as 'sum(x*x)' in "sum(x*x)\n+1", which reads like one expression).
    for (size_t k = 0; k + 1 < p.statements.size(); ++k)
      if (p.statements[k].target.empty())
        throw ExprError(p.statements[k].pos,
                        "this statement's value is never used: only the last statement is the result "
                        "(continue an expression on one line, or assign it: 'y = ...')");
    const Statement& last = p.statements.back();
    if (!last.target.empty())
      throw ExprError(last.pos, "the program ends with an assignment to '" + last.target +
                                    "'; its last statement must be an expression (the result)");
    return p;
  }

 private:
  // Counts recursion through the grammar, so hostile nesting fails cleanly before the stack does.
  struct Nest {
    Nest(Parser& p, Pos pos) : p_(p) {
      if (++p_.nesting_ > kMaxDepth)
        throw ExprError(pos, "expression nested too deeply (more than " +
                                 std::to_string(kMaxDepth) + " levels)");
    }
    ~Nest() { --p_.nesting_; }
    Parser& p_;
  };

  const Token& peek(size_t k = 0) const { return toks_[std::min(i_ + k, toks_.size() - 1)]; }
  const Token& advance() { return toks_[i_ < toks_.size() - 1 ? i_++ : i_]; }
  bool accept(Tok kind) {
    if (peek().kind != kind) return false;
    advance();
    return true;
  }
  void skip_separators() {
    while (peek().kind == Tok::newline || peek().kind == Tok::semicolon) advance();
  }
  void expect_close(const Token& open) {
    if (accept(Tok::rparen)) return;
    throw ExprError(peek().pos, "expected ')' to close '(' at " + open.pos.str());
  }

  Statement statement() {
    if (peek().kind == Tok::ident && peek(1).kind == Tok::assign) {
      const Token& name = advance();
      if (name.text == "True" || name.text == "False" || name.text == "None")
        throw ExprError(name.pos, "cannot assign to " + name.text);
      advance();
      return {name.text, name.pos, expression()};
    }
    Pos pos = peek().pos;
    return {"", pos, expression()};
  }

  NodePtr expression() {
    Nest nest(*this, peek().pos);
    NodePtr lhs = additive();
    if (auto op = comparison_op(peek().kind)) {
      Pos pos = advance().pos;
      lhs = make_binary(*op, pos, lhs, additive());
      if (comparison_op(peek().kind))
        throw ExprError(peek().pos, "comparisons cannot be chained; use parentheses");
    }
    return lhs;
  }

  static std::optional<BinOp> comparison_op(Tok t) {
    switch (t) {
      case Tok::lt:
        return BinOp::lt;
      case Tok::le:
        return BinOp::le;
      case Tok::gt:
        return BinOp::gt;
      case Tok::ge:
        return BinOp::ge;
      case Tok::eqeq:
        return BinOp::eq;
      case Tok::ne:
        return BinOp::ne;
      default:
        return std::nullopt;
    }
  }

  NodePtr additive() {
    NodePtr lhs = term();
    while (peek().kind == Tok::plus || peek().kind == Tok::minus) {
      const Token& op = advance();
      lhs = make_binary(op.kind == Tok::plus ? BinOp::add : BinOp::sub, op.pos, lhs, term());
    }
    return lhs;
  }

  NodePtr term() {
    NodePtr lhs = unary();
    for (;;) {
      Tok k = peek().kind;
      if (k != Tok::star && k != Tok::slash && k != Tok::at) return lhs;
      Pos pos = advance().pos;
      BinOp op = k == Tok::star ? BinOp::mul : k == Tok::slash ? BinOp::div : BinOp::matmul;
      lhs = make_binary(op, pos, lhs, unary());
    }
  }

  NodePtr unary() {
    if (peek().kind == Tok::minus || peek().kind == Tok::plus) {
      const Token& op = advance();
      Nest nest(*this, op.pos);
      NodePtr operand = unary();
      if (op.kind == Tok::plus) return operand;
      Node n;
      n.kind = NodeKind::unary;
      n.pos = op.pos;
      n.args = {operand};
      return make(std::move(n));
    }
    return power();
  }

  NodePtr power() {
    NodePtr base = postfix();
    if (peek().kind != Tok::starstar) return base;
    Pos pos = advance().pos;
    Nest nest(*this, pos);
    return make_binary(BinOp::pow, pos, base, unary());
  }

  NodePtr postfix() {
    NodePtr x = primary();
    while (peek().kind == Tok::dot) {
      Pos pos = advance().pos;
      const Token& attr = peek();
      if (attr.kind != Tok::ident)
        throw ExprError(attr.pos, "expected an attribute name after '.'");
      if (attr.text != "T")
        throw ExprError(attr.pos, "unknown attribute '" + attr.text + "' (only .T is supported)");
      advance();
      Node n;
      n.kind = NodeKind::transpose;
      n.pos = pos;
      n.args = {x};
      x = make(std::move(n));
    }
    return x;
  }

  NodePtr primary() {
    const Token& t = peek();
    Node n;
    n.pos = t.pos;
    switch (t.kind) {
      case Tok::number: {
        advance();
        n.kind = NodeKind::number;
        n.number = std::strtod(t.text.c_str(), nullptr);
        n.is_int = t.text.find_first_of(".eE") == std::string::npos && n.number < 9.0e15;
        return make(std::move(n));
      }
      case Tok::ident: {
        advance();
        if (peek().kind == Tok::lparen) return call(t);
        if (t.text == "True" || t.text == "False") {
          n.kind = NodeKind::boolean;
          n.number = t.text == "True";
        } else if (t.text == "None") {
          n.kind = NodeKind::none;
        } else {
          n.kind = NodeKind::variable;
          n.name = t.text;
        }
        return make(std::move(n));
      }
      case Tok::lparen:
        return parenthesized();
      case Tok::end:
        throw ExprError(t.pos, "unexpected end of input: expected an expression");
      default:
        throw ExprError(t.pos, "expected an expression, found " + describe(t));
    }
  }

  // (expr), or a tuple: (), (a,), (a, b)
  NodePtr parenthesized() {
    const Token& open = advance();
    Node n;
    n.kind = NodeKind::tuple;
    n.pos = open.pos;
    if (accept(Tok::rparen)) return make(std::move(n));
    NodePtr first = expression();
    if (peek().kind != Tok::comma) {
      expect_close(open);
      return first;
    }
    n.args.push_back(first);
    while (accept(Tok::comma) && peek().kind != Tok::rparen) n.args.push_back(expression());
    expect_close(open);
    return make(std::move(n));
  }

  NodePtr call(const Token& name) {
    const FunctionSpec* fn = find_function(name.text);
    if (!fn) {
      std::vector<std::string> names;
      for (const FunctionSpec& f : functions()) names.emplace_back(f.name);
      throw ExprError(name.pos,
                      "unknown function '" + name.text + "'" + did_you_mean(name.text, names));
    }
    const Token& open = advance();
    Node n;
    n.kind = NodeKind::call;
    n.pos = name.pos;
    n.name = name.text;
    while (peek().kind != Tok::rparen) {
      if (peek().kind == Tok::ident && peek(1).kind == Tok::assign) {
        const Token& key = advance();
        advance();
        n.keywords.push_back({key.text, key.pos, expression()});
      } else {
        Pos pos = peek().pos;
        NodePtr a = expression();
        if (!n.keywords.empty())
          throw ExprError(pos, "positional argument follows keyword argument");
        n.args.push_back(a);
      }
      if (!accept(Tok::comma)) break;
    }
    expect_close(open);
    check_signature(*fn, n);
    return make(std::move(n));
  }

  static void check_signature(const FunctionSpec& fn, const Node& call) {
    std::string who = std::string(fn.name) + "()";
    size_t n_params = fn.params.size(), given = call.args.size();
    if (given > n_params) {
      std::string takes =
          static_cast<size_t>(fn.required) == n_params
              ? std::to_string(n_params)
              : "from " + std::to_string(fn.required) + " to " + std::to_string(n_params);
      throw ExprError(call.pos, who + " takes " + takes +
                                    (n_params == 1 ? " argument" : " arguments") + " but " +
                                    std::to_string(given) + " were given");
    }
    std::vector<bool> bound(n_params, false);
    for (size_t i = 0; i < given; ++i) bound[i] = true;
    std::vector<std::string> names(fn.params.begin(), fn.params.end());
    for (const Keyword& k : call.keywords) {
      auto it = std::find(names.begin(), names.end(), k.name);
      if (it == names.end())
        throw ExprError(k.pos, who + " got an unexpected keyword argument '" + k.name + "'" +
                                   did_you_mean(k.name, names));
      size_t idx = static_cast<size_t>(it - names.begin());
      if (bound[idx])
        throw ExprError(k.pos, who + " got multiple values for argument '" + k.name + "'");
      bound[idx] = true;
    }
    for (int i = 0; i < fn.required; ++i)
      if (!bound[i])
        throw ExprError(call.pos, who + " missing required argument '" + names[i] + "'");
  }

  std::vector<Token> toks_;
  size_t i_ = 0;
  int nesting_ = 0;
};

void collect_reads(const Node& n, const std::set<std::string>& assigned,
                   std::vector<std::string>& out) {
  if (n.kind == NodeKind::variable && !assigned.count(n.name) &&
      std::find(out.begin(), out.end(), n.name) == out.end())
    out.push_back(n.name);
  for (const NodePtr& a : n.args) collect_reads(*a, assigned, out);
  for (const Keyword& k : n.keywords) collect_reads(*k.value, assigned, out);
}

}  // namespace

Program parse_program(std::string_view source) {
  return Parser(source).program();
}

std::vector<std::string> free_variables(const Program& program) {
  std::vector<std::string> out;
  std::set<std::string> assigned;
  for (const Statement& s : program.statements) {
    collect_reads(*s.value, assigned, out);
    if (!s.target.empty()) assigned.insert(s.target);
  }
  return out;
}

}  // namespace engine::expr
