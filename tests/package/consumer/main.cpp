// grad of ½ xᵀx at x = [1, 2, 3, 4] is x itself, computed by the installed libgradient-engine.so.
#include <cstdio>

#include "engine/build_info.h"
#include "engine/numpy.h"
#include "engine/transforms/autodiff.h"

int main() {
  using namespace engine;
  Tensor g = grad([](const Tensor& v) { return 0.5 * sum(v * v); })(arange(1.0, 5.0));
  std::printf("engine %s\n%s\n", version_string().c_str(), g.array().repr().c_str());
}
