// safetensors files (https://huggingface.co/docs/safetensors), as Hugging Face specifies them:
//
//   8 bytes   N, the header length, unsigned little-endian
//   N bytes   JSON: {"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3],
//             "data_offsets": [begin, end]}, ...}, padded with spaces to a multiple of 8
//   rest      the tensors' bytes, little-endian, row-major; offsets are relative to this buffer
//
// We write tensors sorted by name, their data laid out in that order, and the JSON compact
// (serde_json's form), so the files load with safetensors.numpy.load_file / torch. Only our
// dtypes exist: F32, F64, I32, U32, BOOL (one byte, 0 or 1). The reader checks everything it is
// given (lengths, JSON, dtypes, shapes against byte counts, offsets in range, no overlap or gap)
// and refuses headers over 100 MB; errors name the file. Writes are atomic: a temporary file in
// the same directory, fsync, rename.
//
// Tree helpers store a PyTree under its slash paths ("params/Dense_0/kernel") and load a file
// back into a given structure.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/array.h"
#include "engine/tree/pytree.h"

namespace engine::runs {

using TensorList = std::vector<std::pair<std::string, Array>>;
using Metadata = std::map<std::string, std::string>;

inline constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;

// Names must be unique and non-empty, and "__metadata__" is reserved.
void save_safetensors(const std::string& path, const TensorList& tensors, const Metadata& metadata = {});

struct SafetensorsFile {
  TensorList tensors;  // in name order
  Metadata metadata;
};
SafetensorsFile load_safetensors(const std::string& path);

// The exact bytes save_safetensors writes (header length, header, data), for tests and for
// writing to places other than files.
std::string safetensors_bytes(const TensorList& tensors, const Metadata& metadata = {});
// Parses bytes in that format; `source` names them in errors (usually the file path).
SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& source);

// Every leaf under its slash path; leaves must be concrete arrays, and the root must be a
// container (a lone leaf has no name).
void save_safetensors_tree(const std::string& path, const PyTree& tree, const Metadata& metadata = {});
// A tree of like's structure with leaves from the file; every leaf must be present with like's
// shape and dtype, and the file may hold no other tensors. Errors name the tensor and the file.
PyTree load_safetensors_tree(const std::string& path, const PyTree& like, Metadata* metadata = nullptr);
// Any file as a tree of nested dicts split at the slashes of its names, without a structure to
// fit ("params/Dense_0/kernel" -> {'params': {'Dense_0': {'kernel': ...}}}; list indices become
// keys "0", "1"): what the Pytree Inspector shows of a checkpoint. A name that is both a tensor
// and a folder of others ("a" and "a/b") is an error naming both and the file.
PyTree load_safetensors_as_tree(const std::string& path, Metadata* metadata = nullptr);

}  // namespace engine::runs
