#include "gemm_limit.hpp"

#include "repeat_timer.hpp"

namespace bench {
namespace {

using paraflow::Index;
using paraflow::Matrix;

// Repeats `product` until `seconds` have passed; returns products per second.
template <class F>
double rate(F&& product, double seconds) {
  for (int i = 0; i < 3; ++i) product();  // warm-up, and Eigen's blocking buffers
  return repeat_for(seconds, product).per_second();
}

}  // namespace

GemmLimit measure_gemm_limit(const paraflow::Network& network, Index columns, Index samples,
                             double seconds) {
  double forward_time = 0, weight_time = 0, adjoint_time = 0;
  double forward_flops = 0, weight_flops = 0, adjoint_flops = 0, value_pass_flops = 0;
  for (int l = 1; l < network.num_layers(); ++l) {
    const Index rows = network.width(l), depth = network.width(l - 1);
    const Matrix w = Matrix::Random(rows, depth), s = Matrix::Random(depth, columns),
                 z = Matrix::Random(rows, columns);
    Matrix p(rows, columns), gw(rows, depth), a(depth, columns);
    const double flops = 2.0 * double(rows * depth * columns);
    forward_time += 1.0 / rate([&] { p.noalias() = w * s; }, seconds);
    weight_time += 1.0 / rate([&] { gw.noalias() = z * s.transpose(); }, seconds);
    forward_flops += flops;
    weight_flops += flops;
    value_pass_flops += 2.0 * double(rows * depth * samples);
    if (l > 1) {  // the first layer's input adjoint is never needed
      adjoint_time += 1.0 / rate([&] { a.noalias() = w.transpose() * z; }, seconds);
      adjoint_flops += flops;
    }
  }
  GemmLimit limit;
  limit.forward_gflops = forward_flops / forward_time * 1e-9;
  limit.weight_gflops = weight_flops / weight_time * 1e-9;
  limit.adjoint_gflops = adjoint_flops / adjoint_time * 1e-9;
  const double flops = forward_flops + weight_flops + adjoint_flops;
  limit.gradient_gflops = flops / (forward_time + weight_time + adjoint_time) * 1e-9;
  limit.multiply_adds_per_sample = flops / 2.0 / double(samples);
  limit.forward_equivalents = flops / value_pass_flops;
  return limit;
}

}  // namespace bench
