// The computing half of `paraflow table`: (cell, seed) jobs spread over MPI ranks, each job one
// ParaFlowS run per N_F and one SGD run (resumed through the budgets ParaFlowS spent, with
// --compare-at spent) on MPI_COMM_SELF, results aggregated into rows on rank 0.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "table.hpp"

namespace paraflow::cli {

struct SweepSettings {
  TableGrid grid;                    ///< table, problem and N; the lists are not used here
  std::vector<std::uint64_t> seeds;  ///< sorted, distinct
  std::int64_t ng = 100;
  /// Which cells are "–". Under DashRule::paper a cell whose whole iteration does not fit runs
  /// ParaFlowS with N_G = affordable_ng(), or F alone when that is 0 (table_sweep.cpp).
  DashRule dash_rule = DashRule::paper;
  bool accept_first = false;
  /// R's denominator: SGD at the budget limit (false), or SGD at the budget ParaFlowS actually
  /// spent (true), which stops after its last whole iteration and may leave part unspent.
  bool compare_at_spent = false;
  std::string reduction;  ///< "" = the problem's paper preset
  std::string runs_dir;   ///< "" = keep no run files
  /// Seconds between checkpoints of each run's file in runs_dir (0: only at its end). A kept
  /// file with the sweep's options is read back when finished, resumed when a checkpoint.
  double checkpoint_every = 0;
};

/// How many runs a sweep computed, read back from --runs-dir, or resumed from a checkpoint there.
struct SweepRuns {
  std::int64_t computed = 0, reused = 0, resumed = 0;
};

/// A (batch size, eta_F, budget) cell and the N_F whose rows it still lacks.
struct SweepCell {
  std::int64_t batch_size = 0;
  double eta = 0;
  std::int64_t budget = 0;
  std::vector<std::int64_t> nfs;
};

/// Collective over `comm`: every rank passes the same cells. Rank 0 gets each finished row
/// (without the paper's values) through `on_row`, a cell's rows together once all its seeds are
/// in. A row's `seconds` is the wall time of its ParaFlowS runs plus an equal share of the cell's
/// SGD runs, summed over seeds, so the column adds up to the sweep's compute time (a run read
/// back from --runs-dir counts its recorded wall time, a run that continues another only what it
/// added). Returns, on rank 0, the runs of all ranks.
SweepRuns run_sweep(const SweepSettings& settings, const std::vector<SweepCell>& cells,
                    MPI_Comm comm, const std::function<void(const TableRow&)>& on_row);

}  // namespace paraflow::cli
