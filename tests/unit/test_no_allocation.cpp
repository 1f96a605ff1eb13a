// The inner loops never touch the heap: Eigen, built with EIGEN_RUNTIME_NO_MALLOC for this test,
// aborts on any allocation while set_is_malloc_allowed(false) holds.
#include <gtest/gtest.h>

#include "paraflow/algorithms/propagators.hpp"
#include "paraflow/problems/paper.hpp"

namespace paraflow {
namespace {

class NoAllocationTest : public ::testing::TestWithParam<std::pair<std::string, Index>> {};

TEST_P(NoAllocationTest, SgdStepAndCoarseStepAfterWarmUp) {
  const auto [name, batch] = GetParam();
  auto problem = make_paper_problem(name, default_reduction(name), 1);
  const Index d_B = batch == 0 ? problem->num_samples() : batch;
  Vector w = problem->network().initial_parameters(default_init_scheme(name), 1), out(w.size());
  FinePropagator fine(*problem, d_B, 1e-6, 3, 1);
  CoarsePropagator coarse(*problem, 1e-6);
  fine.advance(w, 0, 0);  // warm-up: workspaces sized
  coarse.advance(w, out);
  Eigen::internal::set_is_malloc_allowed(false);
  fine.advance(w, 0, 3);
  coarse.advance(w, out);
  const double loss = problem->full_loss(out);
  Eigen::internal::set_is_malloc_allowed(true);
  EXPECT_TRUE(std::isfinite(loss));
}

INSTANTIATE_TEST_SUITE_P(PaperProblems, NoAllocationTest,
                         ::testing::Values(std::pair{std::string("classification"), Index(1)},
                                           std::pair{std::string("classification"), Index(0)},
                                           std::pair{std::string("approximation"), Index(0)},
                                           std::pair{std::string("poisson"), Index(7)},
                                           std::pair{std::string("poisson"), Index(0)}),
                         [](const auto& info) {
                           return info.param.first + "_batch" + std::to_string(info.param.second);
                         });

}  // namespace
}  // namespace paraflow
