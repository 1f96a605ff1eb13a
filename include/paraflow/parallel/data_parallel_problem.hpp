// A Problem whose every loss and gradient is computed by the Q ranks of a communicator, each on
// its share of the batch, and summed across them: data parallelism under any optimiser.
#pragma once

#include <mpi.h>

#include <vector>

#include "paraflow/problems/problem.hpp"

namespace paraflow {

/// Wraps this rank's copy of a problem that implements the partial forms of Problem. Every call is
/// collective over `data` (all its ranks call it with the same parameters and batch). Rank j of Q
/// takes every Q-th sample of the batch from the j-th on: a batch that lists samples of unequal
/// cost in runs (the PINN's full batch: residual points, each four network columns, then boundary
/// points, one) is then split evenly by cost too, not only by count. The partial losses and
/// gradients are summed with one MPI_Allreduce of d + 1 doubles, so every rank gets the same
/// result, equal to the one-rank result up to the order of the floating-point sums.
class DataParallelProblem : public Problem {
 public:
  DataParallelProblem(Problem& local, MPI_Comm data);
  Index num_samples() const override { return local_.num_samples(); }
  Index num_parameters() const override { return local_.num_parameters(); }
  double loss(const Vector& params, std::span<const Index> batch) override;
  double loss_and_gradient(const Vector& params, std::span<const Index> batch,
                           Vector& gradient) override;
  /// ceil(batch_size / Q).
  Index largest_share(Index batch_size) const override;
  int ranks() const { return ranks_; }

 private:
  std::span<const Index> share(std::span<const Index> batch);

  Problem& local_;
  MPI_Comm data_;
  int rank_ = 0, ranks_ = 1;
  Vector sums_;               // this rank's gradient and loss, then the sums
  std::vector<Index> share_;  // this rank's samples of the current batch
};

}  // namespace paraflow
