#include "paraflow/parallel/shared_memory_sum.hpp"

#include <cstring>
#include <stdexcept>

namespace paraflow {

namespace {

bool on_one_node(MPI_Comm comm) {
  MPI_Comm node;
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int size = 0, node_size = 0;
  MPI_Comm_size(comm, &size);
  MPI_Comm_size(node, &node_size);
  MPI_Comm_free(&node);
  int mine = node_size == size, all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, comm);
  return all != 0;
}

}  // namespace

SharedMemorySum::SharedMemorySum(MPI_Comm comm, Index length) : comm_(comm), length_(length) {
  MPI_Comm_rank(comm, &rank_);
  MPI_Comm_size(comm, &ranks_);
  if (!on_one_node(comm))
    throw std::invalid_argument(
        "--data-sum shared needs the data ranks of each time group on "
        "one node (use --data-sum allreduce)");
  // Rank 0 holds the whole window, so that copies_ is one array on every rank.
  const MPI_Aint bytes =
      rank_ == 0 ? MPI_Aint(ranks_ + 1) * MPI_Aint(length) * MPI_Aint(sizeof(double)) : 0;
  double* own = nullptr;
  MPI_Win_allocate_shared(bytes, sizeof(double), MPI_INFO_NULL, comm, &own, &window_);
  MPI_Aint size = 0;
  int unit = 0;
  MPI_Win_shared_query(window_, 0, &size, &unit, &copies_);
  MPI_Win_lock_all(MPI_MODE_NOCHECK, window_);
}

SharedMemorySum::~SharedMemorySum() {
  MPI_Win_unlock_all(window_);
  MPI_Win_free(&window_);
}

// Makes every rank's stores visible to the others (the unified model's sync-barrier-sync).
void SharedMemorySum::synchronize() {
  MPI_Win_sync(window_);
  MPI_Barrier(comm_);
  MPI_Win_sync(window_);
}

void SharedMemorySum::sum(double* values, Index count) {
  if (count > length_) throw std::invalid_argument("SharedMemorySum: more values than its length");
  const std::size_t n = std::size_t(count);
  const std::size_t stride = std::size_t(length_);
  double* sums = copies_ + std::size_t(ranks_) * stride;
  std::memcpy(copies_ + std::size_t(rank_) * stride, values, n * sizeof(double));
  synchronize();
  const std::size_t begin = n * std::size_t(rank_) / std::size_t(ranks_),
                    end = n * std::size_t(rank_ + 1) / std::size_t(ranks_);
  for (std::size_t i = begin; i < end; ++i) {
    double total = copies_[i];
    for (int r = 1; r < ranks_; ++r) total += copies_[std::size_t(r) * stride + i];
    sums[i] = total;
  }
  synchronize();
  std::memcpy(values, sums, n * sizeof(double));
  // No third barrier: a rank that runs ahead writes only its own copy before the next first
  // barrier, and the sums only after it, when every rank has read these.
}

}  // namespace paraflow
