#include "paraflow/algorithms/sgd.hpp"

#include <cmath>

namespace paraflow {

Sgd::Sgd(Problem& problem, Index batch_size, double eta, std::uint64_t seed)
    : step_(problem, batch_size, eta), seed_(seed) {}

IterationOutcome Sgd::iterate(RunState& state) {
  IterationOutcome outcome;
  Random random = Random::stream(seed_, 0, std::uint64_t(state.iteration));
  const double batch_loss = step_.step(state.weights, random);
  outcome.diverged = !std::isfinite(batch_loss);
  if (outcome.diverged) return outcome;
  state.budget.charge(step_.batch_size(), step_.critical_cost());
  state.loss_known = false;
  ++state.iteration;
  return outcome;
}

}  // namespace paraflow
