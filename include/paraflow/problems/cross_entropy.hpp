// Classification by softmax cross-entropy: l_i = -sum_k y_ik log softmax(a(x_i))_k, which for a
// one-hot target is -log softmax(a(x_i))[label_i].
#pragma once

#include "paraflow/problems/data_fit.hpp"

namespace paraflow {

/// The network's outputs are logits (output activation linear; softmax is part of the loss).
/// Reductions: `sum` is sum_i l_i and `mean` (1/d_B) sum_i l_i over the batch, as for
/// DataFitProblem but without its 1/2: cross-entropy is conventionally not halved. The partial
/// forms (data ranks) scale a part's terms by the whole batch's d_B.
class CrossEntropyProblem : public DataFitProblem {
 public:
  /// `inputs` is I x N, `targets` C x N with C >= 2 classes: one-hot columns (class labels), or
  /// probabilities (>= 0, each column summing to 1). Throws std::invalid_argument otherwise, if
  /// the shapes do not match the network, or if its output activation is not linear.
  CrossEntropyProblem(std::string name, Network network, Matrix inputs, Matrix targets,
                      Reduction reduction);

  /// The fraction of all samples whose largest output is at their target's largest entry (their
  /// label), in [0, 1]. Ties go to the lower class.
  double accuracy(const Vector& params);

 protected:
  double output_loss(std::span<const Index> part, Index batch_size) override;
};

}  // namespace paraflow
