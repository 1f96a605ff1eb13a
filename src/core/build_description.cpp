#include <Eigen/Core>
#include <string>

#include "paraflow/core/version.hpp"

namespace paraflow {

std::string build_description() {
#if defined(__clang__)
  std::string compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
  std::string compiler = "gcc " __VERSION__;
#else
  std::string compiler = "unknown compiler";
#endif
  return compiler + "; Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." +
         std::to_string(EIGEN_MAJOR_VERSION) + "." + std::to_string(EIGEN_MINOR_VERSION) +
         "; SIMD " + Eigen::SimdInstructionSetsInUse();
}

}  // namespace paraflow
