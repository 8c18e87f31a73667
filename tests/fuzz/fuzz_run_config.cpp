// libFuzzer target: one input through fuzz::run_config (entries.h); engine::Error is a refusal, fine.
#include "fuzz/entries.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  engine::set_max_array_bytes(fuzz::kMaxArrayBytes);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    fuzz::run_config(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const engine::Error&) {
  }
  return 0;
}
