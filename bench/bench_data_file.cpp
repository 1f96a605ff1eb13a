// Users' data files (--problem data) cost nothing per step: SGD steps on a problem read from a
// CSV or HDF5 file against the same problem built from matrices in memory, timed in alternating
// rounds, with the heap allocations counted per step. Run by hand:
//   build/bench/bench_data_file FILE [--loss mse|cross-entropy] [--hidden 32,32]
//                               [--batch-size 32] [--steps 20000] [--rounds 5]
// prints the time to read the file once, then per round the microseconds per step of both and
// their ratio (and the median ratio), and the allocations per step (0 expected: the data is
// read before training).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <new>
#include <string>
#include <vector>

#include "paraflow/algorithms/propagators.hpp"
#include "paraflow/io/data_file.hpp"
#include "paraflow/problems/cross_entropy.hpp"
#include "paraflow/problems/user_data.hpp"

namespace {

std::atomic<long> g_allocations{0};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

using namespace paraflow;

int main(int argc, char** argv) {
  if (argc < 2 || argc % 2 != 0) {
    std::fprintf(stderr,
                 "usage: bench_data_file FILE [--loss mse|cross-entropy] [--hidden 32,32] "
                 "[--batch-size 32] [--steps 20000] [--rounds 5]\n");
    return 2;
  }
  std::map<std::string, std::string> o{{"--loss", "cross-entropy"},
                                       {"--hidden", "32,32"},
                                       {"--batch-size", "32"},
                                       {"--steps", "20000"},
                                       {"--rounds", "5"}};
  for (int i = 2; i + 1 < argc; i += 2) o[argv[i]] = argv[i + 1];
  UserDataSpec spec;
  spec.hidden = parse_widths(o["--hidden"], "hidden");
  spec.cross_entropy = o["--loss"] == "cross-entropy";
  const Index batch = std::stol(o["--batch-size"]);
  const long steps = std::stol(o["--steps"]), rounds = std::stol(o["--rounds"]);

  auto start = std::chrono::steady_clock::now();
  const Dataset data = read_dataset(argv[1], {{}, spec.cross_entropy, 0});
  const double read_seconds = seconds_since(start);
  std::printf("file %s: %ld samples, %ld inputs, %ld outputs; read and hashed in %.3f s\n", argv[1],
              long(data.num_samples()), long(data.num_inputs()), long(data.num_outputs()),
              read_seconds);

  // The same network and values, one problem from the file, one from copies made in memory.
  auto from_file = make_data_problem(data, spec);
  const Network network = from_file->network();
  std::unique_ptr<NetworkProblem> in_memory;
  const Matrix inputs = data.inputs, targets = data.targets;
  if (spec.cross_entropy)
    in_memory =
        std::make_unique<CrossEntropyProblem>("memory", network, inputs, targets, spec.reduction);
  else
    in_memory =
        std::make_unique<DataFitProblem>("memory", network, inputs, targets, spec.reduction);

  const Vector w0 = network.initial_parameters(InitScheme::glorot_uniform, 1);
  FinePropagator fine_file(*from_file, batch, 0.01, steps, 7);
  FinePropagator fine_memory(*in_memory, batch, 0.01, steps, 7);
  Vector w_file = w0, w_memory = w0;
  fine_file.advance(w_file, 0, 0);  // warm-up: workspaces sized on first use
  fine_memory.advance(w_memory, 0, 0);

  std::printf("round  file us/step  memory us/step  file/memory  allocations/step\n");
  std::vector<double> ratios;
  for (long r = 0; r < rounds; ++r) {
    double us[2];
    long allocations = 0;
    for (int k = 0; k < 2; ++k) {
      Vector& w = k == 0 ? w_file : w_memory;
      w = w0;
      const long before = g_allocations;
      start = std::chrono::steady_clock::now();
      (k == 0 ? fine_file : fine_memory).advance(w, std::uint64_t(r + 1), 0);
      us[k] = 1e6 * seconds_since(start) / double(steps);
      allocations += g_allocations - before;
    }
    if (w_file != w_memory) {
      std::fprintf(stderr, "the two problems gave different weights\n");
      return 1;
    }
    ratios.push_back(us[0] / us[1]);
    std::printf("%5ld  %12.3f  %14.3f  %11.3f  %16.3g\n", r + 1, us[0], us[1], us[0] / us[1],
                double(allocations) / double(2 * steps));
  }
  std::sort(ratios.begin(), ratios.end());
  std::printf("median file/memory ratio %.3f (1: reading the data adds nothing per step)\n",
              ratios[ratios.size() / 2]);
  return 0;
}
