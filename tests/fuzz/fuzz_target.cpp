// The libFuzzer target for one entry of entries.h, chosen at build time: CMake compiles this file
// once per target with FUZZ_ENTRY set to the entry's name (fuzz_idx, fuzz_expr, ...).
// engine::Error is a refusal, which is fine; anything else escaping is a bug libFuzzer reports.
#include <type_traits>

#include "fuzz/entries.h"

#ifndef FUZZ_ENTRY
#error "compile with -DFUZZ_ENTRY=<an entry of tests/fuzz/entries.h>"
#endif

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  engine::set_max_array_bytes(fuzz::kMaxArrayBytes);
  return 0;
}

namespace {

// Text formats take the bytes as a string_view, binary ones (IDX) as a byte vector.
template <class Entry>
void feed(Entry entry, const uint8_t* data, size_t size) {
  if constexpr (std::is_invocable_v<Entry, std::string_view>)
    entry(std::string_view(reinterpret_cast<const char*>(data), size));
  else
    entry(std::vector<uint8_t>(data, data + size));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    feed(&fuzz::FUZZ_ENTRY, data, size);
  } catch (const engine::Error&) {
  }
  return 0;
}
