// The autodiff_basics reference program; its body is examples::run_autodiff_basics (examples/lib/autodiff_basics.cpp), which
// gradient-cli runs as `gradient-cli example autodiff_basics`. Flags: see --help.
#include "examples/examples.h"

int main(int argc, char** argv) { return examples::example_main("autodiff_basics", argc, argv); }
