// Gradients of all three problems against central finite differences, and the PINN's Laplacian
// against finite differences in x and y and against a hand-derived case.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "paraflow/core/feedforward.hpp"
#include "paraflow/problems/data_fit.hpp"
#include "paraflow/problems/gradient_check.hpp"
#include "paraflow/problems/paper.hpp"
#include "paraflow/problems/poisson.hpp"

namespace paraflow {
namespace {

struct Case {
  std::string problem;
  Reduction reduction;
};

class GradientTest : public ::testing::TestWithParam<Case> {};

// Tolerance: central differences with h = 1e-6 have truncation O(h^2) and rounding O(eps/h),
// so about 1e-9 relative; 1e-6 leaves room while still catching any wrong term.
constexpr double kTolerance = 1e-6;

TEST_P(GradientTest, FullBatchMatchesFiniteDifferences) {
  const auto [name, reduction] = GetParam();
  auto problem = make_paper_problem(name, reduction, 7);
  const Vector w = problem->network().initial_parameters(default_init_scheme(name), 11);
  const double error = gradient_error(*problem, w, problem->all_samples());
  RecordProperty("relative_error", std::to_string(error));
  EXPECT_LT(error, kTolerance) << name << " " << to_string(reduction);
}

TEST_P(GradientTest, MiniBatchMatchesFiniteDifferences) {
  const auto [name, reduction] = GetParam();
  auto problem = make_paper_problem(name, reduction, 7);
  const Vector w = problem->network().initial_parameters(default_init_scheme(name), 12);
  // A batch mixing sample kinds (for poisson: residual and boundary terms), out of order.
  const Index n = problem->num_samples();
  std::vector<Index> batch = {n - 1, 0, n / 2, 3, n - 5};
  const double error = gradient_error(*problem, w, batch);
  EXPECT_LT(error, kTolerance) << name << " " << to_string(reduction);
}

INSTANTIATE_TEST_SUITE_P(
    PaperProblems, GradientTest,
    ::testing::Values(Case{"classification", Reduction::sum},
                      Case{"classification", Reduction::mean},
                      Case{"approximation", Reduction::sum}, Case{"approximation", Reduction::mean},
                      Case{"poisson", Reduction::sum}, Case{"poisson", Reduction::mean},
                      Case{"poisson", Reduction::deepxde}),
    [](const auto& info) { return info.param.problem + "_" + to_string(info.param.reduction); });

TEST(GradientTest, SigmoidPinnMatchesFiniteDifferences) {
  // The derivative chain with sigmoid hidden layers (third derivative of the sigmoid).
  auto [collocation, boundary] = l_shape_points(20, 8, 3);
  PoissonProblem problem(Network({2, 6, 5, 1}, Activation::sigmoid, Activation::linear),
                         collocation, boundary, Reduction::sum);
  const Vector w = problem.network().initial_parameters(InitScheme::uniform, 5);
  EXPECT_LT(gradient_error(problem, w, problem.all_samples()), kTolerance);
}

// ReLU hidden layers (--activation relu) on a data fit. The kink at 0 is met with probability
// zero by these random inputs and weights, so central differences apply; the ReLU's own values
// and derivative are checked by hand as well.
TEST(GradientTest, ReluDataFitMatchesFiniteDifferences) {
  const Network net({3, 8, 6, 2}, Activation::relu, Activation::linear);
  const Matrix inputs = Matrix::Random(3, 25), targets = Matrix::Random(2, 25);
  DataFitProblem problem("relu", net, inputs, targets, Reduction::mean);
  const Vector w = net.initial_parameters(InitScheme::glorot_uniform, 3);
  EXPECT_LT(gradient_error(problem, w, problem.all_samples()), kTolerance);
  const std::vector<Index> batch{4, 0, 17, 9};
  EXPECT_LT(gradient_error(problem, w, batch), kTolerance);
  Eigen::ArrayXd z(3);
  z << -2.0, 0.0, 1.5;
  const Eigen::ArrayXd a = activation::Relu::value(z);
  const Eigen::ArrayXd d1 = activation::Relu::d1(a);
  EXPECT_EQ(a(0), 0.0);
  EXPECT_EQ(a(2), 1.5);
  EXPECT_EQ(d1(0), 0.0);
  EXPECT_EQ(d1(1), 0.0);
  EXPECT_EQ(d1(2), 1.0);
  EXPECT_EQ(parse_activation("relu"), Activation::relu);
  EXPECT_EQ(to_string(Activation::relu), "relu");
}

TEST(GradientTest, ReductionsScaleAsDocumented) {
  auto sum = make_paper_problem("poisson", Reduction::sum, 7);
  auto mean = make_paper_problem("poisson", Reduction::mean, 7);
  auto deepxde = make_paper_problem("poisson", Reduction::deepxde, 7);
  const Vector w = sum->network().initial_parameters(InitScheme::glorot_uniform, 1);
  const double n = double(sum->num_samples());
  EXPECT_NEAR(mean->full_loss(w), sum->full_loss(w) / n, 1e-12 * sum->full_loss(w));
  // Mini-batch of one residual sample: deepxde's batch loss is (N / 1) * (1 / N_c) * r^2, sum's
  // r^2/2.
  std::vector<Index> one = {4};
  EXPECT_NEAR(deepxde->loss(w, one), 2.0 * n / 1320.0 * sum->loss(w, one),
              1e-12 * deepxde->loss(w, one));
}

// u(x) evaluated with Feedforward, one point at a time.
double network_value(Feedforward& ff, const Vector& w, double x, double y) {
  auto in = ff.begin(1, 0);
  in(0, 0) = x;
  in(1, 0) = y;
  ff.forward(w);
  return ff.value()(0, 0);
}

TEST(LaplacianTest, MatchesFiniteDifferencesOfU) {
  Network net({2, 50, 50, 50, 50, 1}, Activation::tanh, Activation::linear);
  const Vector w = net.initial_parameters(InitScheme::glorot_uniform, 9);
  Feedforward ff(net, 4, 4);
  const Matrix points = (Matrix(2, 4) << -0.5, 0.3, -0.9, 0.1, -0.2, -0.7, 0.8, -0.1).finished();
  ff.begin(4, 4) = points;
  ff.forward(w);
  const Matrix lap = ff.laplacian();
  const Matrix ux = ff.input_derivative(0), uy = ff.input_derivative(1);
  Feedforward single(net, 1);
  const double h = 1e-4;
  for (Index j = 0; j < 4; ++j) {
    const double x = points(0, j), y = points(1, j);
    const double u = network_value(single, w, x, y);
    const double uxp = network_value(single, w, x + h, y), uxm = network_value(single, w, x - h, y);
    const double uyp = network_value(single, w, x, y + h), uym = network_value(single, w, x, y - h);
    const double fd_lap = (uxp + uxm + uyp + uym - 4 * u) / (h * h);
    EXPECT_NEAR(lap(0, j), fd_lap, 1e-5 * std::max(1.0, std::abs(fd_lap))) << "point " << j;
    EXPECT_NEAR(ux(0, j), (uxp - uxm) / (2 * h), 1e-7);
    EXPECT_NEAR(uy(0, j), (uyp - uym) / (2 * h), 1e-7);
  }
}

TEST(LaplacianTest, OneHiddenUnitByHand) {
  // u = v tanh(a x + b y + c) + d  =>  Delta u = v (a^2 + b^2) tanh''(z), tanh'' = -2 t (1 - t^2).
  Network net({2, 1, 1}, Activation::tanh, Activation::linear);
  Vector w(net.num_parameters());
  const double a = 0.7, b = -1.3, c = 0.2, v = 1.9, d = -0.4;
  w << a, b, c, v, d;  // W1 (1x2), b1, W2 (1x1), b2
  Feedforward ff(net, 1, 1);
  auto in = ff.begin(1, 1);
  in << 0.35, -0.6;
  ff.forward(w);
  const double t = std::tanh(a * 0.35 + b * -0.6 + c);
  EXPECT_NEAR(ff.value()(0, 0), v * t + d, 1e-15);
  EXPECT_NEAR(ff.laplacian()(0, 0), v * (a * a + b * b) * (-2 * t * (1 - t * t)), 1e-14);
  EXPECT_NEAR(ff.input_derivative(0)(0, 0), v * a * (1 - t * t), 1e-15);
}

// The loop kernel for small layers (Feedforward::set_small_layer_limit) against Eigen's products:
// same values and gradients to rounding, on shapes with widths 1 to 17 and batches 1 to 40.
TEST(FeedforwardPathsTest, SmallLayerLoopsMatchEigenProducts) {
  const std::vector<std::vector<int>> shapes = {
      {2, 3, 3, 2}, {1, 16, 16, 1}, {3, 1, 5, 2}, {4, 17, 2, 9, 1}};
  for (const auto& layers : shapes) {
    for (const Activation hidden : {Activation::sigmoid, Activation::tanh, Activation::relu}) {
      const Network net(layers, hidden, Activation::linear);
      const Vector w = net.initial_parameters(InitScheme::uniform, 5);
      Feedforward loops(net, 40), eigen(net, 40);
      loops.set_small_layer_limit(Index(1) << 40);
      eigen.set_small_layer_limit(0);
      for (const Index batch : {1, 2, 7, 40}) {
        const Matrix x = Matrix::Random(layers.front(), batch);
        Vector g_loops(net.num_parameters()), g_eigen(net.num_parameters());
        for (Feedforward* ff : {&loops, &eigen}) {
          ff->begin(batch) = x;
          ff->forward(w);
          ff->value_adjoint() = ff->value();  // the gradient of 1/2 |u|^2
          ff->backward(w, ff == &loops ? g_loops : g_eigen);
        }
        const double scale = std::max(1.0, g_eigen.cwiseAbs().maxCoeff());
        EXPECT_LT((loops.value() - eigen.value()).cwiseAbs().maxCoeff(), 1e-14)
            << "batch " << batch;
        EXPECT_LT((g_loops - g_eigen).cwiseAbs().maxCoeff(), 1e-13 * scale) << "batch " << batch;
        EXPECT_GT(g_eigen.cwiseAbs().maxCoeff(), 0.0);
      }
    }
  }
}

// The PINN's batch in blocks of samples (PoissonProblem::set_block_samples) against one block:
// same loss and gradient to rounding, for the full batch and a mixed mini-batch, every reduction.
TEST(PoissonBlocksTest, BlocksSumToTheWholeBatch) {
  for (const Reduction reduction : {Reduction::sum, Reduction::mean, Reduction::deepxde}) {
    auto blocked = make_paper_problem("poisson", reduction, 3);
    auto whole = make_paper_problem("poisson", reduction, 3);
    dynamic_cast<PoissonProblem&>(*blocked).set_block_samples(7);
    dynamic_cast<PoissonProblem&>(*whole).set_block_samples(whole->num_samples());
    const Vector w = whole->network().initial_parameters(InitScheme::glorot_uniform, 4);
    const auto all = whole->all_samples();
    const std::vector<std::vector<Index>> batches = {
        {all.begin(), all.end()}, {1439, 3, 1330, 17, 1319, 1320, 600, 2, 1400, 9, 10, 11}};
    for (const auto& batch : batches) {
      Vector g_blocked(w.size()), g_whole(w.size());
      const double l_blocked = blocked->loss_and_gradient(w, batch, g_blocked);
      const double l_whole = whole->loss_and_gradient(w, batch, g_whole);
      EXPECT_NEAR(l_blocked, l_whole, 1e-13 * l_whole);
      EXPECT_NEAR(blocked->loss(w, batch), l_whole, 1e-13 * l_whole);
      EXPECT_LT((g_blocked - g_whole).cwiseAbs().maxCoeff(), 1e-12 * g_whole.cwiseAbs().maxCoeff())
          << to_string(reduction) << ", batch of " << batch.size();
    }
  }
}

TEST(PaperDataTest, ProblemsHaveThePapersSizes) {
  EXPECT_EQ(make_classification()->num_samples(), 10);
  EXPECT_EQ(make_classification()->num_parameters(), 2 * 3 + 3 + 3 * 3 + 3 + 3 * 2 + 2);
  EXPECT_EQ(make_approximation()->num_samples(), 30);
  auto poisson = make_poisson(1);
  EXPECT_EQ(poisson->num_samples(), 1440);
  auto& p = dynamic_cast<PoissonProblem&>(*poisson);
  EXPECT_EQ(p.num_collocation(), 1320);
  EXPECT_EQ(p.num_boundary(), 120);
  for (Index j = 0; j < 1200; ++j) {  // interior points avoid the removed quadrant
    EXPECT_FALSE(p.collocation()(0, j) >= 0 && p.collocation()(1, j) >= 0);
    EXPECT_LT(p.collocation().col(j).cwiseAbs().maxCoeff(), 1.0);
  }
}

}  // namespace
}  // namespace paraflow
