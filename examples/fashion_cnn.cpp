// The fashion_cnn reference program; its body is examples::run_fashion_cnn (examples/lib/fashion_cnn.cpp), which
// gradient-cli runs as `gradient-cli example fashion_cnn`. Flags: see --help.
#include "examples/examples.h"

int main(int argc, char** argv) { return examples::example_main("fashion_cnn", argc, argv); }
