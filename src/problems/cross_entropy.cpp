#include "paraflow/problems/cross_entropy.hpp"

#include <cmath>
#include <stdexcept>

namespace paraflow {

CrossEntropyProblem::CrossEntropyProblem(std::string name, Network network, Matrix inputs,
                                         Matrix targets, Reduction reduction)
    : DataFitProblem(std::move(name), network, std::move(inputs), std::move(targets), reduction) {
  if (network.output_activation() != Activation::linear)
    throw std::invalid_argument(
        "cross-entropy needs a linear output activation (the softmax is part of the loss)");
  if (network.layers().back() < 2)
    throw std::invalid_argument("cross-entropy needs at least 2 outputs (classes)");
  for (Index j = 0; j < this->targets().cols(); ++j)
    if (!(this->targets().col(j).minCoeff() >= 0) ||
        !(std::abs(this->targets().col(j).sum() - 1.0) <= 1e-6))
      throw std::invalid_argument(
          "cross-entropy targets must be one-hot or probabilities (sample " + std::to_string(j) +
          ")");
}

// Leaves c (softmax(a) sum_k y_k - y) in the value adjoint
// (= c (softmax(a) - y) for probability targets) and returns c sum_i l_i, c = 1 (sum) or 1/d_B
// (mean).
// log softmax(a)_k = a_k - lse(a) with lse(a) = m + log sum_k exp(a_k - m), m = max_k a_k: no
// overflow for any logits, and the largest term of the sum is 1, so no log(0) either.
double CrossEntropyProblem::output_loss(std::span<const Index> part, Index batch_size) {
  const Index size = Index(part.size());
  const auto logits = feedforward_.value();
  auto adjoint = feedforward_.value_adjoint();
  const double c = reduction() == Reduction::mean ? 1.0 / double(batch_size) : 1.0;
  double loss = 0;
  for (Index j = 0; j < size; ++j) {
    const auto y = targets().col(part[j]);
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

double CrossEntropyProblem::accuracy(const Vector& params) {
  auto input = feedforward_.begin(num_samples());
  input = inputs();
  feedforward_.forward(params);
  const auto logits = feedforward_.value();
  Index correct = 0;
  for (Index j = 0; j < logits.cols(); ++j) {
    Index predicted = 0, label = 0;
    logits.col(j).maxCoeff(&predicted);
    targets().col(j).maxCoeff(&label);
    correct += predicted == label;
  }
  return double(correct) / double(logits.cols());
}

}  // namespace paraflow
