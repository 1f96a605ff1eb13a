// Fitting network outputs to targets: l_i = ||a(x_i) - y_i||^2 (classification, approximation).
#pragma once

#include "paraflow/core/feedforward.hpp"
#include "paraflow/problems/problem.hpp"

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
  Matrix inputs_;  // before feedforward_, which is sized by it
  Matrix targets_;

 protected:
  /// After the forward pass over `part`: writes dLoss/da into the value adjoint and returns the
  /// part's loss, scaled as in a batch of `batch_size`. Here the squared error; another loss on
  /// the same data (CrossEntropyProblem) overrides it.
  virtual double output_loss(std::span<const Index> part, Index batch_size);

  Feedforward feedforward_;

 private:
  double forward(const Vector& params, std::span<const Index> part, Index batch_size);
};

}  // namespace paraflow
