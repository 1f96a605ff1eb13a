// Small problems for tests: a quadratic whose GD iteration is known in closed form and diverges
// for eta > 2 / N (sum reduction) -- also an example of implementing the Problem boundary.
#pragma once

#include "paraflow/problems/problem.hpp"

namespace paraflow::testing {

/// L(W) = sum_i 1/2 ||W - x_i||^2 over the columns x_i of `points` (d x N).
class QuadraticProblem : public Problem {
 public:
  explicit QuadraticProblem(Matrix points) : points_(std::move(points)) {}
  Index num_samples() const override { return points_.cols(); }
  Index num_parameters() const override { return points_.rows(); }
  double loss(const Vector& w, std::span<const Index> batch) override {
    double sum = 0;
    for (Index i : batch) sum += 0.5 * (w - points_.col(i)).squaredNorm();
    return sum;
  }
  double loss_and_gradient(const Vector& w, std::span<const Index> batch,
                           Vector& gradient) override {
    gradient.setZero();
    for (Index i : batch) gradient += w - points_.col(i);
    return loss(w, batch);
  }

 private:
  Matrix points_;
};

}  // namespace paraflow::testing
