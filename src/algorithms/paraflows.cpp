#include "paraflow/algorithms/paraflows.hpp"

#include <cmath>

#include "paraflow/core/timer.hpp"

namespace paraflow {

ParaFlowS::ParaFlowS(Problem& problem, FinePropagator& fine, CoarsePropagator& coarse,
                     ParaFlowSSettings settings)
    : problem_(problem), fine_(fine), coarse_(coarse), settings_(settings) {}

std::int64_t ParaFlowS::worst_case_cost() const {
  return fine_.cost() + coarse_.cost() * settings_.coarse_steps;
}

IterationOutcome ParaFlowS::iterate(RunState& state) {
  IterationOutcome outcome;
  PhaseTimer timer(outcome.times);
  Vector& W = state.weights;  // W_n^k: the last accepted point; starts as W_k (Alg. 2, line 3)
  timer.start(&PhaseTimes::argmin);
  ensure_loss_known(state, problem_);
  double loss = state.loss;
  // Alg. 2, line 4: f_0 = F(W_0^k), g_0 = G(W_0^k).
  timer.start(&PhaseTimes::fine);
  f0_ = W;
  if (!fine_.advance(f0_, 0, std::uint64_t(state.iteration * fine_.steps()))) {
    timer.stop();
    outcome.diverged = true;
    return outcome;
  }
  timer.start(&PhaseTimes::coarse);
  coarse_.advance(W, g0_);
  std::int64_t coarse_steps = 1;
  for (int n = 0; n < settings_.coarse_steps; ++n) {  // Alg. 2, line 5
    if (n == 0) {
      next_ = f0_;  // Alg. 2, line 7 with n = 0: f_0 + g_0 - g_0 = f_0 exactly
    } else {
      timer.start(&PhaseTimes::coarse);
      coarse_.advance(W, gn_);  // Alg. 2, line 6: g_n = G(W_n^k)
      ++coarse_steps;
      next_ = f0_ + gn_ - g0_;  // Alg. 2, line 7
    }
    timer.start(&PhaseTimes::argmin);
    const double next_loss = problem_.full_loss(next_);
    ++state.budget.loss_evaluations;
    const bool accept_anyway = n == 0 && settings_.accept_first && std::isfinite(next_loss);
    if (!(next_loss < loss) && !accept_anyway) break;  // Alg. 2, line 8 (NaN breaks too)
    W.swap(next_);
    loss = next_loss;
    ++outcome.corrections;
  }
  timer.stop();
  // Alg. 2, line 10: W_{k+1} = W_n^k (already in state.weights), k = k + 1.
  // Nothing accepted and F depends on W alone: the next iteration would compute the same f_0
  // from the same W and reject it again, and so would every later one.
  outcome.fixed_point = outcome.corrections == 0 && fine_.deterministic();
  state.loss = loss;
  state.budget.charge(fine_.cost() + coarse_steps * coarse_.cost(),
                      fine_.critical_cost() + coarse_steps * coarse_.critical_cost());
  ++state.iteration;
  return outcome;
}

}  // namespace paraflow
