#include "engine/nn/summary.h"

#include <algorithm>
#include <cstdio>

#include "engine/core/error.h"
#include "engine/nn/sequential.h"

namespace engine::nn {

namespace {

CollectionTotal& total_of(SummaryRow& row, const std::string& collection) {
  return collection == "batch_stats" ? row.batch_stats : row.params;
}

// The row's per-collection counts and bytes from its variables.
void count_variables(SummaryRow& row) {
  for (const VariableShape& v : row.variables) {
    int64_t n = 1;
    for (int64_t d : v.shape) n = mul_sat(n, d);
    CollectionTotal& t = total_of(row, v.collection);
    t.count = add_sat(t.count, n);
    t.bytes = add_sat(t.bytes, mul_sat(n, int64_t(dtype_size(v.dtype))));
  }
}

void add(CollectionTotal& into, const CollectionTotal& x) {
  into.count = add_sat(into.count, x.count);
  into.bytes = add_sat(into.bytes, x.bytes);
}

// Rows for the layers of `seq` (recursing into nested Sequentials, whose rows come first as Flax
// lists a parent before its children), prefixing paths with `prefix`.
void add_rows(const Sequential& seq, const std::string& prefix, Shape& s, ModelSummary& out) {
  for (size_t i = 0; i < seq.layers().size(); ++i) {
    const Module& layer = *seq.layers()[i];
    const std::string path = prefix + seq.layer_names()[i];
    try {
      SummaryRow row{path, layer.kind(), s, layer.output_shape(s), {}, {}, {}};
      if (const auto* inner = dynamic_cast<const Sequential*>(&layer)) {
        out.rows.push_back(row);
        Shape t = s;
        add_rows(*inner, path + "/", t, out);
      } else {
        row.variables = layer.variable_shapes(s);
        count_variables(row);
        add(out.params, row.params);
        add(out.batch_stats, row.batch_stats);
        out.rows.push_back(std::move(row));
      }
      s = layer.output_shape(s);
    } catch (const Error& e) {
      throw Error(path + ": " + e.what());
    }
  }
}

// Cells of one row: each a list of lines.
using Cells = std::vector<std::vector<std::string>>;

std::vector<std::string> variable_cell(const SummaryRow& row, const std::string& collection,
                                       const CollectionTotal& total) {
  std::vector<std::string> lines;
  for (const VariableShape& v : row.variables)
    if (v.collection == collection) lines.push_back(v.name + ": " + typed_shape_str(v.dtype, v.shape));
  if (lines.empty()) return lines;
  std::sort(lines.begin(), lines.end());  // by name, as Flax prints a variable dict
  lines.push_back("");
  lines.push_back(count_str(total.count) + " (" + bytes_str(total.bytes) + ")");
  return lines;
}

std::string pad(const std::string& s, size_t width) { return s + std::string(width - s.size(), ' '); }

std::string rule(const std::vector<size_t>& widths, char fill) {
  std::string line = "+";
  for (size_t w : widths) line += std::string(w + 2, fill) + "+";
  return line + "\n";
}

std::string line_of(const std::vector<size_t>& widths, const Cells& cells, size_t k) {
  std::string line = "|";
  for (size_t c = 0; c < widths.size(); ++c)
    line += " " + pad(k < cells[c].size() ? cells[c][k] : "", widths[c]) + " |";
  return line + "\n";
}

}  // namespace

ModelSummary summarize(const Module& model, const Shape& input, const std::string& name) {
  ModelSummary out;
  const std::string title = name.empty() ? model.kind() : name;
  if (const auto* seq = dynamic_cast<const Sequential*>(&model)) {
    out.rows.push_back({"", title, input, {}, {}, {}, {}});
    Shape s = input;
    add_rows(*seq, "", s, out);
    out.rows.front().output = s;
    return out;
  }
  // A single layer at the top: one row, path "" as Flax has it.
  SummaryRow row{"", title, input, {}, {}, {}, {}};
  try {
    row.output = model.output_shape(input);
    row.variables = model.variable_shapes(input);
  } catch (const Error& e) {
    throw Error(model.kind() + ": " + e.what());
  }
  count_variables(row);
  out.params = row.params;
  out.batch_stats = row.batch_stats;
  out.rows.push_back(std::move(row));
  return out;
}

std::string count_str(int64_t n) {
  std::string digits = std::to_string(n), out;
  const size_t first = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i >= first && (i - first) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string bytes_str(int64_t bytes) {
  // flax/linen/summary.py _bytes_repr: strictly above 1e9 GB, 1e6 MB, 1e3 KB, else exact bytes.
  const double b = double(bytes);
  const char* unit = b > 1e9 ? "GB" : b > 1e6 ? "MB" : b > 1e3 ? "KB" : nullptr;
  if (!unit) return count_str(bytes) + " B";
  const double scaled = b / (b > 1e9 ? 1e9 : b > 1e6 ? 1e6 : 1e3);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", scaled);
  // Thousands separators for the integer part, as Python's "{:,.1f}" writes them.
  std::string s = buf;
  const size_t dot = s.find('.');
  return count_str(std::stoll(s.substr(0, dot))) + s.substr(dot) + " " + unit;
}

std::string typed_shape_str(DType dtype, const Shape& shape) {
  std::string s = std::string(dtype_long_name(dtype)) + "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string summary_table(const ModelSummary& summary) {
  const bool stats = summary.batch_stats.count > 0;
  std::vector<std::string> head{"path", "module", "inputs", "outputs", "params"};
  if (stats) head.push_back("batch_stats");
  std::vector<Cells> rows;
  for (const SummaryRow& r : summary.rows) {
    Cells c{{r.path}, {r.module}, {typed_shape_str(DType::f32, r.input)}, {typed_shape_str(DType::f32, r.output)},
            variable_cell(r, "params", r.params)};
    if (stats) c.push_back(variable_cell(r, "batch_stats", r.batch_stats));
    rows.push_back(std::move(c));
  }
  // The total row, as tabulate's last row: "Total" under outputs, then each collection's sum.
  Cells total{{""}, {""}, {""}, {"Total"}, {count_str(summary.params.count) + " (" + bytes_str(summary.params.bytes) + ")"}};
  if (stats) total.push_back({count_str(summary.batch_stats.count) + " (" + bytes_str(summary.batch_stats.bytes) + ")"});

  std::vector<size_t> widths(head.size(), 0);
  auto widen = [&](const Cells& c) {
    for (size_t i = 0; i < c.size(); ++i)
      for (const std::string& s : c[i]) widths[i] = std::max(widths[i], s.size());
  };
  Cells head_cells;
  for (const std::string& h : head) head_cells.push_back({h});
  widen(head_cells);
  for (const Cells& c : rows) widen(c);
  widen(total);

  std::string out = rule(widths, '=') + line_of(widths, head_cells, 0) + rule(widths, '=');
  for (const Cells& c : rows) {
    size_t height = 1;
    for (const auto& cell : c) height = std::max(height, cell.size());
    for (size_t k = 0; k < height; ++k) out += line_of(widths, c, k);
    out += rule(widths, '-');
  }
  out += line_of(widths, total, 0) + rule(widths, '=');
  const CollectionTotal all{add_sat(summary.params.count, summary.batch_stats.count),
                            add_sat(summary.params.bytes, summary.batch_stats.bytes)};
  out += "\nTotal Parameters: " + count_str(all.count) + " (" + bytes_str(all.bytes) + ")\n";
  return out;
}

}  // namespace engine::nn
