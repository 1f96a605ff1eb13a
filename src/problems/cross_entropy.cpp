#include "paraflow/problems/cross_entropy.hpp"

#include <cmath>
#include <stdexcept>

namespace paraflow {

CrossEntropyProblem::CrossEntropyProblem(std::string name, Network network, Matrix inputs,
                                         Matrix targets, Reduction reduction)
    : NetworkProblem(std::move(name), network, reduction),
      inputs_(std::move(inputs)),
      targets_(std::move(targets)),
      feedforward_(network, inputs_.cols()) {
  if (reduction == Reduction::deepxde)
    throw std::invalid_argument("reduction 'deepxde' applies to the poisson problem only");
  if (network.output_activation() != Activation::linear)
    throw std::invalid_argument(
        "cross-entropy needs a linear output activation (the softmax is part of the loss)");
  if (network.layers().back() < 2)
    throw std::invalid_argument("cross-entropy needs at least 2 outputs (classes)");
  if (inputs_.rows() != network.width(0) || targets_.rows() != network.layers().back())
    throw std::invalid_argument("data dimensions do not match the network's input/output layers");
  if (inputs_.cols() != targets_.cols() || inputs_.cols() < 1)
    throw std::invalid_argument("inputs and targets must have the same, non-zero, sample count");
  for (Index j = 0; j < targets_.cols(); ++j)
    if (!(targets_.col(j).minCoeff() >= 0) || !(std::abs(targets_.col(j).sum() - 1.0) <= 1e-6))
      throw std::invalid_argument(
          "cross-entropy targets must be one-hot or probabilities (sample " + std::to_string(j) +
          ")");
}

// Forward pass on the part of a batch; leaves c (softmax(a) sum_k y_k - y) in the value adjoint
// (= c (softmax(a) - y) for probability targets) and returns c sum_i l_i, c = 1 (sum) or 1/d_B
// (mean).
// log softmax(a)_k = a_k - lse(a) with lse(a) = m + log sum_k exp(a_k - m), m = max_k a_k: no
// overflow for any logits, and the largest term of the sum is 1, so no log(0) either.
double CrossEntropyProblem::forward(const Vector& params, std::span<const Index> part,
                                    Index batch_size) {
  const Index size = Index(part.size());
  auto input = feedforward_.begin(size);
  for (Index j = 0; j < size; ++j) input.col(j) = inputs_.col(part[j]);
  feedforward_.forward(params);
  const auto logits = feedforward_.value();
  auto adjoint = feedforward_.value_adjoint();
  const double c = reduction() == Reduction::mean ? 1.0 / double(batch_size) : 1.0;
  double loss = 0;
  for (Index j = 0; j < size; ++j) {
    const auto y = targets_.col(part[j]);
    auto p = adjoint.col(j);
    const double m = logits.col(j).maxCoeff();
    p.array() = (logits.col(j).array() - m).exp();
    const double sum = p.sum();
    const double lse = m + std::log(sum);
    const double y_sum = y.sum();
    loss += lse * y_sum - y.dot(logits.col(j));  // sum_k y_k (lse - a_k)
    p = c * (p * (y_sum / sum) - y);
  }
  return c * loss;
}

double CrossEntropyProblem::partial_loss(const Vector& params, std::span<const Index> part,
                                         Index batch_size) {
  return forward(params, part, batch_size);
}

double CrossEntropyProblem::partial_loss_and_gradient(const Vector& params,
                                                      std::span<const Index> part, Index batch_size,
                                                      Vector& gradient) {
  const double loss = forward(params, part, batch_size);
  feedforward_.backward(params, gradient);
  return loss;
}

double CrossEntropyProblem::accuracy(const Vector& params) {
  auto input = feedforward_.begin(num_samples());
  input = inputs_;
  feedforward_.forward(params);
  const auto logits = feedforward_.value();
  Index correct = 0;
  for (Index j = 0; j < logits.cols(); ++j) {
    Index predicted = 0, label = 0;
    logits.col(j).maxCoeff(&predicted);
    targets_.col(j).maxCoeff(&label);
    correct += predicted == label;
  }
  return double(correct) / double(logits.cols());
}

}  // namespace paraflow
