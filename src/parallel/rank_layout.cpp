#include "paraflow/parallel/rank_layout.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace paraflow {

RankLayout::RankLayout(MPI_Comm all, int data_ranks) : all_(all), data_ranks_(data_ranks) {
  MPI_Comm_size(all, &ranks_);
  MPI_Comm_rank(all, &rank_);
  if (data_ranks < 1) throw std::invalid_argument("--data-ranks must be at least 1");
  if (ranks_ % data_ranks != 0)
    throw std::invalid_argument("--data-ranks " + std::to_string(data_ranks) +
                                " does not divide the " + std::to_string(ranks_) +
                                " MPI ranks into time groups");
  MPI_Comm_split(all, group(), data_rank(), &data_);
  MPI_Comm_split(all, data_rank(), group(), &time_);
}

RankLayout::~RankLayout() {
  if (data_ != MPI_COMM_NULL) MPI_Comm_free(&data_);
  if (time_ != MPI_COMM_NULL) MPI_Comm_free(&time_);
}

void wait_yielding(MPI_Request& request) {
  using clock = std::chrono::steady_clock;
  // Spin for a short while first: a window of a tiny network lasts microseconds, and a sleep
  // costs at least ~50 us; after that, sleeps growing from 20 us to 1 ms.
  const auto spin_until = clock::now() + std::chrono::microseconds(200);
  int done = 0;
  for (MPI_Test(&request, &done, MPI_STATUS_IGNORE); !done && clock::now() < spin_until;)
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
  auto pause = std::chrono::microseconds(20);
  while (!done) {
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(1000));
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
  }
}

void broadcast_yielding(void* buffer, int count, MPI_Datatype type, int root, MPI_Comm comm) {
  MPI_Request request;
  MPI_Ibcast(buffer, count, type, root, comm, &request);
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (rank == root) {
    MPI_Wait(&request, MPI_STATUS_IGNORE);
  } else {
    wait_yielding(request);
  }
}

}  // namespace paraflow
