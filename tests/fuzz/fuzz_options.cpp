// Fuzz target (a): the options of `paraflow run` on the command line. The input is the argument
// list after `paraflow run`, one argument per line ('\n'; a '\r' stays in the argument). The
// oracle is in run_options_oracle.hpp.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "run_options_oracle.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  paraflow::fuzz::start_mpi();
  if (!std::freopen("/dev/null", "w", stdout)) return 1;  // the --help text
  paraflow::fuzz::start("options");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args;
  std::string arg;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') {
      args.push_back(arg);
      arg.clear();
    } else {
      arg.push_back(char(data[i]));
    }
  }
  if (!arg.empty()) args.push_back(arg);
  paraflow::fuzz::check_run_options(args);
  return 0;
}
