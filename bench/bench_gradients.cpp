// Gradient and SGD-step throughput of the paper's problems, and heap allocations per step.
// Run by hand: ./build/bench/bench_gradients [--seconds S] [--problem P]
#include <Eigen/Core>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "gemm_limit.hpp"
#include "paraflow/core/random.hpp"
#include "paraflow/problems/paper.hpp"
#include "paraflow/problems/poisson.hpp"
#include "repeat_timer.hpp"

// Allocation counting. operator new/delete are replaced below; Eigen's own buffers bypass them
// (Eigen::internal::aligned_malloc calls std::malloc), so on glibc malloc itself is interposed too.
static std::atomic<long> new_calls{0}, malloc_calls{0};

static void* counted_new(std::size_t n, std::size_t align = 0) noexcept {
  ++new_calls;
  if (n == 0) n = 1;
  return align <= alignof(std::max_align_t)
             ? std::malloc(n)
             : std::aligned_alloc(align, (n + align - 1) / align * align);
}
static void* checked(void* p) {
  if (!p) throw std::bad_alloc();
  return p;
}
using al = std::align_val_t;
using nt = std::nothrow_t;

// clang-format off
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define COUNT_MALLOC 1
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
void* malloc(std::size_t n) noexcept { return ++malloc_calls, __libc_malloc(n); }
void* calloc(std::size_t k, std::size_t n) noexcept { return ++malloc_calls, __libc_calloc(k, n); }
void* realloc(void* p, std::size_t n) noexcept { return ++malloc_calls, __libc_realloc(p, n); }
void* aligned_alloc(std::size_t a, std::size_t n) noexcept { return ++malloc_calls, __libc_memalign(a, n); }
int posix_memalign(void** p, std::size_t a, std::size_t n) noexcept {
  ++malloc_calls;
  return (*p = __libc_memalign(a, n)) ? 0 : 12;  // ENOMEM
}
void free(void* p) noexcept { __libc_free(p); }
}
#else
#define COUNT_MALLOC 0
#endif

void* operator new(std::size_t n) { return checked(counted_new(n)); }
void* operator new[](std::size_t n) { return checked(counted_new(n)); }
void* operator new(std::size_t n, al a) { return checked(counted_new(n, std::size_t(a))); }
void* operator new[](std::size_t n, al a) { return checked(counted_new(n, std::size_t(a))); }
void* operator new(std::size_t n, const nt&) noexcept { return counted_new(n); }
void* operator new[](std::size_t n, const nt&) noexcept { return counted_new(n); }
void* operator new(std::size_t n, al a, const nt&) noexcept { return counted_new(n, std::size_t(a)); }
void* operator new[](std::size_t n, al a, const nt&) noexcept { return counted_new(n, std::size_t(a)); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, al) noexcept { std::free(p); }
void operator delete[](void* p, al) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, al) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, al) noexcept { std::free(p); }
void operator delete(void* p, const nt&) noexcept { std::free(p); }
void operator delete[](void* p, const nt&) noexcept { std::free(p); }
void operator delete(void* p, al, const nt&) noexcept { std::free(p); }
void operator delete[](void* p, al, const nt&) noexcept { std::free(p); }

static const char* const eigen_vectorize = ""
#ifdef EIGEN_VECTORIZE_AVX
    " AVX"
#endif
#ifdef EIGEN_VECTORIZE_AVX2
    " AVX2"
#endif
#ifdef EIGEN_VECTORIZE_FMA
    " FMA"
#endif
    ;
// clang-format on

struct Result {
  double grads_per_s, steps_per_s, allocs_per_step, news_per_step, loss;
};

static Result run(paraflow::NetworkProblem& problem, paraflow::Vector w, Eigen::Index batch_size,
                  double seconds) {
  paraflow::BatchSampler sampler(problem.num_samples(), batch_size);
  paraflow::Random random(1);
  paraflow::Vector g(problem.num_parameters());
  const double eta = 1e-4;
  double loss = 0;
  auto step = [&] {
    loss = problem.loss_and_gradient(w, sampler.draw(random), g);
    w.noalias() -= eta * g;
  };
  for (int i = 0; i < 100; ++i) step();  // warm-up
  const long news0 = new_calls, mallocs0 = malloc_calls;
  const bench::Repeated timed = bench::repeat_for(seconds, step);
  const double news = double(new_calls - news0), mallocs = double(malloc_calls - mallocs0);
  const double steps = double(timed.calls);
  return {double(batch_size) * timed.per_second(), timed.per_second(),
          (COUNT_MALLOC ? mallocs : news) / steps, news / steps, loss};
}

// The PINN's full-batch throughput as a fraction of the GEMM rate for its layer shapes.
static void print_gemm_limit(const paraflow::PoissonProblem& pinn, double grads_per_s,
                             double seconds) {
  const auto& net = pinn.network();
  const Eigen::Index columns = pinn.num_collocation() * (net.width(0) + 2) + pinn.num_boundary();
  const auto limit = bench::measure_gemm_limit(net, columns, pinn.num_samples(), seconds / 3);
  const double ours_gflops = grads_per_s * 2.0 * limit.multiply_adds_per_sample * 1e-9;
  const double limit_grads = limit.gradient_gflops * 1e9 / (2.0 * limit.multiply_adds_per_sample);
  std::printf(
      "# PINN gradient: %.0f multiply-adds per sample (%ld state columns for %ld samples) "
      "= %.2f forward-GEMM equivalents\n",
      limit.multiply_adds_per_sample, long(columns), long(pinn.num_samples()),
      limit.forward_equivalents);
  std::printf(
      "# Eigen GEMM on these shapes: W*S %.2f, Zbar*S^T %.2f, W^T*Zbar %.2f GFlop/s; "
      "weighted %.2f GFlop/s = %.4g grads/s\n",
      limit.forward_gflops, limit.weight_gflops, limit.adjoint_gflops, limit.gradient_gflops,
      limit_grads);
  std::printf("# ours: %.2f GFlop/s = %.0f%% of the GEMM limit\n", ours_gflops,
              100.0 * ours_gflops / limit.gradient_gflops);
  std::printf(
      "gemm problem=poisson columns=%ld gemm_gflops=%.4g limit_grads_per_s=%.6g "
      "ours_gflops=%.4g fraction=%.4f multiply_adds_per_sample=%.0f "
      "forward_equivalents=%.3f\n",
      long(columns), limit.gradient_gflops, limit_grads, ours_gflops,
      ours_gflops / limit.gradient_gflops, limit.multiply_adds_per_sample,
      limit.forward_equivalents);
}

int main(int argc, char** argv) {
  double seconds = 0.5;
  long block = 0;  // PINN samples per block; 0: the library's default
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (arg == "--block" && i + 1 < argc && std::atol(argv[i + 1]) > 0) {
      block = std::atol(argv[++i]);
    } else if (arg == "--problem" && i + 1 < argc && paraflow::is_paper_problem(argv[i + 1])) {
      only = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: %s [--seconds S] [--problem classification|approximation|poisson] "
                   "[--block SAMPLES]\n",
                   argv[0]);
      return 2;
    }
  }

  std::printf("# Eigen %d.%d.%d, SIMD in use: %s\n", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION,
              EIGEN_MINOR_VERSION, Eigen::SimdInstructionSetsInUse());
#if defined(__clang__)
  std::printf("# compiler: clang %s", __clang_version__);
#else
  std::printf("# compiler: gcc %s", __VERSION__);
#endif
#ifdef NDEBUG
  std::printf(", NDEBUG\n");
#else
  std::printf(", assertions ON (not a Release build?)\n");
#endif
  std::printf("# EIGEN_VECTORIZE_{AVX,AVX2,FMA} defined:%s; allocations counted at %s; %g s each\n",
              *eigen_vectorize ? eigen_vectorize : " none",
              COUNT_MALLOC ? "malloc and operator new" : "operator new only", seconds);
  std::printf("%-15s %6s %14s %14s %12s\n", "problem", "batch", "grads/s", "steps/s",
              "allocs/step");

  struct Config {
    std::string name;
    std::vector<Eigen::Index> batches;  // 0: d_B = N
  };
  const std::vector<Config> configs = {
      {"classification", {0, 1}}, {"approximation", {0, 1}}, {"poisson", {0, 720, 10, 1}}};
  bool failed = false;
  for (const auto& config : configs) {
    if (!only.empty() && config.name != only) continue;
    auto problem =
        paraflow::make_paper_problem(config.name, paraflow::default_reduction(config.name), 1);
    const auto w0 =
        problem->network().initial_parameters(paraflow::default_init_scheme(config.name), 1);
    if (auto* pinn = dynamic_cast<paraflow::PoissonProblem*>(problem.get()); pinn && block > 0)
      pinn->set_block_samples(block);
    for (Eigen::Index batch : config.batches) {
      if (batch == 0) batch = problem->num_samples();
      const Result r = run(*problem, w0, batch, seconds);
      const bool bad = r.allocs_per_step != 0 || r.news_per_step != 0;
      failed |= bad;
      std::printf("%-15s %6ld %14.4g %14.4g %12.3g%s\n", config.name.c_str(), long(batch),
                  r.grads_per_s, r.steps_per_s, r.allocs_per_step, bad ? "  FAIL" : "");
      std::printf(
          "bench problem=%s batch=%ld grads_per_s=%.6g steps_per_s=%.6g allocs_per_step=%g "
          "new_per_step=%g loss=%.6g\n",
          config.name.c_str(), long(batch), r.grads_per_s, r.steps_per_s, r.allocs_per_step,
          r.news_per_step, r.loss);
      if (auto* pinn = dynamic_cast<paraflow::PoissonProblem*>(problem.get());
          pinn && batch == problem->num_samples())
        print_gemm_limit(*pinn, r.grads_per_s, seconds);
    }
  }
  return failed ? 1 : 0;
}
