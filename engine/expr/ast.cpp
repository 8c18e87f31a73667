#include "engine/expr/ast.h"

#include <cmath>
#include <cstdio>

namespace engine::expr {

std::string_view binop_symbol(BinOp op) {
  switch (op) {
    case BinOp::add:
      return "+";
    case BinOp::sub:
      return "-";
    case BinOp::mul:
      return "*";
    case BinOp::div:
      return "/";
    case BinOp::matmul:
      return "@";
    case BinOp::pow:
      return "**";
    case BinOp::lt:
      return "<";
    case BinOp::le:
      return "<=";
    case BinOp::gt:
      return ">";
    case BinOp::ge:
      return ">=";
    case BinOp::eq:
      return "==";
    case BinOp::ne:
      return "!=";
  }
  return "?";
}

namespace {
std::string number_str(double x, bool is_int) {
  char buf[40];
  std::snprintf(buf, sizeof buf, is_int ? "%.0f" : "%.9g", x);
  std::string s = buf;
  if (!is_int && std::isfinite(x) && s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}
}  // namespace

std::string to_string(const Node& n) {
  switch (n.kind) {
    case NodeKind::number:
      return number_str(n.number, n.is_int);
    case NodeKind::boolean:
      return n.number != 0 ? "True" : "False";
    case NodeKind::none:
      return "None";
    case NodeKind::variable:
      return n.name;
    case NodeKind::unary:
      return "(-" + to_string(*n.args[0]) + ")";
    case NodeKind::binary:
      return "(" + to_string(*n.args[0]) + " " + std::string(binop_symbol(n.op)) + " " +
             to_string(*n.args[1]) + ")";
    case NodeKind::transpose:
      return to_string(*n.args[0]) + ".T";
    case NodeKind::tuple: {
      std::string s = "(";
      for (size_t i = 0; i < n.args.size(); ++i) s += (i ? ", " : "") + to_string(*n.args[i]);
      return s + (n.args.size() == 1 ? ",)" : ")");
    }
    case NodeKind::call: {
      std::string s = n.name + "(";
      bool first = true;
      for (const NodePtr& a : n.args) {
        s += (first ? "" : ", ") + to_string(*a);
        first = false;
      }
      for (const Keyword& k : n.keywords) {
        s += (first ? "" : ", ") + k.name + "=" + to_string(*k.value);
        first = false;
      }
      return s + ")";
    }
  }
  return "?";
}

std::string to_string(const Program& program) {
  std::string s;
  for (const Statement& st : program.statements) {
    if (!s.empty()) s += "; ";
    if (!st.target.empty()) s += st.target + " = ";
    s += to_string(*st.value);
  }
  return s;
}

}  // namespace engine::expr
