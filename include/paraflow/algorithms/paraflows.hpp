// ParaFlowS (Alg. 2): one fine propagator and up to N_G coarse corrections per iteration,
// stopping at the first non-decrease of L. The single-rank form of ParaFlow.
#pragma once

#include "paraflow/algorithms/method.hpp"
#include "paraflow/algorithms/propagators.hpp"

namespace paraflow {

struct ParaFlowSSettings {
  int coarse_steps = 10;      ///< N_G: the cap on corrections per iteration
  bool accept_first = false;  ///< always take W_1 = F(W_0) (the authors' MATLAB variant)
};

class ParaFlowS : public Method {
 public:
  /// Iteration k draws F's batches from the streams (seed, 0, k N_F + s).
  ParaFlowS(Problem& problem, FinePropagator& fine, CoarsePropagator& coarse,
            ParaFlowSSettings settings);
  std::string name() const override { return "paraflows"; }
  /// d_B N_F + N N_G.
  std::int64_t worst_case_cost() const override;
  IterationOutcome iterate(RunState& state) override;

 private:
  Problem& problem_;
  FinePropagator& fine_;
  CoarsePropagator& coarse_;
  ParaFlowSSettings settings_;
  Vector f0_, g0_, gn_, next_;
};

}  // namespace paraflow
