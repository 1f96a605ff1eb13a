// The version and the git revision this build was made from (recorded in every run file).
#pragma once

#include <string>

namespace paraflow {
std::string version();
std::string git_revision();
}  // namespace paraflow
