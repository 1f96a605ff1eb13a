// Example 01: the smallest program that trains with ParaFlowS through the library.
//
// The paper's classification problem (a [2,3,3,2] sigmoid network on 10 points), ParaFlowS
// (Alg. 2) with F = 50 SGD steps of eta_F = 0.01 on batches of 10 and G = one full-batch GD
// step of eta_G = 50 eta_F, until 1e5 per-sample gradients are spent.
//
// Build and run:  cmake --build build --target example_01_classification
//                 build/apps/example_01_classification
// Expected output (the loss's last digits may differ between compilers and CPUs):
//   start  loss=3.0283
//   end    loss=0.10811  iterations=178  budget=98860  stop=budget
#include <cstdio>

#include "paraflow/algorithms/paraflows.hpp"
#include "paraflow/algorithms/trainer.hpp"
#include "paraflow/problems/paper.hpp"

int main() {
  // 1. The problem: the network, the data and the loss (reduction sum, as the paper's Table 1).
  auto problem = paraflow::make_classification();

  // 2. The propagators and the method: F, G and N_G = 100 (a cap: ParaFlowS stops correcting at
  //    the first non-decrease of the loss).
  const double eta_fine = 0.01;
  const int fine_steps = 50;
  paraflow::FinePropagator fine(*problem, /*batch_size=*/10, eta_fine, fine_steps, /*seed=*/1);
  paraflow::CoarsePropagator coarse(*problem, fine_steps * eta_fine);
  paraflow::ParaFlowS method(*problem, fine, coarse, {/*coarse_steps=*/100});

  // 3. The starting point and the budget.
  paraflow::RunState state;
  state.weights = problem->network().initial_parameters(paraflow::InitScheme::uniform, 1);
  state.budget.limit = 100000;

  // 4. Train; the history holds the loss after every iteration.
  paraflow::History history;
  const auto reason = paraflow::Trainer(method, *problem, {}).run(state, history);
  std::printf("start  loss=%.5g\n", history.front().loss);
  std::printf("end    loss=%.5g  iterations=%lld  budget=%lld  stop=%s\n", state.loss,
              (long long)state.iteration, (long long)state.budget.spent,
              paraflow::to_string(reason).c_str());
  return state.loss < history.front().loss ? 0 : 1;
}
