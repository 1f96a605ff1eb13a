// Softmax cross-entropy: hand-computed losses (also for huge logits), gradients against finite
// differences (and a check that a wrong gradient is caught), partial batches, accuracy, training.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

#include "paraflow/problems/cross_entropy.hpp"
#include "paraflow/problems/gradient_check.hpp"

namespace paraflow {
namespace {

// N samples of `inputs` features, one-hot targets over `classes` (labels j % classes).
struct Data {
  Matrix inputs, targets;
};
Data random_data(Index inputs, Index classes, Index n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Data d{Matrix(inputs, n), Matrix::Zero(classes, n)};
  for (double& x : d.inputs.reshaped()) x = normal(rng);
  for (Index j = 0; j < n; ++j) d.targets(j % classes, j) = 1.0;
  return d;
}

CrossEntropyProblem make_problem(Reduction reduction, Index n = 12, unsigned seed = 3) {
  Data d = random_data(3, 4, n, seed);
  return CrossEntropyProblem("ce", Network({3, 5, 6, 4}, Activation::tanh, Activation::linear),
                             d.inputs, d.targets, reduction);
}

// A one-layer network {2, 3} whose logits are its bias b (the weights are zero).
Vector bias_only(const Network& network, const Vector& b) {
  Vector w = Vector::Zero(network.num_parameters());
  network.bias(w, 1) = b;
  return w;
}

TEST(CrossEntropy, HandComputedLosses) {
  const Network network({2, 3}, Activation::tanh, Activation::linear);
  const Matrix x = Matrix::Ones(2, 3);
  const Matrix y = Matrix::Identity(3, 3);  // labels 0, 1, 2
  CrossEntropyProblem sum("ce", network, x, y, Reduction::sum);
  CrossEntropyProblem mean("ce", network, x, y, Reduction::mean);
  // Equal logits: every l_i = log 3. No 1/2 in either reduction.
  const Vector zero = Vector::Zero(network.num_parameters());
  EXPECT_NEAR(sum.full_loss(zero), 3 * std::log(3.0), 1e-14);
  EXPECT_NEAR(mean.full_loss(zero), std::log(3.0), 1e-14);
  // Logits (1, 2, 3): l_i = log(e + e^2 + e^3) - a_{y_i}.
  const Vector w = bias_only(network, Vector::LinSpaced(3, 1, 3));
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  const std::vector<Index> batch = {2, 0};
  EXPECT_NEAR(mean.loss(w, batch), ((lse - 3) + (lse - 1)) / 2, 1e-14);
  EXPECT_NEAR(sum.loss(w, batch), (lse - 3) + (lse - 1), 1e-14);
}

TEST(CrossEntropy, HugeLogitsStayFinite) {
  const Network network({2, 3}, Activation::tanh, Activation::linear);
  CrossEntropyProblem problem("ce", network, Matrix::Ones(2, 3), Matrix::Identity(3, 3),
                              Reduction::sum);
  const Vector w = bias_only(network, Vector{{1000.0, 0.0, -1000.0}});
  // l = 0 (label 0), 1000 (label 1), 2000 (label 2): exp(1000) would overflow, lse does not.
  Vector gradient(network.num_parameters());
  EXPECT_NEAR(problem.loss_and_gradient(w, problem.all_samples(), gradient), 3000.0, 1e-9);
  EXPECT_TRUE(gradient.allFinite());
  // d/db = sum_i (softmax - y_i) = 3 (1, 0, 0) - (1, 1, 1).
  EXPECT_NEAR((network.bias(gradient, 1) - Vector{{2.0, -1.0, -1.0}}).norm(), 0.0, 1e-12);
}

// Tolerance as in test_gradients.cpp: central differences give about 1e-9 relative.
constexpr double kTolerance = 1e-6;

TEST(CrossEntropy, GradientMatchesFiniteDifferences) {
  for (Reduction reduction : {Reduction::sum, Reduction::mean}) {
    auto problem = make_problem(reduction);
    const Vector w = problem.network().initial_parameters(InitScheme::uniform, 5);
    EXPECT_LT(gradient_error(problem, w, problem.all_samples()), kTolerance)
        << to_string(reduction);
    const std::vector<Index> batch = {11, 0, 5, 7};
    EXPECT_LT(gradient_error(problem, w, batch), kTolerance) << to_string(reduction);
  }
}

TEST(CrossEntropy, GradientWithProbabilityTargets) {
  Data d = random_data(3, 4, 10, 8);
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (double& t : d.targets.reshaped()) t = u(rng);
  d.targets.array().rowwise() /= d.targets.colwise().sum().array();
  CrossEntropyProblem problem("ce", Network({3, 7, 4}, Activation::sigmoid, Activation::linear),
                              d.inputs, d.targets, Reduction::mean);
  const Vector w = problem.network().initial_parameters(InitScheme::uniform, 6);
  EXPECT_LT(gradient_error(problem, w, problem.all_samples()), kTolerance);
}

// The gradient of `inner` with the value adjoint's sign flipped: backward() is linear in the
// adjoint, so that is exactly the negated gradient.
class FlippedAdjoint : public Problem {
 public:
  explicit FlippedAdjoint(Problem& inner) : inner_(inner) {}
  Index num_samples() const override { return inner_.num_samples(); }
  Index num_parameters() const override { return inner_.num_parameters(); }
  double loss(const Vector& w, std::span<const Index> batch) override {
    return inner_.loss(w, batch);
  }
  double loss_and_gradient(const Vector& w, std::span<const Index> batch, Vector& g) override {
    const double loss = inner_.loss_and_gradient(w, batch, g);
    g = -g;
    return loss;
  }

 private:
  Problem& inner_;
};

// The loss of one problem with the gradient of another.
class Mismatched : public Problem {
 public:
  Mismatched(Problem& value, Problem& gradient) : value_(value), gradient_(gradient) {}
  Index num_samples() const override { return value_.num_samples(); }
  Index num_parameters() const override { return value_.num_parameters(); }
  double loss(const Vector& w, std::span<const Index> batch) override {
    return value_.loss(w, batch);
  }
  double loss_and_gradient(const Vector& w, std::span<const Index> batch, Vector& g) override {
    gradient_.loss_and_gradient(w, batch, g);
    return value_.loss(w, batch);
  }

 private:
  Problem& value_;
  Problem& gradient_;
};

TEST(CrossEntropy, TheGradientCheckCatchesWrongGradients) {
  auto problem = make_problem(Reduction::mean);
  auto sum = make_problem(Reduction::sum);
  const Vector w = problem.network().initial_parameters(InitScheme::uniform, 5);
  FlippedAdjoint flipped(problem);
  EXPECT_NEAR(gradient_error(flipped, w, problem.all_samples()), 2.0, 1e-5);
  // The mean's 1/d_B left out: off by a factor d_B = 12.
  Mismatched unscaled(problem, sum);
  EXPECT_GT(gradient_error(unscaled, w, problem.all_samples()), 1.0);
}

TEST(CrossEntropy, PartsOfABatchAddUpToTheBatch) {
  auto problem = make_problem(Reduction::mean);
  const Vector w = problem.network().initial_parameters(InitScheme::uniform, 7);
  const std::vector<Index> batch = {4, 9, 1, 0, 11, 6}, first = {4, 9, 1}, second = {0, 11, 6};
  Vector g(w.size()), g1(w.size()), g2(w.size());
  const double whole = problem.loss_and_gradient(w, batch, g);
  const double part1 = problem.partial_loss_and_gradient(w, first, 6, g1);
  const double part2 = problem.partial_loss_and_gradient(w, second, 6, g2);
  EXPECT_NEAR(part1 + part2, whole, 1e-14);
  EXPECT_LT((g1 + g2 - g).norm(), 1e-14 * g.norm() + 1e-15);
  EXPECT_NEAR(problem.partial_loss(w, first, 6), part1, 1e-15);
}

TEST(CrossEntropy, AccuracyCountsArgmaxHits) {
  const Network network({2, 3}, Activation::tanh, Activation::linear);
  Matrix y = Matrix::Zero(3, 5);  // labels 0, 0, 1, 2, 0
  y(0, 0) = y(0, 1) = y(1, 2) = y(2, 3) = y(0, 4) = 1;
  CrossEntropyProblem problem("ce", network, Matrix::Ones(2, 5), y, Reduction::sum);
  EXPECT_DOUBLE_EQ(problem.accuracy(bias_only(network, Vector{{1.0, 0.0, 0.0}})), 3.0 / 5);
  EXPECT_DOUBLE_EQ(problem.accuracy(bias_only(network, Vector{{0.0, 0.0, 1.0}})), 1.0 / 5);
}

TEST(CrossEntropy, GradientDescentSeparatesThreeBlobs) {
  Data d = random_data(2, 3, 90, 4);
  const double centres[3][2] = {{3, 0}, {-3, 2}, {0, -3}};
  for (Index j = 0; j < 90; ++j)
    for (int k = 0; k < 2; ++k) d.inputs(k, j) = 0.5 * d.inputs(k, j) + centres[j % 3][k];
  CrossEntropyProblem problem("blobs", Network({2, 8, 3}, Activation::tanh, Activation::linear),
                              d.inputs, d.targets, Reduction::mean);
  Vector w = problem.network().initial_parameters(InitScheme::uniform, 2), g(w.size());
  const double initial = problem.full_loss(w);
  for (int step = 0; step < 300; ++step) {
    problem.loss_and_gradient(w, problem.all_samples(), g);
    w -= 0.5 * g;
  }
  EXPECT_LT(problem.full_loss(w), 0.1 * initial);
  EXPECT_EQ(problem.accuracy(w), 1.0);
}

TEST(CrossEntropy, RejectsWhatItCannotTrain) {
  const Matrix x = Matrix::Ones(2, 3), y = Matrix::Identity(3, 3);
  const auto make = [&](Activation output, const Matrix& targets, Reduction r) {
    return CrossEntropyProblem("ce", Network({2, 3}, Activation::tanh, output), x, targets, r);
  };
  EXPECT_THROW(make(Activation::sigmoid, y, Reduction::sum), std::invalid_argument);
  EXPECT_THROW(make(Activation::linear, y, Reduction::deepxde), std::invalid_argument);
  EXPECT_THROW(make(Activation::linear, 2 * y, Reduction::sum), std::invalid_argument);
  EXPECT_THROW(make(Activation::linear, -y, Reduction::sum), std::invalid_argument);
  EXPECT_THROW(make(Activation::linear, Matrix::Identity(3, 2), Reduction::sum),
               std::invalid_argument);
  EXPECT_THROW(CrossEntropyProblem("ce", Network({2, 1}, Activation::tanh, Activation::linear), x,
                                   Matrix::Ones(1, 3), Reduction::sum),
               std::invalid_argument);
}

}  // namespace
}  // namespace paraflow
