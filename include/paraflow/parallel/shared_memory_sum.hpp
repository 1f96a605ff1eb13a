// Summing a vector over the ranks of one node through shared memory instead of MPI_Allreduce.
#pragma once

#include <mpi.h>

#include "paraflow/core/network.hpp"

namespace paraflow {

/// Sums vectors of `length` doubles over the ranks of a communicator that share one node, through
/// one MPI-3 shared-memory window holding every rank's copy and the sums: each rank writes its
/// copy, sums its 1/Q of the elements over the Q copies in rank order, and reads all the sums
/// back (two barriers). Deterministic: element i is ((x_0 + x_1) + x_2) + ... on every run and
/// every rank. Collective; owns the window.
class SharedMemorySum {
 public:
  /// Throws std::invalid_argument on every rank when the ranks of `comm` do not share a node.
  SharedMemorySum(MPI_Comm comm, Index length);
  ~SharedMemorySum();
  SharedMemorySum(const SharedMemorySum&) = delete;
  SharedMemorySum& operator=(const SharedMemorySum&) = delete;

  /// Collective: `values` (count <= length doubles) becomes their sum over the ranks.
  void sum(double* values, Index count);

 private:
  void synchronize();

  MPI_Comm comm_;
  Index length_;
  int rank_ = 0, ranks_ = 1;
  MPI_Win window_ = MPI_WIN_NULL;
  double* copies_ = nullptr;  // ranks_ copies, then the sums
};

}  // namespace paraflow
