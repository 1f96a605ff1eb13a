// SGD, the propagators, Parareal and ParaFlowS against their defining properties.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "../toy_problems.hpp"
#include "paraflow/algorithms/paraflows.hpp"
#include "paraflow/algorithms/parareal.hpp"
#include "paraflow/algorithms/sgd.hpp"
#include "paraflow/algorithms/trainer.hpp"
#include "paraflow/problems/paper.hpp"

namespace paraflow {
namespace {

RunState start(const NetworkProblem& problem, std::uint64_t seed, std::int64_t budget) {
  RunState s;
  s.weights = problem.network().initial_parameters(InitScheme::uniform, seed);
  s.budget.limit = budget;
  return s;
}

TEST(SgdTest, FullBatchEqualsGradientDescentStepForStep) {
  auto problem = make_approximation();
  RunState state = start(*problem, 3, 30 * 50);
  Sgd sgd(*problem, problem->num_samples(), 0.01, 1);
  Vector w = state.weights, gradient(w.size());
  for (int step = 0; step < 50; ++step) {
    sgd.iterate(state);
    problem->loss_and_gradient(w, problem->all_samples(), gradient);
    w -= 0.01 * gradient;
    ASSERT_EQ(state.weights, w) << "step " << step;  // bitwise
  }
}

TEST(SgdTest, SameSeedSameWeightsOtherSeedDiffers) {
  auto problem = make_classification();
  auto train = [&](std::uint64_t seed) {
    RunState state = start(*problem, 3, 3000);
    Sgd sgd(*problem, 3, 0.1, seed);
    History history;
    Trainer(sgd, *problem, {}).run(state, history);
    return state.weights;
  };
  EXPECT_EQ(train(5), train(5));
  EXPECT_NE(train(5), train(6));
}

TEST(SgdTest, StopsWhenTheNextStepDoesNotFitTheBudget) {
  auto problem = make_classification();
  RunState state = start(*problem, 3, 100);  // 33 steps of 3, 1 left over
  Sgd sgd(*problem, 3, 0.1, 1);
  History history;
  EXPECT_EQ(Trainer(sgd, *problem, {}).run(state, history), StopReason::budget);
  EXPECT_EQ(state.iteration, 33);
  EXPECT_EQ(state.budget.spent, 99);
  EXPECT_EQ(history.back().loss, problem->full_loss(state.weights));
}

TEST(BatchSamplerTest, DrawsDistinctIndicesWithoutAllocating) {
  BatchSampler sampler(20, 7);
  Random random(9);
  for (int draw = 0; draw < 100; ++draw) {
    auto batch = sampler.draw(random);
    std::vector<Index> sorted(batch.begin(), batch.end());
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
    EXPECT_GE(sorted.front(), 0);
    EXPECT_LT(sorted.back(), 20);
  }
}

// Theorem 1: L(W_{k+1}) <= L(W_k), for stable and unstable step sizes.
TEST(ParaFlowSTest, LossNeverIncreases) {
  for (std::string name : {"classification", "approximation"}) {
    auto problem = make_paper_problem(name, Reduction::sum, 1);
    for (double eta : {1e-3, 1e-1, 10.0, 1e3}) {
      for (std::uint64_t seed = 1; seed <= 5; ++seed) {
        FinePropagator fine(*problem, 2, eta, 10, seed);
        CoarsePropagator coarse(*problem, 10 * eta);
        ParaFlowS method(*problem, fine, coarse, {20, false});
        RunState state = start(*problem, seed, 40000);
        History history;
        Trainer(method, *problem, {}).run(state, history);
        ASSERT_GT(history.size(), 2u);
        for (std::size_t k = 1; k < history.size(); ++k)
          ASSERT_LE(history[k].loss, history[k - 1].loss)
              << name << " eta=" << eta << " seed=" << seed << " k=" << k;
      }
    }
  }
}

// With N_G = 1 and every F accepted, ParaFlowS is SGD on the same batches: always with
// accept_first; with Alg. 2 as written when every F decreases L (full batch, small eta).
TEST(ParaFlowSTest, OneCoarseStepEqualsSgd) {
  auto problem = make_classification();
  for (auto [accept_first, batch] : {std::pair{true, 3}, std::pair{false, 10}}) {
    FinePropagator fine(*problem, batch, 0.01, 10, 7);
    CoarsePropagator coarse(*problem, 0.1);
    ParaFlowS method(*problem, fine, coarse, {1, accept_first});
    Sgd sgd(*problem, batch, 0.01, 7);
    RunState a = start(*problem, 2, 1 << 30), b = a;
    for (int k = 0; k < 30; ++k) {
      ASSERT_EQ(method.iterate(a).corrections, 1) << "iteration " << k;
      for (int s = 0; s < 10; ++s) sgd.iterate(b);
      ASSERT_EQ(a.weights, b.weights) << "iteration " << k;  // bitwise
    }
  }
}

// A rejected iteration is a fixed point only when F depends on W alone: the full batch of this
// class (no draws); a smaller batch or a derived F, which may use its stream, never.
TEST(ParaFlowSTest, AFixedPointNeedsADeterministicF) {
  auto problem = make_classification();  // N = 10
  struct Derived : FinePropagator {
    using FinePropagator::FinePropagator;
  };
  EXPECT_TRUE(FinePropagator(*problem, 10, 10.0, 10, 1).deterministic());
  EXPECT_FALSE(FinePropagator(*problem, 9, 10.0, 10, 1).deterministic());
  EXPECT_FALSE(Derived(*problem, 10, 10.0, 10, 1).deterministic());
  for (Index batch : {10, 9}) {
    FinePropagator fine(*problem, batch, 10.0, 10, 1);  // eta_F 10: F raises the loss
    CoarsePropagator coarse(*problem, 100.0);
    ParaFlowS method(*problem, fine, coarse, {5, false});
    RunState state = start(*problem, 1, 1 << 30);
    const Vector w0 = state.weights;
    const IterationOutcome outcome = method.iterate(state);
    ASSERT_EQ(outcome.corrections, 0) << "batch " << batch;
    EXPECT_EQ(state.weights, w0);
    EXPECT_EQ(outcome.fixed_point, batch == 10);
  }
}

TEST(ParaFlowSTest, ChargesTheDocumentedBudget) {
  auto problem = make_classification();  // N = 10
  FinePropagator fine(*problem, 2, 0.01, 5, 1);
  CoarsePropagator coarse(*problem, 0.05);
  ParaFlowS method(*problem, fine, coarse, {4, false});
  EXPECT_EQ(method.worst_case_cost(), 2 * 5 + 10 * 4);
  RunState state = start(*problem, 1, 1000);
  const auto outcome = method.iterate(state);
  // F, g_0, then one coarse step per further correction tried (at most N_G - 1).
  const std::int64_t tried = std::min<std::int64_t>(outcome.corrections, 3);
  EXPECT_EQ(state.budget.spent, 2 * 5 + 10 * (1 + tried));
}

// Parareal after N_G iterations equals the serial fine solution (to rounding).
TEST(PararealTest, NgIterationsReproduceTheSerialFineSolution) {
  auto problem = make_approximation();
  const int slices = 5;
  FinePropagator fine(*problem, 4, 0.01, 20, 3);
  CoarsePropagator coarse(*problem, 0.2);
  auto F = [&](int n, Vector& w) { fine.advance(w, std::uint64_t(n), 0); };
  const Vector w0 = problem->network().initial_parameters(InitScheme::uniform, 4);
  const Window window = parareal(w0, slices, slices, coarse, F);
  Vector serial = w0;
  for (int n = 0; n < slices; ++n) {
    F(n, serial);
    EXPECT_LT((window.points[n + 1] - serial).norm(), 1e-12 * serial.norm()) << "slice " << n;
  }
  // ...and not before: one iteration short, the last point is still off.
  const Window early = parareal(w0, slices, slices - 1, coarse, F);
  EXPECT_GT((early.points[slices] - serial).norm(), 1e-8 * serial.norm());
}

TEST(DivergenceTest, SgdStopsWithTheLastFiniteWeights) {
  // GD on the quadratic diverges for eta > 2 / N: |W| grows by |1 - eta N| per step.
  testing::QuadraticProblem problem(Matrix::Random(3, 4));
  Sgd sgd(problem, 4, 3.0, 1);
  RunState state;
  state.weights = Vector::Ones(3);
  state.budget.limit = 1 << 30;
  History history;
  EXPECT_EQ(Trainer(sgd, problem, {}).run(state, history), StopReason::diverged);
  EXPECT_TRUE(std::isfinite(history.back().loss));
  EXPECT_EQ(history.back().loss, problem.full_loss(state.weights));
  EXPECT_TRUE(state.weights.allFinite());
}

}  // namespace
}  // namespace paraflow

namespace paraflow {
namespace {

// A problem whose gradient has a bug: half the true one.
class HalfGradient : public testing::QuadraticProblem {
 public:
  using QuadraticProblem::QuadraticProblem;
  double loss_and_gradient(const Vector& w, std::span<const Index> batch,
                           Vector& gradient) override {
    const double loss = QuadraticProblem::loss_and_gradient(w, batch, gradient);
    gradient *= 0.5;
    return loss;
  }
};

// The trainer refuses a wrong gradient before spending any budget, and can be told not to check.
TEST(TrainerSelfCheckTest, RefusesAWrongGradientUnlessSkipped) {
  const Matrix points = Matrix::Random(3, 8);
  for (bool buggy : {false, true}) {
    std::unique_ptr<Problem> problem =
        buggy ? std::unique_ptr<Problem>(new HalfGradient(points))
              : std::unique_ptr<Problem>(new testing::QuadraticProblem(points));
    Sgd sgd(*problem, 4, 0.01, 1);
    RunState state;
    state.weights = Vector::Ones(3);
    state.budget.limit = 400;
    History history;
    Trainer trainer(sgd, *problem, {});
    if (buggy) {
      EXPECT_THROW(trainer.run(state, history), std::invalid_argument);
      EXPECT_EQ(state.budget.spent, 0);
      trainer.skip_self_check();
    }
    EXPECT_EQ(trainer.run(state, history), StopReason::budget);
    EXPECT_EQ(state.budget.spent, 400);
  }
}

}  // namespace
}  // namespace paraflow
