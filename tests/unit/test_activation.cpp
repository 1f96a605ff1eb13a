// The vectorized tanh against std::tanh, on the SIMD path (whole packets) and the scalar path
// (the tail of an array whose length is not a multiple of the packet size).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "paraflow/core/activation.hpp"

namespace paraflow {
namespace {

using Eigen::Index;

// Points spread over both branches (|x| below and above 1/4), both signs, the switch point,
// tiny and huge magnitudes.
Eigen::ArrayXd probe_points() {
  Eigen::ArrayXd x(4003);
  for (Index i = 0; i < 4000; ++i) x(i) = -20.0 + 40.0 * double(i) / 3999.0;
  x(4000) = 0.25;
  x(4001) = -0.25;
  x(4002) = 1e-300;
  x.head(400) = Eigen::ArrayXd::LinSpaced(400, -0.3, 0.3);  // dense near the series branch
  return x;
}

TEST(VectorizedTanhTest, MatchesStdTanhToAFewUlp) {
  const Eigen::ArrayXd x = probe_points();
  const Eigen::ArrayXd t = activation::Tanh::value(x);  // packets, then a scalar tail (4003)
  double worst = 0.0;
  for (Index i = 0; i < x.size(); ++i) {
    const double exact = std::tanh(x(i));
    const double error = std::abs(t(i) - exact) / std::max(std::abs(exact), 1e-300);
    worst = std::max(worst, error);
    // Both paths of the functor give the same value to rounding.
    EXPECT_NEAR(activation::VectorizedTanhOp{}(x(i)), t(i), 8e-16 * std::abs(exact)) << x(i);
  }
  RecordProperty("worst_relative_error", std::to_string(worst));
  EXPECT_LT(worst, 8 * std::numeric_limits<double>::epsilon());
  EXPECT_EQ(t(4002), 1e-300);
}

TEST(VectorizedTanhTest, SpecialValues) {
  Eigen::ArrayXd x(8);
  const double inf = std::numeric_limits<double>::infinity();
  x << inf, -inf, std::nan(""), 0.0, -0.0, 800.0, -800.0, 19.0;
  const Eigen::ArrayXd t = activation::Tanh::value(x);
  EXPECT_EQ(t(0), 1.0);
  EXPECT_EQ(t(1), -1.0);
  EXPECT_TRUE(std::isnan(t(2)));
  EXPECT_EQ(t(3), 0.0);
  EXPECT_TRUE(std::signbit(t(4)));
  EXPECT_EQ(t(5), 1.0);
  EXPECT_EQ(t(6), -1.0);
  EXPECT_NEAR(t(7), std::tanh(19.0), std::numeric_limits<double>::epsilon());
}

}  // namespace
}  // namespace paraflow
