// Rank layouts: the ranks of a run split once into time groups x data ranks, as XBraid's
// braid_SplitCommworld splits into space and time.
#pragma once

#include <mpi.h>

namespace paraflow {

/// P ranks as P/Q time groups of Q data ranks. Rank r is data rank r % Q of time group r / Q.
/// `data` joins the Q ranks of one group (they share every gradient); `time` joins the ranks with
/// the same data rank across groups (they exchange a window's fine results). Owns both.
class RankLayout {
 public:
  /// Collective over `all` (not owned; it must outlive the layout). Throws std::invalid_argument
  /// on every rank, with the same message, when Q < 1 or Q does not divide P.
  RankLayout(MPI_Comm all, int data_ranks);
  ~RankLayout();
  RankLayout(const RankLayout&) = delete;
  RankLayout& operator=(const RankLayout&) = delete;

  MPI_Comm all() const { return all_; }
  MPI_Comm data() const { return data_; }
  MPI_Comm time() const { return time_; }
  int ranks() const { return ranks_; }
  int rank() const { return rank_; }
  int time_groups() const { return ranks_ / data_ranks_; }
  int data_ranks() const { return data_ranks_; }
  int group() const { return rank_ / data_ranks_; }
  int data_rank() const { return rank_ % data_ranks_; }

 private:
  MPI_Comm all_;
  MPI_Comm data_ = MPI_COMM_NULL;
  MPI_Comm time_ = MPI_COMM_NULL;
  int ranks_ = 1, rank_ = 0, data_ranks_ = 1;
};

/// Waits for `request` without holding a core: MPI_Test in a loop for 200 us, then with sleeps
/// growing from 20 us to 1 ms.
/// Ranks that wait for another group's serial work call this, so that they leave the cores, the
/// memory bandwidth and the clock boost to the ranks that compute (docs/scaling.md).
void wait_yielding(MPI_Request& request);

/// MPI_Bcast, with the non-root ranks waiting as wait_yielding() does.
void broadcast_yielding(void* buffer, int count, MPI_Datatype type, int root, MPI_Comm comm);

}  // namespace paraflow
