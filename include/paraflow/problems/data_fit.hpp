// Fitting network outputs to targets: l_i = ||a(x_i) - y_i||^2 (classification, approximation).
#pragma once

#include "paraflow/feedforward.hpp"
#include "paraflow/problem.hpp"

namespace paraflow {

class DataFitProblem : public NetworkProblem {
 public:
  /// `inputs` is I x N and `targets` O x N (samples as columns); reduction sum or mean.
  DataFitProblem(std::string name, Network network, Matrix inputs, Matrix targets,
                 Reduction reduction);

  const Matrix& inputs() const { return inputs_; }
  const Matrix& targets() const { return targets_; }

  Index num_samples() const override { return inputs_.cols(); }
  double partial_loss(const Vector& params, std::span<const Index> part, Index batch_size) override;
  double partial_loss_and_gradient(const Vector& params, std::span<const Index> part,
                                   Index batch_size, Vector& gradient) override;

 private:
  double forward(const Vector& params, std::span<const Index> part, Index batch_size);

  Matrix inputs_;
  Matrix targets_;
  Feedforward feedforward_;
};

}  // namespace paraflow
