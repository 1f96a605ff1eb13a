// What every optimiser (SGD, ParaFlowS, ParaFlow) offers the driver: one iteration at a time.
#pragma once

#include <cstdint>
#include <string>

#include "paraflow/core/budget.hpp"
#include "paraflow/core/history.hpp"
#include "paraflow/core/network.hpp"
#include "paraflow/problems/problem.hpp"

namespace paraflow {

/// The state of a run between iterations: all a bit-exact resume needs besides the options.
struct RunState {
  Vector weights;              ///< W_k
  double loss = 0;             ///< L(W_k) (full batch) where the method tracks it
  bool loss_known = false;     ///< false after SGD steps until the driver evaluates L
  std::int64_t iteration = 0;  ///< iterations completed (SGD: steps)
  Budget budget;
  double wall_time = 0;  ///< seconds, summed over resumed sessions
};

/// Makes state.loss = L(state.weights) known, counting one loss evaluation if it was not.
inline void ensure_loss_known(RunState& state, Problem& problem) {
  if (state.loss_known) return;
  state.loss = problem.full_loss(state.weights);
  ++state.budget.loss_evaluations;
  state.loss_known = true;
}

/// What one iteration did.
struct IterationOutcome {
  std::int64_t corrections = 0;  ///< coarse corrections accepted
  bool diverged = false;         ///< a non-finite loss in F: state keeps the last finite W_k
  /// W_{k+1} = W_k and the iteration depends on W_k alone: every later one would repeat it.
  bool fixed_point = false;
  PhaseTimes times;
};

class Method {
 public:
  virtual ~Method() = default;
  virtual std::string name() const = 0;
  /// Per-sample gradient evaluations the next iteration may spend at most: it starts only if
  /// this fits in the budget.
  virtual std::int64_t worst_case_cost() const = 0;
  /// Advances `state` by one iteration (weights, loss, iteration, budget). Distributed methods
  /// (and any method on a DataParallelProblem): every rank of the run calls it with the same
  /// state and leaves with the same state.
  virtual IterationOutcome iterate(RunState& state) = 0;
};

}  // namespace paraflow
