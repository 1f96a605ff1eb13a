// A fine propagator of one's own (docs/library.md): momentum SGD under ParaFlowS.
#include <gtest/gtest.h>

#include <cmath>

#include "paraflow/algorithms/paraflows.hpp"
#include "paraflow/algorithms/trainer.hpp"
#include "paraflow/problems/paper.hpp"

namespace paraflow {
namespace {

// Heavy-ball SGD: v <- beta v + grad L_I(w), w <- w - eta v, with v = 0 at the start of every
// slice, so that F depends only on (w, slice, first step), as ParaFlow needs.
class MomentumFine : public FinePropagator {
 public:
  MomentumFine(Problem& problem, Index batch_size, double eta, std::int64_t steps,
               std::uint64_t seed, double beta)
      : FinePropagator(problem, batch_size, eta, steps, seed),
        sampler_(problem.num_samples(), batch_size),
        gradient_(problem.num_parameters()),
        velocity_(problem.num_parameters()),
        beta_(beta) {}

  bool advance(Vector& w, std::uint64_t slice, std::uint64_t first_step) override {
    velocity_.setZero();
    for (std::int64_t s = 0; s < steps(); ++s) {
      Random random = Random::stream(seed(), slice, first_step + std::uint64_t(s));
      const double loss = problem().loss_and_gradient(w, sampler_.draw(random), gradient_);
      if (!std::isfinite(loss)) return false;
      velocity_ = beta_ * velocity_ + gradient_;
      w.noalias() -= eta() * velocity_;
    }
    return true;
  }

 private:
  BatchSampler sampler_;
  Vector gradient_, velocity_;
  double beta_;
};

std::pair<Vector, History> train(FinePropagator& fine, Problem& problem) {
  CoarsePropagator coarse(problem, 0.5);
  ParaFlowS method(problem, fine, coarse, {20, false});
  RunState state;
  state.weights =
      dynamic_cast<NetworkProblem&>(problem).network().initial_parameters(InitScheme::uniform, 4);
  state.budget.limit = 20000;
  History history;
  Trainer(method, problem, {}).run(state, history);
  return {state.weights, history};
}

TEST(CustomPropagatorTest, MomentumWithBetaZeroIsSgdAndMomentumStillDecreases) {
  auto problem = make_classification();
  FinePropagator sgd(*problem, 5, 0.01, 50, 1);
  MomentumFine plain(*problem, 5, 0.01, 50, 1, 0.0);
  MomentumFine heavy(*problem, 5, 0.01, 50, 1, 0.9);
  const auto [w_sgd, h_sgd] = train(sgd, *problem);
  const auto [w_plain, h_plain] = train(plain, *problem);
  const auto [w_heavy, h_heavy] = train(heavy, *problem);
  EXPECT_EQ(w_plain, w_sgd);  // the same batches, the same steps
  EXPECT_NE(w_heavy, w_sgd);
  for (std::size_t k = 1; k < h_heavy.size(); ++k)  // Theorem 1 holds for any F
    EXPECT_LE(h_heavy[k].loss, h_heavy[k - 1].loss) << "iteration " << k;
  EXPECT_LT(h_heavy.back().loss, h_sgd.back().loss);  // momentum helps here
}

}  // namespace
}  // namespace paraflow
