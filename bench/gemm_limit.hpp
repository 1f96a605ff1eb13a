// The double-precision GEMM rate of this machine through Eigen, for the products a network's
// gradient is made of: the hardware limit that the PINN throughput is compared with.
#pragma once

#include "paraflow/core/network.hpp"

namespace bench {

struct GemmLimit {
  double forward_gflops;            // W_l S_{l-1}
  double weight_gflops;             // Zbar_l S_{l-1}^T
  double adjoint_gflops;            // W_l^T Zbar_l
  double gradient_gflops;           // the three weighted by their share of a gradient's flops
  double multiply_adds_per_sample;  // of one gradient, averaged over the batch
  double forward_equivalents;       // multiply_adds_per_sample / one value-only forward pass
};

/// Times the three products of every layer of `network` on `columns` state columns (the
/// columns of a batch of `samples` samples, derivative columns included), each for about
/// `seconds`, as single whole-batch Eigen products.
GemmLimit measure_gemm_limit(const paraflow::Network& network, Eigen::Index columns,
                             Eigen::Index samples, double seconds);

}  // namespace bench
