#include "paraflow/driver/run.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "paraflow/algorithms/paraflow.hpp"
#include "paraflow/algorithms/paraflows.hpp"
#include "paraflow/algorithms/sgd.hpp"
#include "paraflow/core/timer.hpp"
#include "paraflow/core/version.hpp"
#include "paraflow/parallel/data_parallel_problem.hpp"
#include "paraflow/parallel/rank_layout.hpp"
#include "paraflow/problems/data_fit.hpp"
#include "paraflow/problems/paper.hpp"
#include "paraflow/problems/poisson.hpp"
#include "paraflow/problems/user_data.hpp"

namespace paraflow {

namespace {

UserDataSpec data_spec(const RunConfig& config) {
  UserDataSpec spec;
  spec.hidden = parse_widths(config.hidden, "hidden");
  spec.activation = parse_activation(config.activation);
  spec.cross_entropy = config.loss == "cross-entropy";
  spec.targets = parse_names(config.targets);
  spec.reduction = parse_reduction(config.reduction);
  return spec;
}

// Reads a data file and records its hash in `sha256`, or checks it against the recorded one.
Dataset read_recorded(const std::string& path, const DataOptions& options, std::string& sha256) {
  Dataset data = read_dataset(path, options);
  if (!sha256.empty() && sha256 != data.sha256)
    throw std::invalid_argument(
        path + ": its contents changed since the run file was written (sha256 " +
        data.sha256.substr(0, 16) + "..., recorded " + sha256.substr(0, 16) + "...)");
  sha256 = data.sha256;
  return data;
}

}  // namespace

std::unique_ptr<NetworkProblem> make_problem(RunConfig& config) {
  config.resolve_problem();
  if (config.problem == "data") {
    const UserDataSpec spec = data_spec(config);
    const Dataset data =
        read_recorded(config.data, {spec.targets, spec.cross_entropy, 0}, config.data_sha256);
    return make_data_problem(data, spec);
  }
  const Reduction reduction = config.reduction.empty() ? default_reduction(config.problem)
                                                       : parse_reduction(config.reduction);
  // The data gets its own stream of the seed, apart from the weights' and the batches'.
  return make_paper_problem(config.problem, reduction, mix64(config.seed ^ 0x64617461ull));
}

Validation make_validation(RunConfig& config, const NetworkProblem& trained) {
  if (config.validation.empty()) return {};
  const UserDataSpec spec = data_spec(config);
  const Network& network = trained.network();
  const Index outputs = network.layers().back();
  const Dataset data = read_recorded(
      config.validation, {spec.targets, spec.cross_entropy, spec.cross_entropy ? outputs : 0},
      config.validation_sha256);
  if (data.num_inputs() != network.layers().front() || data.num_outputs() != outputs)
    throw std::invalid_argument(
        config.validation + ": " + std::to_string(data.num_inputs()) + " inputs and " +
        std::to_string(data.num_outputs()) + " targets, but --data " + config.data + " has " +
        std::to_string(network.layers().front()) + " and " + std::to_string(outputs));
  std::shared_ptr<NetworkProblem> problem = make_data_problem(data, spec);
  return [problem](const Vector& weights) {
    return ValidationScore{problem->loss(weights, problem->all_samples()),
                           accuracy_of(*problem, weights)};
  };
}

namespace {

std::string iso_time_now() {
  const std::time_t t = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

Attributes state_attributes(const RunState& s) {
  return {{"iteration", s.iteration},
          {"budget", s.budget.spent},
          {"critical_path_budget", s.budget.critical_path},
          {"loss_evaluations", s.budget.loss_evaluations},
          {"loss", s.loss},
          {"loss_known", std::int64_t(s.loss_known)},
          {"wall_time", s.wall_time}};
}

RunState state_from(const RunRecord& record, std::int64_t budget_limit) {
  auto integer = [&](const char* name) {
    return attribute<std::int64_t>(record.state, "/state", name);
  };
  auto real = [&](const char* name) { return attribute<double>(record.state, "/state", name); };
  RunState s;
  s.weights = record.weights;
  s.iteration = integer("iteration");
  s.budget = {budget_limit, integer("budget"), integer("critical_path_budget"),
              integer("loss_evaluations")};
  s.loss = real("loss");
  s.loss_known = integer("loss_known") != 0;
  s.wall_time = real("wall_time");
  return s;
}

// A run that stopped between two history entries appended one for its final state; the
// uninterrupted run has no such entry, so a resumed run drops it (and, for SGD, the loss
// evaluation it cost) to continue bit-identically.
void drop_end_of_run_entry(const RunConfig& config, const StopRules& rules, RunState& state,
                           History& history) {
  if (history.empty() || history.back().iteration != state.iteration ||
      rules.history_due(state.iteration))
    return;
  history.pop_back();
  if (config.method == "sgd") {
    --state.budget.loss_evaluations;
    state.loss_known = false;
  }
}

// Runs `read`, prefixing the path of the file to its errors.
template <class Read>
auto in_file(const std::string& path, Read read) {
  try {
    return read();
  } catch (const RunFileError& e) {
    throw RunFileError(path + ": " + e.what());
  }
}

std::string human(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", x);
  return text;
}

// Rank-0 progress lines and periodic checkpoints.
class Progress : public Observer {
 public:
  Progress(std::ostream* log, double interval,
           std::function<void(const RunState&, const History&)> save, double checkpoint_every,
           const volatile int* stop_flag)
      : log_(log),
        interval_(interval),
        save_(std::move(save)),
        checkpoint_every_(checkpoint_every),
        stop_flag_(stop_flag) {}

  void on_entry(const HistoryEntry& e, const RunState& state, const History& history) override {
    const double now = now_seconds();
    if (log_ && (history.size() == 1 || now - last_print_ >= interval_)) {
      *log_ << "iter=" << e.iteration << " budget=" << e.budget
            << " critical_path_budget=" << e.critical_path_budget << " loss=" << human(e.loss);
      if (e.validation_loss != -1) *log_ << " validation_loss=" << human(e.validation_loss);
      if (e.validation_accuracy != -1)
        *log_ << " validation_accuracy=" << human(e.validation_accuracy);
      *log_ << " corrections=" << e.corrections << " wall=" << human(e.wall_time) << std::endl;
      last_print_ = now;
    }
    if (checkpoint_every_ > 0 && failure_.empty() && now - last_checkpoint_ >= checkpoint_every_) {
      // A failed checkpoint (a full disk, ...) stops the run at the next safe point, every rank
      // together (should_stop() is rank 0's, broadcast by the trainer), and the run then ends
      // with this one error: training on would spend time whose result cannot be kept.
      try {
        save_(state, history);
      } catch (const std::exception& e) {
        failure_ = std::string(e.what()) + " (checkpoint of iteration " +
                   std::to_string(state.iteration) + "; the run stopped there)";
      }
      last_checkpoint_ = now;
    }
  }
  bool should_stop() override { return !failure_.empty() || (stop_flag_ && *stop_flag_ != 0); }
  /// Why a checkpoint could not be written, or "".
  const std::string& failure() const { return failure_; }

 private:
  std::ostream* log_;
  double interval_;
  std::function<void(const RunState&, const History&)> save_;
  double checkpoint_every_;
  const volatile int* stop_flag_;
  double last_print_ = -1e300;
  double last_checkpoint_ = now_seconds();
  std::string failure_;
};

// Every rank leaves with rank 0's final state and stop reason, idle ranks (time groups other
// than 0 without ParaFlow) included; they wait for it without spinning. Counters travel as
// doubles: exact below 2^53.
void share_final_state(RunResult& result, MPI_Comm comm) {
  RunState& s = result.state;
  const Index d = s.weights.size();
  Vector message(d + 8);
  message << s.weights, s.loss, double(s.loss_known), double(s.iteration), double(s.budget.spent),
      double(s.budget.critical_path), double(s.budget.loss_evaluations), s.wall_time,
      double(result.reason);
  broadcast_yielding(message.data(), int(message.size()), MPI_DOUBLE, 0, comm);
  s.weights = message.head(d);
  s.loss = message[d];
  s.loss_known = message[d + 1] != 0;
  s.iteration = std::int64_t(message[d + 2]);
  s.budget.spent = std::int64_t(message[d + 3]);
  s.budget.critical_path = std::int64_t(message[d + 4]);
  s.budget.loss_evaluations = std::int64_t(message[d + 5]);
  s.wall_time = message[d + 6];
  result.reason = StopReason(int(message[d + 7]));
}

// Rank 0 creates (and removes) the temporary file that write_run_file will use beside `path`;
// every rank throws its error. Before any training: an output directory that cannot be written
// (missing, read-only, a path under a regular file) is an error at once, not after the run.
void check_writable(const std::string& path, MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  std::string error;
  if (rank == 0) {
    const std::string probe = path + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      error = "cannot write " + path + ": cannot create " + probe + ": " + std::strerror(errno);
    else
      ::close(fd), ::unlink(probe.c_str());
  }
  if (size > 1) {
    int length = int(error.size());
    MPI_Bcast(&length, 1, MPI_INT, 0, comm);
    error.resize(std::size_t(length));
    MPI_Bcast(error.data(), length, MPI_CHAR, 0, comm);
  }
  if (!error.empty()) throw RunFileError(error);
}

}  // namespace

bool embeds_data(const RunConfig& config, Index values) {
  if (config.problem != "data" || config.embed_data == "yes") return true;
  return config.embed_data == "auto" && double(values) * sizeof(double) <= kEmbedDataLimit;
}

RunRecord make_record(const RunConfig& config, const NetworkProblem& problem, const RunResult& run,
                      const std::string& command_line) {
  RunRecord r;
  r.paraflow_version = version();
  r.git_revision = git_revision();
  r.build = build_description();
  r.command_line = command_line;
  r.created = iso_time_now();
  r.options = config.to_attributes();
  r.options["ranks"] = run.ranks;
  r.network = problem.network();
  r.weights = run.state.weights;
  r.problem = problem.name();
  if (const auto* fit = dynamic_cast<const DataFitProblem*>(&problem)) {
    if (embeds_data(config, fit->inputs().size() + fit->targets().size())) {
      r.inputs = fit->inputs();
      r.targets = fit->targets();
    } else {
      r.data_reference = DataReference{std::filesystem::absolute(config.data).string(),
                                       config.data_sha256, fit->num_samples()};
    }
  } else if (const auto* pde = dynamic_cast<const PoissonProblem*>(&problem)) {
    r.collocation = pde->collocation();
    r.boundary = pde->boundary();
  }
  r.history = run.history;
  r.state = state_attributes(run.state);
  r.state["stop_reason"] = to_string(run.reason);
  return r;
}

RunResult read_run_result(const std::string& path) {
  const RunRecord record = read_run_file(path);
  return in_file(path, [&] {
    RunResult r;
    r.config = RunConfig::from_attributes(record.options);
    r.state = state_from(record, r.config.budget);
    r.history = record.history;
    const auto reason = attribute<std::string>(record.state, "/state", "stop_reason");
    try {
      r.reason = parse_stop_reason(reason);
    } catch (const std::invalid_argument& e) {
      throw RunFileError(std::string("/state stop_reason: ") + e.what());
    }
    if (record.options.count("ranks"))
      r.ranks = attribute<std::int64_t>(record.options, "/options", "ranks");
    return r;
  });
}

RunResult run_training(RunConfig config, MPI_Comm comm, std::ostream* log,
                       const std::string& command_line, const volatile int* stop_flag) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  RunRecord resumed;
  if (!config.resume.empty()) {
    resumed = read_run_file(config.resume);
    RunConfig stored =
        in_file(config.resume, [&] { return RunConfig::from_attributes(resumed.options); });
    // A resumed run keeps its options; only how far it goes and where it writes may change.
    if (config.budget != 0) stored.budget = config.budget;
    if (config.max_iterations != RunConfig::kKeepRecorded)
      stored.max_iterations = config.max_iterations;
    stored.wall_time = config.wall_time;
    stored.output = config.output.empty() ? config.resume : config.output;
    stored.checkpoint_every = config.checkpoint_every;
    stored.log_interval = config.log_interval;
    stored.resume = config.resume;
    config = stored;
  }
  if (!config.output.empty()) check_writable(config.output, comm);
  auto problem = make_problem(config);
  const Validation validation = make_validation(config, *problem);
  config.resolve(problem->num_samples());
  const bool paraflow = config.method == "paraflow";
  const RankLayout layout(comm, int(config.data_ranks));
  // Without ParaFlow only time group 0 works; the other groups wait for its answer.
  if (!paraflow && layout.time_groups() > 1 && rank == 0 && log)
    *log << "note: --method " << config.method << " runs on the " << layout.data_ranks()
         << " rank(s) of --data-ranks; " << size - layout.data_ranks() << " rank(s) idle"
         << std::endl;
  if (size > 1 && rank == 0 && log)
    *log << "layout ranks=" << size << " time_groups=" << (paraflow ? layout.time_groups() : 1)
         << " data_ranks=" << layout.data_ranks() << std::endl;
  std::unique_ptr<DataParallelProblem> data_parallel;
  if (layout.data_ranks() > 1)
    data_parallel = std::make_unique<DataParallelProblem>(*problem, layout.data(),
                                                          parse_data_sum(config.data_sum));
  Problem& work = data_parallel ? static_cast<Problem&>(*data_parallel) : *problem;

  const StopRules rules{config.max_iterations, config.wall_time, config.history_every,
                        config.history_spacing == "log"};
  RunResult result;
  result.config = config;
  result.ranks = paraflow ? size : layout.data_ranks();
  RunState& state = result.state;
  if (!config.resume.empty()) {
    if (!(resumed.network == problem->network()))
      throw RunFileError(config.resume + ": /network does not match --problem " + config.problem);
    state = in_file(config.resume, [&] { return state_from(resumed, config.budget); });
    result.history = resumed.history;
    drop_end_of_run_entry(config, rules, state, result.history);
  } else {
    state.budget.limit = config.budget;
    if (!config.init_file.empty()) {
      RunRecord init = read_run_file(config.init_file);
      if (config.problem == "data" && init.options.count("data-sha256") &&
          attribute<std::string>(init.options, config.init_file + ": /options", "data-sha256") !=
              config.data_sha256)
        throw RunFileError(config.init_file + ": its weights were trained on other data than " +
                           config.data + " (sha256 differs)");
      if (!(init.network == problem->network()))
        throw RunFileError(config.init_file + ": /network layers do not match --problem " +
                           config.problem);
      state.weights = init.weights;
    } else {
      state.weights =
          problem->network().initial_parameters(parse_init_scheme(config.init_scheme), config.seed);
    }
  }

  const Index d_B = config.batch_size;
  FinePropagator fine(work, d_B, config.eta, config.nf, config.seed);
  CoarsePropagator coarse(work, config.eta_coarse);
  std::unique_ptr<Method> method;
  if (config.method == "sgd") {
    method = std::make_unique<Sgd>(work, d_B, config.eta, config.seed);
  } else if (config.method == "paraflows") {
    method = std::make_unique<ParaFlowS>(work, fine, coarse,
                                         ParaFlowSSettings{int(config.ng), config.accept_first});
  } else {
    method = std::make_unique<ParaFlow>(
        work, fine, coarse,
        ParaFlowSettings{int(config.ng), parse_initial_guess(config.init_guess)}, layout.time());
  }
  if (!state.budget.fits(method->worst_case_cost()) && state.iteration == 0)
    throw std::invalid_argument("--budget " + std::to_string(config.budget) +
                                " cannot pay for one iteration of " + config.method + " (" +
                                std::to_string(method->worst_case_cost()) +
                                " per-sample gradients)");

  const bool root = rank == 0;
  const bool works = paraflow || layout.group() == 0;
  auto save = [&](const RunState& s, const History& h) {
    if (config.output.empty()) return;
    RunResult snapshot{config, s, h, StopReason::signal, result.ranks};
    write_run_file(config.output, make_record(config, *problem, snapshot, command_line));
  };
  Progress progress(root ? log : nullptr, config.log_interval, save, config.checkpoint_every,
                    stop_flag);
  if (works) {
    Trainer trainer(*method, work, rules, paraflow ? layout.all() : layout.data());
    if (validation) trainer.set_validation(validation);
    result.reason = trainer.run(state, result.history, &progress);
  }
  if (size > 1) share_final_state(result, comm);
  // A checkpoint that could not be written stopped the run: its error, on every rank (rank 0's
  // line is the one printed). The run file on disk is the previous one, unchanged.
  int checkpoint_failed = root && !progress.failure().empty();
  if (size > 1) MPI_Bcast(&checkpoint_failed, 1, MPI_INT, 0, comm);
  if (checkpoint_failed)
    throw RunFileError(root ? progress.failure() : "rank 0 could not write a checkpoint");
  result.accuracy = accuracy_of(*problem, state.weights);
  if (root && !config.output.empty())
    write_run_file(config.output, make_record(config, *problem, result, command_line));
  return result;
}

}  // namespace paraflow
