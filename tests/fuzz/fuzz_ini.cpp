// Fuzz target (b): an INI file given to `paraflow run --config FILE`. The input is the file's
// bytes; it goes through the CLI's parser exactly as `paraflow run --config FILE` would, and the
// oracle of run_options_oracle.hpp (strict numbers, documented values and ranges, no option
// that is read and then ignored).
#include <cstdint>
#include <cstdio>
#include <string>

#include "run_options_oracle.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  paraflow::fuzz::start_mpi();
  if (!std::freopen("/dev/null", "w", stdout)) return 1;  // the --help text
  paraflow::fuzz::start("ini");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = paraflow::fuzz::Scratch::get().write("run.ini", data, size);
  paraflow::fuzz::check_run_options({"--config", path});
  return 0;
}
