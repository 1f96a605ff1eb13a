// Data-parallel gradients (--data-ranks Q): one full-batch or mini-batch gradient of a paper
// problem computed by Q ranks, each on its share, summed by one MPI_Allreduce. Run by hand:
//   mpirun -n P build/bench/bench_data_parallel [--problem poisson] [--batch-sizes 64,720,1440]
//                                               [--seconds S]
// prints, for Q = 1, 2, 4, ... up to P (the other ranks wait, yielding their cores), the time per
// gradient, the speed-up over Q = 1, the efficiency and the allreduce's time alone; beside it
// (shm_sum_us) the same sum through SharedMemorySum (--data-sum shared), where the Q ranks share
// a node.
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "paraflow/parallel/data_parallel_problem.hpp"
#include "paraflow/parallel/rank_layout.hpp"
#include "paraflow/parallel/shared_memory_sum.hpp"
#include "paraflow/problems/paper.hpp"

using namespace paraflow;

namespace {

double now() {
  return MPI_Wtime();
}

// Seconds per call of f, over `reps` calls timed together on every rank of `comm`.
template <class F>
double seconds_per_call(long reps, MPI_Comm comm, F&& f) {
  MPI_Barrier(comm);
  const double start = now();
  for (long i = 0; i < reps; ++i) f();
  MPI_Barrier(comm);
  return (now() - start) / double(reps);
}

std::vector<Index> parse_sizes(const std::string& text) {
  std::vector<Index> sizes;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t comma = text.find(',', at);
    sizes.push_back(std::stol(text.substr(at, comma - at)));
    at = comma == std::string::npos ? text.size() : comma + 1;
  }
  return sizes;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  std::string problem_name = "poisson", batches = "64,720,1440";
  double seconds = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--problem")
      problem_name = argv[i + 1];
    else if (flag == "--batch-sizes")
      batches = argv[i + 1];
    else if (flag == "--seconds")
      seconds = std::atof(argv[i + 1]);
  }
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  auto problem = make_paper_problem(problem_name, default_reduction(problem_name), 1);
  const Vector w = problem->network().initial_parameters(default_init_scheme(problem_name), 1);
  Vector gradient(problem->num_parameters());
  if (rank == 0)
    std::printf("problem=%s parameters=%ld ranks=%d\n%-6s %-4s %-12s %-9s %-10s %-12s %-10s\n",
                problem_name.c_str(), long(problem->num_parameters()), size, "d_B", "Q",
                "us/gradient", "speed-up", "efficiency", "allreduce_us", "shm_sum_us");
  for (Index batch_size : parse_sizes(batches)) {
    std::vector<Index> batch(std::min(batch_size, problem->num_samples()));
    std::iota(batch.begin(), batch.end(), Index(0));
    double one_rank = 0;
    long reps = 0;
    for (int Q = 1; Q <= size && Q <= Index(batch.size()); Q *= 2) {
      // The first Q ranks compute; the others wait for the end of the row without spinning.
      MPI_Comm group;
      MPI_Comm_split(MPI_COMM_WORLD, rank < Q ? 0 : 1, rank, &group);
      double row[3] = {0, 0, -1};
      if (rank < Q) {
        DataParallelProblem shared(*problem, group);
        shared.loss_and_gradient(w, batch, gradient);  // warm-up
        if (Q == 1) {
          const double t =
              seconds_per_call(3, group, [&] { shared.loss_and_gradient(w, batch, gradient); });
          reps = std::max(10L, long(seconds / t));
        }
        MPI_Bcast(&reps, 1, MPI_LONG, 0, group);
        const long q_reps = reps * Q;
        row[0] =
            seconds_per_call(q_reps, group, [&] { shared.loss_and_gradient(w, batch, gradient); });
        Vector sums(problem->num_parameters() + 1);
        row[1] = seconds_per_call(q_reps, group, [&] {
          MPI_Allreduce(MPI_IN_PLACE, sums.data(), int(sums.size()), MPI_DOUBLE, MPI_SUM, group);
        });
        if (Q > 1) {
          try {
            SharedMemorySum shm(group, sums.size());
            Vector check = Vector::Constant(sums.size(), double(rank + 1));
            shm.sum(check.data(), check.size());
            if (check[0] != double(Q) * (Q + 1) / 2) MPI_Abort(MPI_COMM_WORLD, 1);  // a wrong sum
            row[2] = seconds_per_call(q_reps, group, [&] { shm.sum(sums.data(), sums.size()); });
          } catch (const std::invalid_argument&) {  // the Q ranks span nodes: not measured
          }
        }
      }
      broadcast_yielding(row, 3, MPI_DOUBLE, 0, MPI_COMM_WORLD);
      MPI_Bcast(&reps, 1, MPI_LONG, 0, MPI_COMM_WORLD);
      MPI_Comm_free(&group);
      if (Q == 1) one_rank = row[0];
      if (rank == 0) {
        char shm[32] = "-";
        if (row[2] >= 0) std::snprintf(shm, sizeof shm, "%.1f", row[2] * 1e6);
        std::printf("%-6ld %-4d %-12.1f %-9.2f %-10.2f %-12.1f %-10s\n", long(batch.size()), Q,
                    row[0] * 1e6, one_rank / row[0], one_rank / row[0] / Q, row[1] * 1e6, shm);
      }
    }
  }
  MPI_Finalize();
  return 0;
}
