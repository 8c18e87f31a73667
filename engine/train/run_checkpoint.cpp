#include "engine/train/run_checkpoint.h"

#include "engine/core/error.h"
#include "engine/random/random.h"
#include "engine/runs/run_store.h"

namespace engine::train {

LoadedRun load_run_for_eval(const std::string& db_path, int64_t id, const std::string& dataset,
                            std::optional<int64_t> limit) {
  runs::RunStore store(runs::RunStoreOptions{.path = db_path, .read_only = true});
  runs::RunRecord rec = store.get_run(id);
  std::vector<runs::Checkpoint> ckpts = store.checkpoints(id);
  GS_CHECK(!ckpts.empty(), "run " + std::to_string(id) + " has no checkpoint to evaluate");
  LoadedRun r;
  r.id = id;
  r.config = RunConfig::from_json(rec.config);
  // The run's limited subset and initial state are drawn in its own PRNG mode. The mode is
  // process-wide: it is only switched when it differs, so evaluating beside a training run of
  // the same mode (the studio's usual case) leaves that run's draws alone.
  const random::PrngMode mode = random::parse_prng_mode(r.config.prng, "prng");
  std::optional<random::ScopedPrngMode> prng;
  if (mode != random::prng_mode()) prng.emplace(mode);
  r.dataset_name = dataset.empty() ? r.config.dataset : dataset;
  const int64_t n = limit ? *limit : (r.dataset_name == r.config.dataset ? r.config.limit : 0);
  r.dataset = load_run_dataset(r.dataset_name, n, data::Splits::test_only);
  r.model = r.config.build_model();
  r.task = task_for(r.model, r.dataset, r.config.eval_batch_size);
  r.checkpoint_path = ckpts.back().path;
  r.checkpoint_step = ckpts.back().step;
  r.state = load_checkpoint(r.checkpoint_path, initial_state(r.config, r.model));
  return r;
}

}  // namespace engine::train
