// Rank layouts (--data-ranks): every method on time groups x data ranks against the same run on one
// rank, run to run, and across time-group counts; budget and critical path by layout.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <stdexcept>
#include <tuple>

#include "paraflow/driver/run.hpp"
#include "paraflow/parallel/shared_memory_sum.hpp"

namespace paraflow {
namespace {

int size_of(MPI_Comm comm) {
  int size = 1;
  MPI_Comm_size(comm, &size);
  return size;
}
int rank_of(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  return rank;
}

// 20 steps of SGD, 20 iterations of ParaFlowS, 5 windows of ParaFlow, on mini-batches.
RunConfig config_for(const std::string& problem, const std::string& method, int data_ranks,
                     const std::string& data_sum = "allreduce") {
  RunConfig c;
  c.problem = problem;
  c.method = method;
  c.batch_size = problem == "poisson" ? 64 : problem == "approximation" ? 12 : 6;
  c.eta = problem == "poisson" ? 1e-3 : 0.05;
  c.nf = 5;
  c.ng = 4;
  c.budget = 1'000'000'000;
  c.max_iterations = method == "paraflow" ? 5 : 20;
  c.seed = 3;
  c.data_ranks = data_ranks;
  c.data_sum = data_sum;
  c.history_every = 1;
  return c;
}

double relative_difference(const Vector& a, const Vector& b) {
  return (a - b).lpNorm<Eigen::Infinity>() / b.lpNorm<Eigen::Infinity>();
}

// Every rank of `comm` holds rank 0's final weights, bit for bit.
void expect_same_on_every_rank(const Vector& weights, MPI_Comm comm) {
  Vector root = weights;
  MPI_Bcast(root.data(), int(root.size()), MPI_DOUBLE, 0, comm);
  EXPECT_EQ(weights, root) << "rank " << rank_of(comm) << " ended with other weights";
}

using Case = std::tuple<std::string, std::string, std::string>;  // problem, method, data sum
class DataRanksTest : public ::testing::TestWithParam<Case> {};

// Q = P (and Q = 2 on 4 ranks): the weights and losses of one rank, to 1e-12 relative after 20
// steps (only the order of the floating-point sums differs).
TEST_P(DataRanksTest, MatchesOneRankToRounding) {
  const auto& [problem, method, sum] = GetParam();
  const int P = size_of(MPI_COMM_WORLD);
  const RunResult serial = run_training(config_for(problem, method, 1), MPI_COMM_SELF, nullptr);
  for (int Q : {P, 2}) {
    if (Q > P || P % Q != 0) continue;
    const RunResult layout =
        run_training(config_for(problem, method, Q, sum), MPI_COMM_WORLD, nullptr);
    expect_same_on_every_rank(layout.state.weights, MPI_COMM_WORLD);
    EXPECT_LT(relative_difference(layout.state.weights, serial.state.weights), 1e-12)
        << "Q = " << Q;
    EXPECT_NEAR(layout.state.loss, serial.state.loss, 1e-12 * std::abs(serial.state.loss));
    EXPECT_EQ(layout.state.iteration, serial.state.iteration);
    // The budget does not depend on the layout; the critical path divides the data work by Q.
    EXPECT_EQ(layout.state.budget.spent, serial.state.budget.spent);
    EXPECT_EQ(layout.state.budget.loss_evaluations, serial.state.budget.loss_evaluations);
    if (Q > 1) {
      EXPECT_LT(layout.state.budget.critical_path, serial.state.budget.critical_path);
    }
    if (rank_of(MPI_COMM_WORLD) == 0) {
      ASSERT_EQ(layout.history.size(), serial.history.size());
      for (std::size_t k = 0; k < serial.history.size(); ++k)
        EXPECT_EQ(layout.history[k].corrections, serial.history[k].corrections) << "entry " << k;
    }
  }
}

// The same layout twice: bit-identical.
TEST_P(DataRanksTest, BitIdenticalFromRunToRun) {
  const auto& [problem, method, sum] = GetParam();
  const int P = size_of(MPI_COMM_WORLD);
  const RunConfig c = config_for(problem, method, P, sum);
  const RunResult first = run_training(c, MPI_COMM_WORLD, nullptr);
  const RunResult second = run_training(c, MPI_COMM_WORLD, nullptr);
  EXPECT_EQ(first.state.weights, second.state.weights);
  EXPECT_EQ(first.state.loss, second.state.loss);
}

INSTANTIATE_TEST_SUITE_P(Layouts, DataRanksTest,
                         ::testing::Combine(::testing::Values("classification", "approximation",
                                                              "poisson"),
                                            ::testing::Values("sgd", "paraflows", "paraflow"),
                                            ::testing::Values("allreduce", "shared")),
                         [](const auto& info) {
                           std::string name = std::get<0>(info.param);
                           return name.append("_")
                               .append(std::get<1>(info.param))
                               .append("_")
                               .append(std::get<2>(info.param));
                         });

// ParaFlow with Q = 2: 2 time groups on 4 ranks and 1 group on each half give the same bits,
// with either sum.
TEST(DataRanksLayoutTest, ParaFlowSameAcrossTimeGroupCounts) {
  if (size_of(MPI_COMM_WORLD) != 4) GTEST_SKIP() << "needs 4 ranks";
  for (const char* sum : {"allreduce", "shared"})
    for (const char* problem : {"approximation", "poisson"}) {
      const RunConfig c = config_for(problem, "paraflow", 2, sum);
      const RunResult two_groups = run_training(c, MPI_COMM_WORLD, nullptr);
      MPI_Comm half;
      MPI_Comm_split(MPI_COMM_WORLD, rank_of(MPI_COMM_WORLD) / 2, 0, &half);
      const RunResult one_group = run_training(c, half, nullptr);
      MPI_Comm_free(&half);
      EXPECT_EQ(two_groups.state.weights, one_group.state.weights) << problem << " " << sum;
      EXPECT_EQ(two_groups.state.budget.spent, one_group.state.budget.spent) << problem;
      EXPECT_EQ(two_groups.state.loss, one_group.state.loss) << problem << " " << sum;
    }
}

// The shared sum adds in rank order: on 4 data ranks, every element is ((x0 + x1) + x2) + x3.
TEST(DataRanksLayoutTest, SharedSumAddsInRankOrder) {
  const int P = size_of(MPI_COMM_WORLD), r = rank_of(MPI_COMM_WORLD);
  SharedMemorySum shared(MPI_COMM_WORLD, 3);
  // Values whose sum depends on the order: 1e16 + 1 + ... loses the small ones when added late.
  double values[3] = {r == 0 ? 1e16 : 1.0, double(r), r == P - 1 ? -1e16 : 0.5};
  shared.sum(values, 3);
  double in_order[3] = {0, 0, 0};
  for (int k = 0; k < P; ++k) {
    const double x[3] = {k == 0 ? 1e16 : 1.0, double(k), k == P - 1 ? -1e16 : 0.5};
    for (int i = 0; i < 3; ++i) in_order[i] = k == 0 ? x[i] : in_order[i] + x[i];
  }
  for (int i = 0; i < 3; ++i) EXPECT_EQ(values[i], in_order[i]) << "element " << i;
  double one = 1;
  shared.sum(&one, 1);  // fewer values than its length
  EXPECT_EQ(one, double(P));
}

// Critical path of a ParaFlow window on 2 groups of 2 data ranks: the most loaded group's fine
// propagators and every coarse step, each on ceil(batch / Q) samples.
TEST(DataRanksLayoutTest, CriticalPathDividesDataWorkByQ) {
  if (size_of(MPI_COMM_WORLD) != 4) GTEST_SKIP() << "needs 4 ranks";
  RunConfig c = config_for("approximation", "paraflow", 2);  // N = 30, d_B = 12, N_G = 4
  c.ng = 3;                                                  // groups hold 2 and 1 slices
  const RunResult run = run_training(c, MPI_COMM_WORLD, nullptr);
  const std::int64_t windows = run.state.iteration, d_B = 12, N = 30, NF = 5, NG = 3;
  EXPECT_EQ(run.state.budget.spent, windows * (NG * d_B * NF + N * NG));
  EXPECT_EQ(run.state.budget.critical_path, windows * (2 * (d_B / 2) * NF + (N / 2) * NG));
}

// Layouts that cannot work fail on every rank with the same one-line reason.
TEST(DataRanksLayoutTest, BadLayoutsThrowOnEveryRank) {
  const int P = size_of(MPI_COMM_WORLD);
  RunConfig too_many = config_for("classification", "sgd", P + 1);
  EXPECT_THROW(run_training(too_many, MPI_COMM_WORLD, nullptr), std::invalid_argument);
  RunConfig too_few_samples = config_for("classification", "paraflows", 1);
  too_few_samples.batch_size = 1;
  too_few_samples.data_ranks = 2;
  EXPECT_THROW(run_training(too_few_samples, MPI_COMM_WORLD, nullptr), std::invalid_argument);
  if (P == 4) {
    RunConfig groups_over_slices = config_for("classification", "paraflow", 1);
    groups_over_slices.ng = 2;  // 4 time groups, 2 slices
    EXPECT_THROW(run_training(groups_over_slices, MPI_COMM_WORLD, nullptr), std::invalid_argument);
  }
}

}  // namespace
}  // namespace paraflow
