// read_run_result: a run file read back is the result its run returned (options, state,
// history, stop reason), for a finished run and for one stopped early; each rank on its own file.
#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "paraflow/driver/run.hpp"

namespace paraflow {
namespace {

std::string own_file(const std::string& name) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return (std::filesystem::temp_directory_path() /
          ("paraflow-run-result-" + std::to_string(::getpid()) + "-" + std::to_string(rank) + "-" +
           name + ".h5"))
      .string();
}

// Runs `c` on this rank alone into its own file, checks why it stopped, and reads it back.
void expect_read_back(RunConfig c, StopReason reason) {
  c.output = own_file(to_string(reason));
  const RunResult run = run_training(c, MPI_COMM_SELF, nullptr);
  EXPECT_EQ(run.reason, reason);
  const RunResult read = read_run_result(c.output);
  EXPECT_EQ(read.config.to_attributes(), run.config.to_attributes());
  EXPECT_EQ(read.state.weights, run.state.weights);
  EXPECT_EQ(read.state.loss, run.state.loss);
  EXPECT_EQ(read.state.iteration, run.state.iteration);
  EXPECT_EQ(read.state.budget.spent, run.state.budget.spent);
  EXPECT_EQ(read.state.budget.limit, run.state.budget.limit);
  EXPECT_EQ(read.state.wall_time, run.state.wall_time);
  EXPECT_EQ(read.history, run.history);
  EXPECT_EQ(read.reason, run.reason);
  std::filesystem::remove(c.output);
}

RunConfig paraflows_on_approximation() {
  RunConfig c;
  c.problem = "approximation";
  c.batch_size = 12;
  c.eta = 0.05;
  c.nf = 5;
  c.ng = 4;
  c.budget = 20'000;
  c.seed = 3;
  return c;
}

TEST(ReadRunResult, FinishedRunReadsBackAsItsResult) {
  expect_read_back(paraflows_on_approximation(), StopReason::budget);
}

TEST(ReadRunResult, RunStoppedByWallTimeReadsBackAsACheckpoint) {
  RunConfig c = paraflows_on_approximation();
  c.method = "sgd";
  c.wall_time = 0;
  expect_read_back(c, StopReason::wall_time);
}

TEST(ReadRunResult, StopReasonNamesRoundTrip) {
  for (auto r : {StopReason::budget, StopReason::max_iterations, StopReason::wall_time,
                 StopReason::signal, StopReason::diverged, StopReason::fixed_point})
    EXPECT_EQ(parse_stop_reason(to_string(r)), r);
  EXPECT_THROW(parse_stop_reason("finished"), std::invalid_argument);
}

}  // namespace
}  // namespace paraflow
