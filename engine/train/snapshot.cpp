#include "engine/train/snapshot.h"

#include <cstring>

#include "engine/core/error.h"
#include "engine/nn/model_spec.h"
#include "engine/random/random.h"
#include "engine/runs/safetensors.h"
#include "engine/tree/treedef.h"

namespace engine::train {

PyTree tree_deep_copy(const PyTree& tree) {
  return tree_map(
      [](const Tensor& t) {
        const Array& a = t.array();  // throws naming a traced leaf
        Array copy = Array::empty(a.dtype(), a.shape());
        if (a.nbytes() > 0) std::memcpy(copy.mutable_raw(), a.raw(), a.nbytes());
        return copy;
      },
      tree);
}

TrainSnapshot take_snapshot(const TrainState& state, int64_t epoch) {
  TrainSnapshot s;
  s.step = static_cast<int64_t>(state.step.item());
  s.epoch = epoch;
  s.variables = tree_deep_copy(state.variables());
  s.opt_state = tree_deep_copy(state.opt_state);
  return s;
}

PyTree TrainSnapshot::tree() const {
  std::vector<std::pair<std::string, PyTree>> items;
  if (variables.is_dict())
    for (size_t i = 0; i < variables.size(); ++i) items.emplace_back(variables.keys()[i], variables.children()[i]);
  if (!opt_state.is_none()) items.emplace_back("opt_state", opt_state);
  return PyTree::dict(std::move(items));
}

TrainSnapshot snapshot_at_init(const nlohmann::json& model_spec, uint64_t seed) {
  const nn::Sequential model = nn::from_spec(model_spec);
  const Array key = random::fold_in(random::PRNGKey(seed), 0);  // as initial_state
  TrainSnapshot s;
  s.variables = model.init(key, Tensor(Array::zeros(DType::f32, nn::batched_input_shape(model, 1))));
  return s;
}

TrainSnapshot snapshot_from_checkpoint(const std::string& path) {
  runs::Metadata meta;
  const PyTree file = runs::load_safetensors_as_tree(path, &meta);
  GS_CHECK(file.contains("params"), "checkpoint '" + path + "' has no params (is it a Gradient Studio checkpoint?)");
  auto number = [&](const char* key) -> int64_t {
    auto it = meta.find(key);
    if (it == meta.end()) return 0;
    try {
      return std::stoll(it->second);
    } catch (const std::exception&) {
      throw Error("checkpoint '" + path + "': metadata '" + key + "' is '" + it->second + "', not a number");
    }
  };
  TrainSnapshot s;
  s.step = file.contains("step") ? static_cast<int64_t>(file["step"].leaf().item()) : number("step");
  // save_checkpoint stores the epoch the loop was in, from 0.
  s.epoch = number("epoch") + 1;
  std::vector<std::pair<std::string, PyTree>> vars{{"params", file["params"]}};
  if (file.contains("extra") && file["extra"].contains("batch_stats"))
    vars.emplace_back("batch_stats", file["extra"]["batch_stats"]);
  s.variables = PyTree::dict(std::move(vars));
  if (file.contains("opt_state")) s.opt_state = file["opt_state"];
  return s;
}

}  // namespace engine::train
