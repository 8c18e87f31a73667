// What each fuzz target does with one input, shared by the libFuzzer targets (fuzz_target.cpp, built
// with clang when BUILD_FUZZERS=ON) and by the normal unit tests (tests/unit/hostile_*_test.cpp),
// which replay the inputs the fuzzers once crashed on, so a regression shows in every build.
//
// The contract being fuzzed: any input either goes through or is refused with engine::Error. A
// crash, a sanitizer report, a hang, a huge allocation or any other exception type is a bug. Each
// entry feeds the input through the public API the way a file or a typed text reaches it, then
// exercises what a user does next with the result (convert it, evaluate and differentiate it,
// init and apply the model, write it back and read it again).
#pragma once
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/array.h"
#include "engine/core/memory_limit.h"
#include "engine/data/idx.h"
#include "engine/expr/expr.h"
#include "engine/nn/model_spec.h"
#include "engine/random/random.h"
#include "engine/runs/safetensors.h"
#include "engine/train/run_config.h"
#include "engine/transforms/autodiff.h"

namespace fuzz {

// The engine refuses arrays above this many bytes (engine::set_max_array_bytes) while fuzzing:
// this bounds both memory and work, since no input can make an array bigger than 256 KiB (a
// 256x256 f32 matrix), and every such request must come back as a clear engine::Error.
inline constexpr int64_t kMaxArrayBytes = 256 << 10;

// A fuzz-found bug that is not a crash (a round trip that changes data): abort so libFuzzer
// saves the input, and say why.
[[noreturn]] inline void bug(const std::string& what) {
  std::fprintf(stderr, "fuzz: %s\n", what.c_str());
  std::abort();
}

// ---- IDX (engine/data/idx.h): plain or gzip bytes as read_idx gets them from a file.
inline void idx(const std::vector<uint8_t>& bytes) {
  engine::data::IdxArray a = engine::data::decode_idx(bytes, "fuzz input", kMaxArrayBytes);
  engine::Array f = engine::data::idx_to_f32(a, 1.0f / 255);
  if (f.shape() != a.shape) bug("idx_to_f32 changed the shape");
  engine::Array labels = engine::data::idx_to_i32(a);  // may refuse non-integers
  if (labels.size() != f.size()) bug("idx_to_i32 and idx_to_f32 disagree on the size");
}

// ---- the expression language (engine/expr): parse, evaluate on small arrays, then trace it
// and run its vjp (linearize + transpose) when the result is floating point.
inline std::map<std::string, engine::Tensor> expr_env() {
  using engine::Array;
  return {
      {"x", Array::from_vector<float>({1.5f, -2.0f, 0.25f})},
      {"y", Array::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3})},
      {"W", Array::from_vector<float>({0.5f, -1, 2, 0, 3, -0.5f, 1, 1, -2}, {3, 3})},
      {"s", Array::scalar(0.75)},
      {"n", Array::from_vector<int32_t>({3, -1, 7})},
  };
}

inline void expr(std::string_view text) {
  engine::expr::Program program = engine::expr::parse_program(text);
  const std::map<std::string, engine::Tensor> env = expr_env();
  engine::Tensor result = engine::expr::evaluate(program, env);
  if (!is_floating(result.dtype())) return;
  std::vector<std::string> inputs;
  engine::Tensors primals;
  for (const std::string& v : engine::expr::free_variables(program)) {
    inputs.push_back(v);
    primals.push_back(env.at(v));  // evaluate succeeded, so every free variable is in env
  }
  engine::LinearizedFn lin =
      engine::linearize_flat(engine::expr::make_flat_fn(program, inputs), primals);
  engine::Tensors cotangents;
  for (const engine::Aval& a : lin.out_avals) cotangents.push_back(engine::full(a.shape, 1.0, a.dtype));
  engine::Tensors grads = lin.vjp(cotangents);
  if (grads.size() != primals.size()) bug("vjp returned the wrong number of cotangents");
}

// ---- model specs (engine/nn/model_spec.h): JSON text as a spec file holds it.
inline void model_spec(std::string_view text) {
  const nlohmann::json spec = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (spec.is_discarded()) return;  // not JSON: the caller's JSON parser reports that
  engine::nn::Sequential model = engine::nn::from_spec(spec);
  const nlohmann::json again = engine::nn::to_spec(engine::nn::from_spec(engine::nn::to_spec(model)));
  if (again != engine::nn::to_spec(model)) bug("to_spec(from_spec(to_spec(m))) differs from to_spec(m)");
  if (!model.input_shape()) return;
  const engine::Shape in = engine::nn::batched_input_shape(model, 2);
  const std::vector<engine::nn::LayerInfo> layers = engine::nn::describe(model, in);
  const engine::Array x = engine::Array::zeros(engine::DType::f32, in);  // refused when too big
  engine::PyTree vars = model.init(engine::random::PRNGKey(0), x);
  // apply costs about (output size) x (params per output): bound it so a unit stays fast.
  for (const engine::nn::LayerInfo& l : layers)
    if (engine::shape_size(l.output_shape) > 4096 || l.param_count > 4096) return;
  engine::nn::ApplyResult r =
      model.apply(vars, x, {.train = true, .mutable_collections = {"batch_stats"}});
  if (!layers.empty() && r.out.shape() != layers.back().output_shape)
    bug("apply's output shape differs from describe()'s");
}

// ---- safetensors (engine/runs/safetensors.h): file bytes; what parses must write back and
// read again to the same tensors and metadata.
inline void safetensors(std::string_view bytes) {
  const engine::runs::SafetensorsFile f = engine::runs::parse_safetensors(std::string(bytes), "fuzz input");
  const engine::runs::SafetensorsFile g =
      engine::runs::parse_safetensors(engine::runs::safetensors_bytes(f.tensors, f.metadata), "rewritten");
  if (g.metadata != f.metadata || g.tensors.size() != f.tensors.size()) bug("round trip changed the file");
  for (size_t i = 0; i < f.tensors.size(); ++i)
    if (g.tensors[i].first != f.tensors[i].first || !g.tensors[i].second.same_values(f.tensors[i].second))
      bug("round trip changed tensor '" + f.tensors[i].first + "'");
}

// ---- RunConfig JSON (engine/train/run_config.h): what parses (and so validated, model included)
// must write back and parse again to the same JSON.
inline void run_config(std::string_view text) {
  const engine::train::RunConfig c = engine::train::RunConfig::from_json_text(text);
  const nlohmann::json once = c.to_json();
  if (engine::train::RunConfig::from_json(once).to_json() != once) bug("round trip changed the config");
}

}  // namespace fuzz
