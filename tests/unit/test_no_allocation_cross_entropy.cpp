// CrossEntropyProblem's loss, gradient and accuracy never touch the heap after the first call
// (built into no_allocation_tests, with EIGEN_RUNTIME_NO_MALLOC).
#include <gtest/gtest.h>

#include <cmath>

#include "paraflow/problems/cross_entropy.hpp"

namespace paraflow {
namespace {

TEST(NoAllocationTest, CrossEntropyAfterWarmUp) {
  const Index n = 40;
  Matrix x = Matrix::Random(8, n), y = Matrix::Zero(5, n);
  for (Index j = 0; j < n; ++j) y(j % 5, j) = 1.0;
  CrossEntropyProblem problem("ce", Network({8, 16, 16, 5}, Activation::tanh, Activation::linear),
                              x, y, Reduction::mean);
  const Vector w = problem.network().initial_parameters(InitScheme::uniform, 1);
  Vector g(w.size());
  const std::vector<Index> batch = {3, 17, 0, 39, 8};
  problem.loss_and_gradient(w, problem.all_samples(), g);  // warm-up: all_samples() sized
  Eigen::internal::set_is_malloc_allowed(false);
  const double batch_loss = problem.loss_and_gradient(w, batch, g);
  const double full_loss = problem.loss_and_gradient(w, problem.all_samples(), g);
  const double partial = problem.partial_loss_and_gradient(w, batch, 10, g);
  const double accuracy = problem.accuracy(w);
  Eigen::internal::set_is_malloc_allowed(true);
  EXPECT_TRUE(std::isfinite(batch_loss + full_loss + partial + accuracy));
}

}  // namespace
}  // namespace paraflow
