#include "paraflow/problems/data_fit.hpp"

#include <stdexcept>

namespace paraflow {

DataFitProblem::DataFitProblem(std::string name, Network network, Matrix inputs, Matrix targets,
                               Reduction reduction)
    : NetworkProblem(std::move(name), network, reduction),
      inputs_(std::move(inputs)),
      targets_(std::move(targets)),
      feedforward_(network, inputs_.cols()) {
  if (reduction == Reduction::deepxde)
    throw std::invalid_argument("reduction 'deepxde' applies to the poisson problem only");
  if (inputs_.rows() != network.width(0) || targets_.rows() != network.layers().back())
    throw std::invalid_argument("data dimensions do not match the network's input/output layers");
  if (inputs_.cols() != targets_.cols() || inputs_.cols() < 1)
    throw std::invalid_argument("inputs and targets must have the same, non-zero, sample count");
}

// Forward pass on the part of a batch, then the loss of its outputs.
double DataFitProblem::forward(const Vector& params, std::span<const Index> part,
                               Index batch_size) {
  const Index size = Index(part.size());
  auto input = feedforward_.begin(size);
  for (Index j = 0; j < size; ++j) input.col(j) = inputs_.col(part[j]);
  feedforward_.forward(params);
  return output_loss(part, batch_size);
}

// Leaves c * 2 (a - y) in the value adjoint and returns c * sum ||a - y||^2 with c = 1/2 (sum)
// or 1/(2 d_B) (mean).
double DataFitProblem::output_loss(std::span<const Index> part, Index batch_size) {
  const Index size = Index(part.size());
  auto residual = feedforward_.value_adjoint();
  residual = feedforward_.value();
  for (Index j = 0; j < size; ++j) residual.col(j) -= targets_.col(part[j]);
  const double c = reduction() == Reduction::mean ? 0.5 / double(batch_size) : 0.5;
  const double loss = c * residual.squaredNorm();
  residual *= 2.0 * c;
  return loss;
}

double DataFitProblem::partial_loss(const Vector& params, std::span<const Index> part,
                                    Index batch_size) {
  return forward(params, part, batch_size);
}

double DataFitProblem::partial_loss_and_gradient(const Vector& params, std::span<const Index> part,
                                                 Index batch_size, Vector& gradient) {
  const double loss = forward(params, part, batch_size);
  feedforward_.backward(params, gradient);
  return loss;
}

}  // namespace paraflow
