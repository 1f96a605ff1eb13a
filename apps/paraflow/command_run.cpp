// paraflow run: parse and validate the options, train, write the run file, print `result`.
#include <mpi.h>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "cli.hpp"
#include "commands.hpp"
#include "paraflow/driver/run.hpp"
#include "run_options.hpp"

namespace paraflow::cli {

namespace {

volatile int g_stop_signal = 0;  // set by SIGTERM / SIGUSR1: checkpoint and stop
extern "C" void on_stop_signal(int signal) {
  g_stop_signal = signal;
}

}  // namespace

po::options_description run_options() {
  po::options_description o("Options of 'paraflow run'");
  auto text = [](const char* fallback) {
    return po::value<std::string>()->default_value(fallback);
  };
  // clang-format off
  o.add_options()
    ("help,h", "this help")
    ("config", po::value<std::string>(), "read options from an INI file (command line wins)")
    ("problem", text("classification"), "classification | approximation | poisson | data")
    ("data", text(""), "--problem data: CSV (header row) or HDF5 (/inputs, /targets or /labels)")
    ("hidden", text(""), "--problem data: hidden layer widths (default 32,32)")
    ("activation", text(""), "--problem data: sigmoid | tanh | relu | linear (default tanh)")
    ("loss", text(""), "--problem data: mse | cross-entropy (softmax; integer labels)")
    ("targets", text(""), "--problem data: CSV target columns, NAME[,NAME...] (default: last)")
    ("validation", text(""), "--problem data: held-out data (same format); its loss (and accuracy) "
                             "in the progress lines and /history, at no budget")
    ("embed-data", text(""), "--problem data: the data in the run file: auto (up to 16 MiB) | yes "
                             "| no (the file is named by path and SHA-256)")
    ("method", text("paraflows"), "sgd | paraflows | paraflow (MPI)")
    ("batch-size", text("0"), "d_B, samples per SGD step (0: full batch)")
    ("eta", text("0.01"), "eta_F, the SGD step")
    ("nf", text("100"), "N_F, SGD steps per fine propagator")
    ("ng", text("10"), "N_G, slices per window (cap on ParaFlowS's corrections)")
    ("eta-coarse", text("0"), "eta_G of the coarse GD step (0: N_F * eta_F)")
    ("budget", text("1e6"), "per-sample gradient evaluations to spend")
    ("reduction", text(""), "sum | mean | deepxde (default: the problem's paper preset)")
    ("init-guess", text("copy"), "ParaFlow's initial points: copy | coarse")
    ("init-scheme", text(""), "uniform | glorot-uniform | normal-half (default: per problem)")
    ("accept-first", po::bool_switch(), "ParaFlowS: always accept W_1 = F(W_0)")
    ("seed", text("1"), "seed of the weights, the data and every batch")
    ("data-ranks", text("1"), "Q: ranks computing each gradient together, each on its share of "
                              "the batch (P ranks: P/Q time groups for paraflow)")
    ("data-sum", text("allreduce"), "how the Q data ranks add their parts: allreduce (MPI) | "
                                    "shared (one node: a shared-memory window, rank order)")
    ("max-iterations", text("-1"), "stop after this many iterations (-1: no limit)")
    ("wall-time", text("-1"), "stop after this many seconds of this session (-1: no limit)")
    ("history-every", text("0"), "iterations between history entries (0: auto)")
    ("history-spacing", text(""), "linear | log (more entries early; default: log for sgd)")
    ("init", text(""), "start from the weights of this run file")
    ("output", text(""), "the run file to write (HDF5)")
    ("resume", text(""), "continue the run in this run file (its options; --budget, "
                         "--max-iterations, --wall-time, --output may be given anew)")
    ("checkpoint-every", text("0"), "rewrite the run file every this many seconds (0: at the end)")
    ("log-interval", text("1"), "seconds between progress lines");
  // clang-format on
  return o;
}

RunConfig config_from(const po::variables_map& v) {
  RunConfig c;
  auto text = [&](const char* name) { return v[name].as<std::string>(); };
  c.problem = text("problem");
  c.data = text("data");
  c.hidden = text("hidden");
  c.activation = text("activation");
  c.loss = text("loss");
  c.targets = text("targets");
  c.validation = text("validation");
  c.embed_data = text("embed-data");
  c.method = text("method");
  c.batch_size = count(v, "batch-size");
  c.eta = finite_real(v, "eta");
  c.nf = count(v, "nf");
  c.ng = count(v, "ng");
  c.eta_coarse = finite_real(v, "eta-coarse");
  c.budget = count(v, "budget");
  c.reduction = text("reduction");
  c.init_guess = text("init-guess");
  c.init_scheme = text("init-scheme");
  c.accept_first = v["accept-first"].as<bool>();
  c.seed = std::uint64_t(count(v, "seed"));
  c.data_ranks = count(v, "data-ranks");
  c.data_sum = text("data-sum");
  c.max_iterations = integer(v, "max-iterations");
  c.wall_time = finite_real(v, "wall-time");
  c.history_every = count(v, "history-every");
  c.history_spacing = text("history-spacing");
  c.init_file = text("init");
  c.output = text("output");
  c.resume = text("resume");
  c.checkpoint_every = finite_real(v, "checkpoint-every");
  c.log_interval = finite_real(v, "log-interval");
  // Options that mean nothing for the chosen method are errors, not silently ignored.
  auto only_for = [&](const char* name, std::initializer_list<const char*> methods) {
    if (v[name].defaulted()) return;
    for (const char* m : methods)
      if (c.method == m) return;
    throw UsageError(std::string("--") + name + " makes no sense with --method " + c.method);
  };
  only_for("nf", {"paraflows", "paraflow"});
  only_for("ng", {"paraflows", "paraflow"});
  only_for("eta-coarse", {"paraflows", "paraflow"});
  only_for("init-guess", {"paraflow"});
  only_for("accept-first", {"paraflows"});
  if (!c.resume.empty()) {
    if (v["budget"].defaulted()) c.budget = 0;  // keep the recorded budget
    if (v["max-iterations"].defaulted()) c.max_iterations = RunConfig::kKeepRecorded;
    // A resumed run keeps its recorded options; only these may be given beside --resume.
    for (const char* name :
         {"problem",    "data",       "hidden",        "activation", "loss",        "targets",
          "validation", "embed-data", "method",        "batch-size", "eta",         "nf",
          "ng",         "eta-coarse", "reduction",     "init-guess", "init-scheme", "seed",
          "data-ranks", "data-sum",   "history-every", "init"})
      if (!v[name].defaulted())
        throw UsageError(std::string("--") + name +
                         " cannot be changed on --resume (the run file's options are used)");
  }
  return c;
}

int command_run(const std::vector<std::string>& args, const std::string& command_line) {
  po::variables_map values;
  const auto options = run_options();
  if (!parse(args, options, values, "usage: paraflow run [options]")) return 0;
  RunConfig config = config_from(values);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGUSR1, on_stop_signal);
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const bool root = rank_of_world() == 0;
  RunResult run = run_training(config, MPI_COMM_WORLD, root ? &std::cout : nullptr, command_line,
                               &g_stop_signal);
  config = run.config;
  if (root) {
    const auto& s = run.state;
    PhaseTimes total;
    for (const auto& e : run.history) total += e.times;
    std::printf(
        "result method=%s problem=%s ranks=%lld iterations=%lld budget=%lld "
        "critical_path_budget=%lld loss_evaluations=%lld loss=%.17g wall=%.6g time_fine=%.6g "
        "time_coarse=%.6g time_communication=%.6g time_argmin=%.6g stop=%s",
        config.method.c_str(), config.problem.c_str(), (long long)run.ranks, (long long)s.iteration,
        (long long)s.budget.spent, (long long)s.budget.critical_path,
        (long long)s.budget.loss_evaluations, s.loss, s.wall_time, total.fine, total.coarse,
        total.communication, total.argmin, to_string(run.reason).c_str());
    if (run.accuracy >= 0) std::printf(" accuracy=%.6g", run.accuracy);
    if (!run.history.empty() && run.history.back().validation_loss != -1) {
      std::printf(" validation_loss=%.17g", run.history.back().validation_loss);
      if (run.history.back().validation_accuracy >= 0)
        std::printf(" validation_accuracy=%.6g", run.history.back().validation_accuracy);
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  if (run.reason == StopReason::diverged) {
    if (root)
      std::cerr << "paraflow: error: the loss diverged (NaN/Inf); kept the last finite weights, "
                << "from iteration " << run.state.iteration << std::endl;
    return kExitDiverged;
  }
  if (run.reason == StopReason::fixed_point && root)
    std::cerr << "paraflow: note: iteration " << run.state.iteration
              << " kept W (with the full batch F depends on W alone, and L(F(W)) >= L(W)), and "
                 "every later one would repeat it: stopped at this fixed point of Alg. 2 "
                 "(--accept-first always takes F(W))"
              << std::endl;
  if (run.reason == StopReason::signal) {
    if (root)
      std::cerr << "paraflow: stopped by signal " << g_stop_signal << " after writing "
                << (config.output.empty() ? "nothing (no --output)" : config.output) << std::endl;
    return kExitCheckpointed;
  }
  return 0;
}

}  // namespace paraflow::cli
