// The linear_regression reference program; its body is examples::run_linear_regression (examples/lib/linear_regression.cpp), which
// gradient-cli runs as `gradient-cli example linear_regression`. Flags: see --help.
#include "examples/examples.h"

int main(int argc, char** argv) { return examples::example_main("linear_regression", argc, argv); }
