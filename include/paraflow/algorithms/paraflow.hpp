// ParaFlow (Alg. 1) over time groups: each group runs the fine propagators of its slices of a
// window, group 0 performs the sequential coarse correction (eq. (3)) and the argmin.
#pragma once

#include <mpi.h>

#include "paraflow/algorithms/method.hpp"
#include "paraflow/algorithms/parareal.hpp"
#include "paraflow/core/timer.hpp"

namespace paraflow {

/// Alg. 1, line 3: how the window's initial points W_{n,0} are built from W_k.
enum class InitialGuess {
  copy,   ///< W_{n,0} = W_k: all g_n are one G(W_k); slices differ only by their batches
  coarse  ///< W_{n+1,0} = G(W_{n,0}): the classical Parareal start
};
InitialGuess parse_initial_guess(const std::string& name);
std::string to_string(InitialGuess guess);

struct ParaFlowSettings {
  int slices = 10;  ///< N_G
  InitialGuess initial_guess = InitialGuess::copy;
};

class ParaFlow : public Method {
 public:
  /// Collective over `time`, which joins one rank of each time group (at most N_G groups; slices
  /// spread in contiguous blocks; RankLayout::time()). `problem`, `fine` and `coarse` are this
  /// rank's own objects; with data ranks they compute on the group's data communicator
  /// (DataParallelProblem), and every rank of a group calls iterate() alike. Slice n of window k
  /// draws F's batches from the streams (seed, n, k N_F + s): the result does not depend on the
  /// number of groups.
  ParaFlow(Problem& problem, FinePropagator& fine, CoarsePropagator& coarse,
           ParaFlowSettings settings, MPI_Comm time);
  std::string name() const override { return "paraflow"; }
  std::int64_t worst_case_cost() const override;
  /// Per-sample gradient evaluations on the critical path of one window.
  std::int64_t critical_path_cost() const;
  /// Collective. Leaves every rank with the same state.
  IterationOutcome iterate(RunState& state) override;

 private:
  int first_slice(int rank) const;
  int coarse_steps_before_correction() const;
  void initial_points(const Vector& start, int through, PhaseTimer& timer);
  bool fine_phase(std::int64_t k, PhaseTimer& timer);
  void gather_fine();
  int argmin() const;
  void report_times(PhaseTimes& times) const;

  Problem& problem_;
  FinePropagator& fine_;
  CoarsePropagator& coarse_;
  ParaFlowSettings settings_;
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
  Window window_;
  Vector message_;  // group 0's answer: L(W_{k+1}), argmin n, diverged, then W_{k+1}
};

}  // namespace paraflow
