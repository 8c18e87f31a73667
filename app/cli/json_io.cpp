#include "app/cli/json_io.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace cli {

using engine::Array;
using engine::DType;
using engine::Error;

namespace {

// Deeper nesting than any real tensor; the limit keeps hostile input off the stack.
constexpr int kMaxRank = 32;

struct JsonNode {
  bool is_number = false;
  double number = 0;
  size_t column = 0;  // 1-based, where the node starts
  std::vector<JsonNode> items;
};

class ArrayParser {
 public:
  ArrayParser(std::string_view text, const std::string& what) : s_(text), what_(what) {}

  JsonNode parse() {
    skip_space();
    JsonNode root = value(0);
    skip_space();
    if (i_ < s_.size()) fail("unexpected '" + std::string(1, s_[i_]) + "' after the value");
    return root;
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw Error(what_ + ": invalid value at column " + std::to_string(i_ + 1) + ": " + message);
  }

 private:
  void skip_space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }

  JsonNode value(int depth) {
    if (i_ >= s_.size()) fail("expected a number or '[', found the end");
    JsonNode node;
    node.column = i_ + 1;
    if (s_[i_] != '[') {
      node.is_number = true;
      node.number = number();
      return node;
    }
    if (depth >= kMaxRank) fail("arrays nested more than " + std::to_string(kMaxRank) + " deep");
    ++i_;
    skip_space();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return node;
    }
    for (;;) {
      skip_space();
      node.items.push_back(value(depth + 1));
      skip_space();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return node;
      }
      fail(i_ < s_.size() ? "expected ',' or ']', found '" + std::string(1, s_[i_]) + "'"
                          : "expected ',' or ']', found the end");
    }
  }

  double number() {
    size_t start = i_;
    for (std::string_view word : {"NaN", "Infinity", "-Infinity", "\"NaN\"", "\"Infinity\"", "\"-Infinity\""}) {
      if (s_.substr(i_, word.size()) == word) {
        i_ += word.size();
        if (word.front() == '"') word = word.substr(1, word.size() - 2);
        return word == "NaN" ? NAN : word[0] == '-' ? -INFINITY : INFINITY;
      }
    }
    while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' ||
                              s_[i_] == '+' || s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E'))
      ++i_;
    std::string token(s_.substr(start, i_ - start));
    if (token.empty()) {
      i_ = start;
      fail("expected a number or '[', found '" + std::string(1, s_[start]) + "'");
    }
    char* end = nullptr;
    double v = std::strtod(token.c_str(), &end);
    if (end != token.c_str() + token.size()) {
      i_ = start;
      fail("malformed number '" + token + "'");
    }
    return v;
  }

  std::string_view s_;
  const std::string& what_;
  size_t i_ = 0;
};

std::string index_str(const std::vector<size_t>& index) {
  std::string s;
  for (size_t i : index) s += "[" + std::to_string(i) + "]";
  return s.empty() ? "the top level" : s;
}

// The shape is read along the first elements; every other element must then agree with it.
void fill(const JsonNode& node, const engine::Shape& shape, size_t dim, std::vector<size_t>& index,
          std::vector<double>& out, const std::string& what) {
  if (dim == shape.size()) {
    if (!node.is_number)
      throw Error(what + ": ragged array: expected a number at " + index_str(index) + " (column " +
                  std::to_string(node.column) + "), found a list");
    out.push_back(node.number);
    return;
  }
  if (node.is_number || static_cast<int64_t>(node.items.size()) != shape[dim])
    throw Error(what + ": ragged array: expected a list of " + std::to_string(shape[dim]) + " at " +
                index_str(index) + " (column " + std::to_string(node.column) + "), found " +
                (node.is_number ? "a number" : "a list of " + std::to_string(node.items.size())));
  for (size_t i = 0; i < node.items.size(); ++i) {
    index.push_back(i);
    fill(node.items[i], shape, dim + 1, index, out, what);
    index.pop_back();
  }
}

void append_number(std::string& out, double v, DType dtype) {
  if (dtype == DType::boolean) {
    out += v != 0 ? "true" : "false";
    return;
  }
  if (!std::isfinite(v)) {
    out += nonfinite_json(v);
  } else {
    char buf[40];
    std::snprintf(buf, sizeof buf, engine::is_integer(dtype) ? "%.0f" : "%.9g", v);
    out += buf;
  }
}

void append_array(std::string& out, const Array& a, size_t dim, int64_t& flat) {
  if (dim == a.shape().size()) {
    append_number(out, a.at_flat(flat++), a.dtype());
    return;
  }
  out += "[";
  for (int64_t i = 0; i < a.shape()[dim]; ++i) {
    if (i) out += ", ";
    append_array(out, a, dim + 1, flat);
  }
  out += "]";
}

bool is_identifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

}  // namespace

std::string nonfinite_json(double v) {
  if (std::isnan(v)) return "\"NaN\"";
  if (std::isinf(v)) return v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  return "";
}

nlohmann::json json_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

std::string shortest_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

NamedArg split_named(const std::string& arg, const std::string& option) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos)
    throw Error(option + " '" + arg + "': expected NAME=VALUE, e.g. x=[1,2,3]");
  NamedArg out{arg.substr(0, eq), arg.substr(eq + 1)};
  if (!is_identifier(out.name))
    throw Error(option + " '" + arg + "': '" + out.name + "' is not a variable name");
  return out;
}

Array parse_json_array(std::string_view text, const std::string& what, DType dtype) {
  ArrayParser parser(text, what);
  JsonNode root = parser.parse();
  engine::Shape shape;
  for (const JsonNode* n = &root; !n->is_number; n = &n->items[0]) {
    shape.push_back(static_cast<int64_t>(n->items.size()));
    if (n->items.empty()) break;
  }
  std::vector<double> values;
  std::vector<size_t> index;
  fill(root, shape, 0, index, values, what);
  return Array::from_vector(values, shape).astype(dtype);
}

engine::Aval parse_aval(std::string_view text, const std::string& what) {
  auto fail = [&](const std::string& why) -> engine::Aval {
    throw Error(what + ": '" + std::string(text) + "' is not a type like f32[3,4]: " + why);
  };
  size_t open = text.find('[');
  if (open == std::string_view::npos || text.empty() || text.back() != ']')
    return fail("expected DTYPE[d0,d1,...]");
  engine::Aval aval;
  try {
    aval.dtype = engine::dtype_from_name(text.substr(0, open));
  } catch (const Error& e) {
    return fail(e.what());
  }
  std::string_view dims = text.substr(open + 1, text.size() - open - 2);
  size_t i = 0;
  while (i < dims.size()) {
    size_t comma = dims.find(',', i);
    std::string_view d =
        dims.substr(i, comma == std::string_view::npos ? std::string_view::npos : comma - i);
    while (!d.empty() && d.front() == ' ') d.remove_prefix(1);
    while (!d.empty() && d.back() == ' ') d.remove_suffix(1);
    if (d.empty() || d.size() > 12 || d.find_first_not_of("0123456789") != std::string_view::npos)
      return fail("extent '" + std::string(d) + "' is not a non-negative integer");
    aval.shape.push_back(std::stoll(std::string(d)));
    if (comma == std::string_view::npos) break;
    i = comma + 1;
    if (i == dims.size()) return fail("trailing ','");
  }
  try {
    engine::shape_size(aval.shape);
  } catch (const Error& e) {
    return fail(e.what());
  }
  return aval;
}

std::string to_json(const Array& a) {
  std::string out;
  int64_t flat = 0;
  append_array(out, a, 0, flat);
  return out;
}

std::string to_json(const engine::Tensor& t) {
  return to_json(t.array());
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json_object(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out = "{";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) out += ", ";
    out += json_string(entries[i].first) + ": " + entries[i].second;
  }
  return out + "}";
}

}  // namespace cli
