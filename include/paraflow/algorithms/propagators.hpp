// The propagators of Section 4: F = N_F SGD steps (eta_F, batch d_B), G = one full-batch GD step
// (eta_G). They advance a parameter vector over one slice and know nothing about MPI.
#pragma once

#include <cstdint>

#include "paraflow/core/random.hpp"
#include "paraflow/problems/problem.hpp"

namespace paraflow {

/// One SGD step W <- W - eta * grad L_I(W) on a batch I of d_B samples.
class SgdStep {
 public:
  SgdStep(Problem& problem, Index batch_size, double eta);
  /// Draws the batch from `random`, steps `w`; returns the batch loss at the old `w`
  /// (non-finite: divergence, `w` is then not updated).
  double step(Vector& w, Random& random);
  Index batch_size() const { return sampler_.batch_size(); }
  /// Per-sample gradients of one step on the rank with the largest share of the batch.
  Index critical_cost() const { return problem_.largest_share(batch_size()); }
  double eta() const { return eta_; }

 private:
  Problem& problem_;
  BatchSampler sampler_;
  Vector gradient_;
  double eta_;
};

/// F over one slice: `steps` SGD steps. The batch of step s of slice n is drawn from the stream
/// (seed, n, first_step + s), so a result depends on the slice, never on the rank computing it.
/// Another fine propagator (momentum SGD, Adam, ...) derives from this class and overrides
/// advance(); the algorithms call nothing else of it but cost() and steps() (docs/library.md).
class FinePropagator {
 public:
  FinePropagator(Problem& problem, Index batch_size, double eta, std::int64_t steps,
                 std::uint64_t seed);
  virtual ~FinePropagator() = default;
  /// Advances `w` in place; returns false (and stops) if a batch loss became non-finite. Must
  /// depend only on (w, slice, first_step) for ParaFlow's answer not to depend on the ranks.
  virtual bool advance(Vector& w, std::uint64_t slice, std::uint64_t first_step);
  std::int64_t steps() const { return steps_; }
  /// Per-sample gradient evaluations of one advance(): d_B * N_F.
  std::int64_t cost() const { return std::int64_t(step_.batch_size()) * steps_; }
  /// The same on the rank with the largest share of each batch (data parallelism).
  std::int64_t critical_cost() const { return std::int64_t(step_.critical_cost()) * steps_; }
  Index batch_size() const { return step_.batch_size(); }
  double eta() const { return step_.eta(); }
  std::uint64_t seed() const { return seed_; }
  /// Whether advance() depends on `w` alone, not on the slice or the step (nor on a stream):
  /// true for this class with the full batch, where a step draws nothing. A derived class is
  /// assumed to use its stream unless it overrides this.
  virtual bool deterministic() const;

 protected:
  Problem& problem() { return problem_; }

 private:
  Problem& problem_;
  SgdStep step_;
  std::int64_t steps_;
  std::uint64_t seed_;
};

/// G: one full-batch gradient-descent step, out = in - eta_G grad L(in).
class CoarsePropagator {
 public:
  CoarsePropagator(Problem& problem, double eta);
  /// Writes G(in) into `out` (may alias `in`); returns L(in), computed on the way.
  double advance(const Vector& in, Vector& out);
  /// Per-sample gradient evaluations of one advance(): N.
  std::int64_t cost() const { return problem_.num_samples(); }
  /// The same on the rank with the largest share of the full batch (data parallelism).
  std::int64_t critical_cost() const { return problem_.largest_share(problem_.num_samples()); }
  double eta() const { return eta_; }

 private:
  Problem& problem_;
  Vector gradient_;
  double eta_;
};

}  // namespace paraflow
