// The choices of a run config as data: the optimizers and schedules with their fields (kind,
// default, range, one-line doc), and the datasets with what is known about them without loading
// them. RunConfig::from_json validates against these rows, `gradient-cli train --help` lists
// them and the studio's run form is built from them, so a new optimizer is one row here.
//
//   for (const OptimizerSpec& o : optimizer_catalog()) {
//     for (const FieldSpec& f : o.fields) form.add(f.name, f.kind, f.default_value, f.doc);
//   }
//   DatasetInfo d = describe_dataset("fashion-mnist");   // sizes from the IDX headers only
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/data/dataset.h"
#include "engine/optim/base.h"
#include "engine/optim/schedule.h"

namespace engine::train {

struct OptimizerConfig;
struct ScheduleConfig;

enum class FieldKind { integer, number, boolean, choice };
std::string_view field_kind_name(FieldKind kind);

// One field of an optimizer or a schedule. Numbers lie in [min, max] (an end excluded when its
// *_open flag is set); a choice is one of `choices`.
struct FieldSpec {
  std::string name{};
  FieldKind kind = FieldKind::number;
  nlohmann::json default_value{};
  double min = 0, max = 0;
  bool min_open = false, max_open = false;
  std::vector<std::string> choices{};
  std::string doc{};

  // What the error messages say is expected: "a positive number", "a number in [0, 1)",
  // "an integer in [1, 1000000000]", "true or false", "\"steps\" or \"epochs\"".
  std::string expected() const;
  // Checks one JSON value against the field; throws engine::Error "<prefix><name>: expected ...".
  nlohmann::json parse(const nlohmann::json& value, const std::string& prefix) const;
};

struct OptimizerSpec {
  std::string name;
  std::string doc;
  std::vector<FieldSpec> fields;  // lr first; "name" is implied
  // The optax transformation from the parsed config and its learning rate (number or schedule).
  std::function<optim::GradientTransformation(const OptimizerConfig&, const optim::ScalarOrSchedule&)> build;
};

struct ScheduleSpec {
  std::string type;
  std::string doc;
  std::vector<FieldSpec> fields;  // "type" is implied; "unit" first where the lengths may count epochs
  // The schedule from the initial learning rate and the config, its lengths already in steps.
  std::function<optim::ScalarOrSchedule(double lr, const ScheduleConfig&)> build;
};

const std::vector<OptimizerSpec>& optimizer_catalog();
const std::vector<ScheduleSpec>& schedule_catalog();
const OptimizerSpec* find_optimizer(std::string_view name);  // nullptr when unknown
const ScheduleSpec* find_schedule(std::string_view type);

// A dataset as the run form shows it, known without loading it (IDX headers at most).
struct DatasetInfo {
  std::string name{};  // what RunConfig's dataset.name takes ("mnist-idx:DIR" is a pattern)
  std::string doc{};
  std::vector<int64_t> input_shape{};  // one example, without the batch
  int64_t num_classes = 0;           // 0: regression
  int64_t outputs = 0;               // what the model's last layer must give (classes or targets)
  std::vector<std::string> class_names{};
  int64_t train_size = -1, test_size = -1;  // -1: not known
  bool present = false;                     // its files are there (always true for synthetic data)
  std::string location{};                   // where its files are (or are looked for)
  std::string package{};                   // what provides them ("Debian package dataset-fashion-mnist")
  std::string problem{};                   // why it is not usable, when !present
};

// The named datasets (fashion-mnist, mnist-digits, mnist-idx:DIR, synthetic-regression).
std::vector<DatasetInfo> dataset_catalog(const data::DatasetPaths& paths = data::DatasetPaths::defaults());
// One dataset by the name a config uses ("mnist-idx:/data/mnist", "synthetic-regression:500");
// throws engine::Error "dataset.name: unknown dataset ..." for a name no row matches. Without
// look_at_files nothing is read (present stays false): what RunConfig::validate checks shapes with.
DatasetInfo describe_dataset(const std::string& name,
                             const data::DatasetPaths& paths = data::DatasetPaths::defaults(),
                             bool look_at_files = true);
// Whether a row of the catalog takes this name (no files are looked at).
bool is_known_dataset(const std::string& name);

// The catalogs as text for `gradient-cli train --help`: one line per optimizer, schedule and
// dataset with their fields and defaults.
std::string catalog_help_text();

// The largest count a config field takes (steps, limits, intervals): more than any run needs,
// small enough that sums and products of counts stay far inside int64.
inline constexpr int64_t kMaxConfigCount = 1'000'000'000;

// A JSON value as error messages quote it: strings cut short (so fuzzed input stays readable), and
// a non-finite number as nan / inf / -inf rather than dump()'s null.
std::string shown_json(const nlohmann::json& v);

}  // namespace engine::train
