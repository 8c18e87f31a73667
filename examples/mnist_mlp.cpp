// The mnist_mlp reference program; its body is examples::run_mnist_mlp (examples/lib/mnist_mlp.cpp), which
// gradient-cli runs as `gradient-cli example mnist_mlp`. Flags: see --help.
#include "examples/examples.h"

int main(int argc, char** argv) { return examples::example_main("mnist_mlp", argc, argv); }
