// The largest single buffer the engine allocates, in bytes. Arrays whose shape needs more are
// refused before anything is allocated, with an error naming the shape (a shape whose element
// count overflows int64 is refused by shape_size). The default is the machine's physical memory,
// or GS_MAX_ARRAY_BYTES from the environment when set; the fuzzers lower it to keep inputs cheap.
// Model specs are checked against it too (nn::check_model_size), before init allocates anything.
#pragma once
#include <cstdint>

namespace engine {

int64_t max_array_bytes();
void set_max_array_bytes(int64_t bytes);  // <= 0 restores the default

}  // namespace engine
