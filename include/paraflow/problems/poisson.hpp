// PINN for -Delta u = f on a 2-D domain with u = 0 on its boundary (the paper's third problem).
#pragma once

#include <vector>

#include "paraflow/core/feedforward.hpp"
#include "paraflow/problems/problem.hpp"

namespace paraflow {

/// Samples 0..N_c-1 are PDE residual terms r_c^2 = (-Delta u(x_c) - f)^2 at the collocation points,
/// samples N_c..N_c+N_b-1 boundary terms u(x_b)^2. Delta u is propagated through the layers
/// (Feedforward), never approximated by finite differences.
class PoissonProblem : public NetworkProblem {
 public:
  /// `collocation` is 2 x N_c, `boundary` 2 x N_b; f = `source` is constant.
  PoissonProblem(Network network, Matrix collocation, Matrix boundary, Reduction reduction,
                 double source = 1.0);

  const Matrix& collocation() const { return collocation_; }
  const Matrix& boundary() const { return boundary_; }
  Index num_collocation() const { return collocation_.cols(); }
  Index num_boundary() const { return boundary_.cols(); }

  Index num_samples() const override { return num_collocation() + num_boundary(); }
  double partial_loss(const Vector& params, std::span<const Index> part, Index batch_size) override;
  double partial_loss_and_gradient(const Vector& params, std::span<const Index> part,
                                   Index batch_size, Vector& gradient) override;

  /// Batches run in blocks of at most this many samples, the gradient summed over the blocks:
  /// a block's layer states then stay in the core's L2 cache (the full batch of 1440 in one
  /// block ran at 2.1e5 gradients/s, in blocks of 128 to 512 at 2.7e5 to 2.9e5). Changes only
  /// the order of the sums.
  static constexpr Index kDefaultBlockSamples = 384;
  void set_block_samples(Index samples);

 private:
  struct Scales {
    double c, w_residual, w_boundary;  // batch loss c * sum_i w_i l_i
  };
  Scales scales(Index batch_size) const;
  double forward(const Vector& params, std::span<const Index> block, const Scales& s);

  Index block_samples_ = kDefaultBlockSamples;

  Matrix collocation_;
  Matrix boundary_;
  double source_;
  Feedforward feedforward_;
  std::vector<Index> order_;  // a block reordered: residual samples first
  Vector block_gradient_;     // a later block's gradient, before it is added
};

/// DeepXDE's training set for the L-shaped domain [-1,1]^2 \ [0,1]^2: `interior` pseudo-random
/// points (rejection sampling from `seed`) plus `boundary` points evenly spread along the
/// boundary starting at the corner (0,0). Returns {collocation (interior then boundary), boundary}.
std::pair<Matrix, Matrix> l_shape_points(Index interior, Index boundary, std::uint64_t seed);

}  // namespace paraflow
