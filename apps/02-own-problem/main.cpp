// Example 02: ParaFlowS and SGD on a problem of your own, through the library.
//
// The problem: fit a line y = a x + b to 200 noisy points by least squares. Implementing the
// paraflow::Problem boundary takes the four functions below; check_gradient() verifies them
// against finite differences before training, then both methods spend the same budget.
//
// Build and run:  cmake --build build --target example_02_own_problem
//                 build/apps/example_02_own_problem
// Expected output (deterministic for a given build; last digits may differ between compilers):
//   gradient check: relative error 2e-10 (< 1e-6: ok)
//   sgd        loss=3.165435e+00  budget=200000
//   paraflows  loss=2.269797e+00  (R = L_PF / L_GD = 0.7171)
#include <cmath>
#include <cstdio>

#include "paraflow/paraflow.hpp"  // the whole library (one header per layer also works)

// Step 1: the problem. Parameters W = (a, b); sample i contributes 1/2 (a x_i + b - y_i)^2.
class LineFit : public paraflow::Problem {
 public:
  LineFit(Eigen::VectorXd x, Eigen::VectorXd y) : x_(std::move(x)), y_(std::move(y)) {}
  paraflow::Index num_samples() const override { return x_.size(); }
  paraflow::Index num_parameters() const override { return 2; }
  double loss(const paraflow::Vector& w, std::span<const paraflow::Index> batch) override {
    double sum = 0;
    for (auto i : batch) sum += 0.5 * std::pow(w[0] * x_[i] + w[1] - y_[i], 2);
    return sum;
  }
  double loss_and_gradient(const paraflow::Vector& w, std::span<const paraflow::Index> batch,
                           paraflow::Vector& gradient) override {
    gradient.setZero();
    for (auto i : batch) {
      const double r = w[0] * x_[i] + w[1] - y_[i];
      gradient[0] += r * x_[i];
      gradient[1] += r;
    }
    return loss(w, batch);
  }

 private:
  Eigen::VectorXd x_, y_;
};

// Step 2: train with one method until the budget is spent; return the final loss.
double train(paraflow::Method& method, paraflow::Problem& problem, std::int64_t budget) {
  paraflow::RunState state;
  state.weights = paraflow::Vector::Zero(2);
  state.budget.limit = budget;
  paraflow::History history;
  paraflow::Trainer(method, problem, {}).run(state, history);
  return history.back().loss;
}

int main() {
  // The data: y = 2 x - 1 plus noise, x in [0, 1].
  paraflow::Random random(42);
  Eigen::VectorXd x(200), y(200);
  for (int i = 0; i < 200; ++i) {
    x[i] = random.uniform();
    y[i] = 2 * x[i] - 1 + 0.1 * (random.uniform() - 0.5);
  }
  LineFit problem(x, y);

  // Step 3: check the gradient before trusting it.
  const double error =
      paraflow::gradient_error(problem, paraflow::Vector::Ones(2), problem.all_samples());
  std::printf("gradient check: relative error %.0e (%s)\n", error,
              error < 1e-6 ? "< 1e-6: ok" : "TOO LARGE");
  if (!(error < 1e-6)) return 1;

  // Step 4: SGD and ParaFlowS (F = 200 SGD steps on batches of 10, G = one full GD step, N_G <= 10)
  // with the same budget of per-sample gradient evaluations.
  const double eta = 1e-4;
  const std::int64_t budget = 200000;
  paraflow::Sgd sgd(problem, 10, eta, /*seed=*/1);
  const double gd = train(sgd, problem, budget);
  paraflow::FinePropagator fine(problem, 10, eta, 200, /*seed=*/1);
  paraflow::CoarsePropagator coarse(problem, 200 * eta);
  paraflow::ParaFlowS paraflows(problem, fine, coarse, {10, false});
  const double pf = train(paraflows, problem, budget);
  std::printf("sgd        loss=%.6e  budget=%lld\n", gd, (long long)budget);
  std::printf("paraflows  loss=%.6e  (R = L_PF / L_GD = %.4f)\n", pf, pf / gd);
  return pf <= gd ? 0 : 2;
}
