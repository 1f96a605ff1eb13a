// (Stochastic) gradient descent as a Method: the baseline of the paper's tables.
#pragma once

#include "paraflow/algorithms/method.hpp"
#include "paraflow/algorithms/propagators.hpp"

namespace paraflow {

/// One iteration = one SGD step; step j draws its batch from the stream (seed, 0, j), the same
/// batches as the fine propagator of ParaFlowS's slice 0 at the same global step.
class Sgd : public Method {
 public:
  Sgd(Problem& problem, Index batch_size, double eta, std::uint64_t seed);
  std::string name() const override { return "sgd"; }
  std::int64_t worst_case_cost() const override { return step_.batch_size(); }
  IterationOutcome iterate(RunState& state) override;

 private:
  SgdStep step_;
  std::uint64_t seed_;
};

}  // namespace paraflow
