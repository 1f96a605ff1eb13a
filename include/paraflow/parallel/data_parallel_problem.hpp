// A Problem whose every loss and gradient is computed by the Q ranks of a communicator, each on
// its share of the batch, and summed across them: data parallelism under any optimiser.
#pragma once

#include <mpi.h>

#include <memory>
#include <string>
#include <vector>

#include "paraflow/parallel/shared_memory_sum.hpp"
#include "paraflow/problems/problem.hpp"

namespace paraflow {

/// How the Q partial sums are added: MPI_Allreduce (any ranks; the order is the MPI library's),
/// or SharedMemorySum (the ranks of one node; rank order, deterministic).
enum class DataSum { allreduce, shared };
DataSum parse_data_sum(const std::string& name);  ///< std::invalid_argument on other names

/// Wraps this rank's copy of a problem that implements the partial forms of Problem. Every call is
/// collective over `data` (all its ranks call it with the same parameters and batch). Rank j of Q
/// takes every Q-th sample of the batch from the j-th on: a batch that lists samples of unequal
/// cost in runs (the PINN's full batch: residual points, each four network columns, then boundary
/// points, one) is then split evenly by cost too, not only by count. The partial losses and
/// gradients are summed in one reduction of d + 1 doubles (`sum`), so every rank gets the same
/// result, equal to the one-rank result up to the order of the floating-point sums.
class DataParallelProblem : public Problem {
 public:
  /// Collective over `data`; DataSum::shared throws std::invalid_argument on every rank when its
  /// ranks do not share a node.
  DataParallelProblem(Problem& local, MPI_Comm data, DataSum sum = DataSum::allreduce);
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
  void sum(double* values, Index count);

  Problem& local_;
  MPI_Comm data_;
  int rank_ = 0, ranks_ = 1;
  Vector sums_;                              // this rank's gradient and loss, then the sums
  std::vector<Index> share_;                 // this rank's samples of the current batch
  std::unique_ptr<SharedMemorySum> shared_;  // DataSum::shared
};

}  // namespace paraflow
