// Example 03: ParaFlow (Alg. 1) over MPI, on the communicators you pass.
//
// The paper's approximation problem on P ranks split into P/Q time groups of Q data ranks (Q from
// the command line, default 1): each group runs the fine propagators of its slices, group 0 the
// serial correction and the argmin, and every gradient is shared by a group's Q ranks. The
// answer does not depend on P (for a fixed Q); rank 0 prints it.
//
// Build and run:  cmake --build build --target example_03_paraflow_mpi
//                 mpirun -n 2 build/apps/example_03_paraflow_mpi      (or -n 4 ... 2 for Q = 2)
// Expected output (the same on 1, 2 or 4 ranks; last digits may differ between compilers):
//   ranks=2 time_groups=2 data_ranks=1
//   windows=40  loss 7.9154 -> 0.10074
#include <mpi.h>

#include <cstdio>
#include <cstdlib>

#include "paraflow/algorithms/paraflow.hpp"
#include "paraflow/algorithms/trainer.hpp"
#include "paraflow/parallel/data_parallel_problem.hpp"
#include "paraflow/parallel/rank_layout.hpp"
#include "paraflow/problems/paper.hpp"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  {
    // 1. The layout: the communicators the algorithm and the problem work on.
    const int data_ranks = argc > 1 ? std::atoi(argv[1]) : 1;
    const paraflow::RankLayout layout(MPI_COMM_WORLD, data_ranks);

    // 2. This rank's problem; with Q > 1 its gradients are shared by the group's data ranks.
    auto local = paraflow::make_approximation();
    paraflow::DataParallelProblem shared(*local, layout.data());
    paraflow::Problem& problem = data_ranks > 1 ? static_cast<paraflow::Problem&>(shared) : *local;

    // 3. F = 8 SGD steps on batches of 6, G = one GD step, N_G = 4 slices per window.
    paraflow::FinePropagator fine(problem, 6, 0.01, 8, /*seed=*/5);
    paraflow::CoarsePropagator coarse(problem, 0.08);
    paraflow::ParaFlow method(problem, fine, coarse, {4, paraflow::InitialGuess::copy},
                              layout.time());

    // 4. Every rank trains; the trainer agrees on when to stop across all of them.
    paraflow::RunState state;
    state.weights = local->network().initial_parameters(paraflow::InitScheme::uniform, 3);
    state.budget.limit = 40 * method.worst_case_cost();
    paraflow::History history;
    paraflow::Trainer(method, problem, {}, layout.all()).run(state, history);
    if (layout.rank() == 0) {
      std::printf("ranks=%d time_groups=%d data_ranks=%d\n", layout.ranks(), layout.time_groups(),
                  layout.data_ranks());
      std::printf("windows=%lld  loss %.5g -> %.5g\n", (long long)state.iteration,
                  history.front().loss, state.loss);
    }
  }
  MPI_Finalize();
  return 0;
}
