// One training run end to end: options -> problem + propagators -> method (+ communicator) ->
// history and weights -> run file. What `paraflow run` does, callable from a user's program.
#pragma once

#include <mpi.h>

#include <iosfwd>
#include <memory>

#include "paraflow/algorithms/trainer.hpp"
#include "paraflow/driver/run_config.hpp"
#include "paraflow/problems/problem.hpp"

namespace paraflow {

struct RunResult {
  RunConfig config;  ///< as resolved (and, on --resume, as read from the run file)
  RunState state;
  History history;
  StopReason reason = StopReason::budget;
  std::int64_t ranks = 1;
  double accuracy = -1;  ///< classification (--loss cross-entropy): fraction right at the end
};

/// The problem a config names: a paper problem with its data drawn from the config's seed, or
/// (--problem data) the user's file, whose content hash it records in config.data_sha256 or,
/// when one is recorded already (a resume), checks against it. Throws std::invalid_argument
/// (one line) on bad data or a hash that differs.
std::unique_ptr<NetworkProblem> make_problem(RunConfig& config);

/// --validation's scorer of the weights (empty without it): the held-out file read as --data is,
/// its hash recorded in config.validation_sha256 or checked against it, its shape checked
/// against the trained network's. Throws std::invalid_argument (one line).
Validation make_validation(RunConfig& config, const NetworkProblem& trained);

/// --embed-data auto embeds data of up to this many bytes (inputs and targets as float64).
constexpr double kEmbedDataLimit = 16.0 * 1024 * 1024;
/// Whether the run file embeds the data of a run whose inputs and targets hold `values` numbers.
bool embeds_data(const RunConfig& config, Index values);

/// The run file of a (finished or checkpointed) run.
RunRecord make_record(const RunConfig& config, const NetworkProblem& problem, const RunResult& run,
                      const std::string& command_line);

/// What the run file at `path` records as its run's result (options, state, history, why it
/// stopped; `accuracy` is not recomputed), without running anything: a finished run read back,
/// or a checkpoint (StopReason::signal or wall_time) to decide whether to resume it. Throws
/// RunFileError naming the file.
RunResult read_run_result(const std::string& path);

/// Collective over `comm`. Resolves `config` (which must name a method usable on comm's size),
/// trains, prints progress on `log` (rank 0, nullptr: silent) and, on rank 0, writes
/// config.output if set. `stop_flag`, when non-null, is polled on rank 0: non-zero asks the run
/// to checkpoint and stop at the next safe point.
RunResult run_training(RunConfig config, MPI_Comm comm, std::ostream* log,
                       const std::string& command_line = "",
                       const volatile int* stop_flag = nullptr);

}  // namespace paraflow
