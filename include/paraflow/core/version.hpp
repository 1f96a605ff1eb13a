// The version and the git revision this build was made from (recorded in every run file).
#pragma once

#include <string>

namespace paraflow {
std::string version();
std::string git_revision();
/// Compiler, Eigen version and the SIMD instruction sets the library was built with: the
/// last bits of a result depend on them (FMA, vector width).
std::string build_description();
}  // namespace paraflow
