#include "paraflow/algorithms/parareal.hpp"

#include <limits>

namespace paraflow {

Window::Window(int slices, Index parameters)
    : points(slices + 1, Vector(parameters)),
      fine(slices, Vector(parameters)),
      coarse(slices, Vector(parameters)),
      losses(slices + 1, std::numeric_limits<double>::quiet_NaN()) {}

int parareal_correction(Window& window, CoarsePropagator& coarse) {
  auto& W = window.points;
  auto& f = window.fine;
  auto& g = window.coarse;
  const int slices = window.slices();
  std::fill(window.losses.begin(), window.losses.end(), std::numeric_limits<double>::quiet_NaN());
  // Alg. 1, line 7: W_{0,1} = W_{0,0}; so G(W_{0,1}) = g_0 and eq. (3) gives W_{1,1} = f_0.
  W[1] = f[0];
  Vector g_new(W[0].size());
  for (int n = 1; n < slices; ++n) {                 // Alg. 1, line 8
    window.losses[n] = coarse.advance(W[n], g_new);  // Alg. 1, line 9: g_n^{k+1} = G(W_{n,1})
    W[n + 1] = f[n] + g_new - g[n];                  // Alg. 1, line 10
    g[n].swap(g_new);
  }
  return slices - 1;
}

Window parareal(const Vector& start, int slices, int iterations, CoarsePropagator& coarse,
                const std::function<void(int, Vector&)>& fine) {
  Window window(slices, start.size());
  window.points[0] = start;
  for (int n = 0; n < slices; ++n) {  // coarse initial sweep: W_{n+1,0} = g_n = G(W_{n,0})
    coarse.advance(window.points[n], window.coarse[n]);
    window.points[n + 1] = window.coarse[n];
  }
  for (int l = 0; l < iterations; ++l) {
    for (int n = 0; n < slices; ++n) {  // the parallel loop, here serial
      window.fine[n] = window.points[n];
      fine(n, window.fine[n]);
    }
    parareal_correction(window, coarse);
  }
  return window;
}

}  // namespace paraflow
