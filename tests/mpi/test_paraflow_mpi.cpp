// ParaFlow (Alg. 1) on the ranks of MPI_COMM_WORLD against the same run on one rank, and against
// ParaFlowS from the same point.
#include <gtest/gtest.h>
#include <mpi.h>

#include "paraflow/algorithms/paraflow.hpp"
#include "paraflow/algorithms/paraflows.hpp"
#include "paraflow/algorithms/trainer.hpp"
#include "paraflow/problems/paper.hpp"

namespace paraflow {
namespace {

int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

struct Trained {
  Vector weights;
  History history;
};

Trained train(MPI_Comm comm, InitialGuess guess, int slices, Index batch) {
  auto problem = make_approximation();
  FinePropagator fine(*problem, batch, 0.01, 8, 5);
  CoarsePropagator coarse(*problem, 0.08);
  ParaFlow method(*problem, fine, coarse, {slices, guess}, comm);
  RunState state;
  state.weights = problem->network().initial_parameters(InitScheme::uniform, 3);
  state.budget.limit = 40 * method.worst_case_cost();
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  Trained result;
  Trainer(method, *problem, {}, comm).run(state, result.history);
  result.weights = state.weights;
  return result;
}

class RankCountTest : public ::testing::TestWithParam<InitialGuess> {};

// The same weights and history, bitwise, whatever the number of ranks (slices 5 on 1, 2 or 4
// ranks: spread unevenly).
TEST_P(RankCountTest, SameAnswerAsOnOneRank) {
  const Trained parallel = train(MPI_COMM_WORLD, GetParam(), 5, 3);
  if (world_rank() != 0) return;
  const Trained serial = train(MPI_COMM_SELF, GetParam(), 5, 3);
  EXPECT_EQ(parallel.weights, serial.weights);
  ASSERT_EQ(parallel.history.size(), serial.history.size());
  for (std::size_t k = 0; k < serial.history.size(); ++k) {
    EXPECT_EQ(parallel.history[k].loss, serial.history[k].loss) << "iteration " << k;
    EXPECT_EQ(parallel.history[k].corrections, serial.history[k].corrections);
    EXPECT_EQ(parallel.history[k].budget, serial.history[k].budget);
  }
  EXPECT_GT(serial.history.size(), 10u);
  EXPECT_LT(serial.history.back().loss, serial.history.front().loss);
}

INSTANTIATE_TEST_SUITE_P(InitialGuesses, RankCountTest,
                         ::testing::Values(InitialGuess::copy, InitialGuess::coarse),
                         [](const auto& info) { return to_string(info.param); });

// With `copy` and a full batch all f_n are F(W_k): ParaFlow's argmin over every corrected point
// is at least as good as ParaFlowS's stop at the first non-decrease.
TEST(ParaFlowTest, CopyWithFullBatchIsNoWorseThanParaFlowS) {
  auto problem = make_classification();
  const Index N = problem->num_samples();
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  FinePropagator fine(*problem, N, 0.01, 10, 1);
  CoarsePropagator coarse(*problem, 0.1);
  ParaFlow parallel(*problem, fine, coarse, {4, InitialGuess::copy}, MPI_COMM_WORLD);
  ParaFlowS sequential(*problem, fine, coarse, {4, false});
  RunState state;
  state.weights = problem->network().initial_parameters(InitScheme::uniform, 2);
  state.budget.limit = 1 << 30;
  for (int k = 0; k < 50; ++k) {
    RunState from_same_point = state;
    sequential.iterate(from_same_point);
    parallel.iterate(state);
    EXPECT_LE(state.loss, from_same_point.loss) << "window " << k;
  }
}

TEST(ParaFlowTest, ChargesCriticalPathOfTheMostLoadedRank) {
  auto problem = make_classification();  // N = 10
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  FinePropagator fine(*problem, 2, 0.01, 5, 1);
  CoarsePropagator coarse(*problem, 0.05);
  ParaFlow copy(*problem, fine, coarse, {4, InitialGuess::copy}, MPI_COMM_WORLD);
  ParaFlow sweep(*problem, fine, coarse, {4, InitialGuess::coarse}, MPI_COMM_WORLD);
  const std::int64_t most_slices = (4 + size - 1) / size;
  EXPECT_EQ(copy.worst_case_cost(), 4 * 10 + 10 * (1 + 3));
  EXPECT_EQ(copy.critical_path_cost(), most_slices * 10 + 10 * (1 + 3));
  EXPECT_EQ(sweep.worst_case_cost(), 4 * 10 + 10 * (4 + 3));
}

}  // namespace
}  // namespace paraflow
