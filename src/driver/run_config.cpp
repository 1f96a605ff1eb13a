#include "paraflow/driver/run_config.hpp"

#include <cmath>
#include <stdexcept>

#include "paraflow/parallel/data_parallel_problem.hpp"
#include "paraflow/problems/paper.hpp"

namespace paraflow {

namespace {
void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}
void require_positive(double value, const std::string& option) {
  require(std::isfinite(value), "--" + option + " must be a finite number");
  require(value > 0, "--" + option + " must be positive (got " + std::to_string(value) + ")");
}
}  // namespace

void RunConfig::resolve_problem() {
  const bool user_data = problem == "data";
  require(is_paper_problem(problem) || user_data,
          "--problem '" + problem + "' is not one of classification, approximation, poisson, data");
  if (user_data) {
    require(!data.empty(), "--problem data needs --data FILE (CSV or HDF5)");
    if (hidden.empty()) hidden = "32,32";
    if (activation.empty()) activation = "tanh";
    if (loss.empty()) loss = "mse";
    parse_activation(activation);
    require(loss == "mse" || loss == "cross-entropy",
            "--loss '" + loss + "' is not one of mse, cross-entropy");
    if (embed_data.empty()) embed_data = "auto";
    require(embed_data == "auto" || embed_data == "yes" || embed_data == "no",
            "--embed-data '" + embed_data + "' is not one of auto, yes, no");
    if (reduction.empty()) reduction = "mean";
    if (init_scheme.empty()) init_scheme = "glorot-uniform";
  } else {
    for (const auto& [name, value] : {std::pair<const char*, const std::string&>{"data", data},
                                      {"hidden", hidden},
                                      {"activation", activation},
                                      {"loss", loss},
                                      {"targets", targets},
                                      {"validation", validation},
                                      {"embed-data", embed_data}})
      require(value.empty(), std::string("--") + name + " needs --problem data");
  }
}

void RunConfig::resolve(std::int64_t num_samples) {
  resolve_problem();
  require(method == "sgd" || method == "paraflows" || method == "paraflow",
          "--method '" + method + "' is not one of sgd, paraflows, paraflow");
  if (reduction.empty()) reduction = to_string(default_reduction(problem));
  parse_reduction(reduction);
  require(reduction != "deepxde" || problem == "poisson",
          "--reduction deepxde needs --problem poisson");
  if (init_scheme.empty()) init_scheme = to_string(default_init_scheme(problem));
  parse_init_scheme(init_scheme);
  require(init_guess == "copy" || init_guess == "coarse",
          "--init-guess '" + init_guess + "' is not one of copy, coarse");
  if (batch_size == 0) batch_size = num_samples;
  require(batch_size >= 1, "--batch-size must be at least 1");
  require(batch_size <= num_samples, "--batch-size " + std::to_string(batch_size) +
                                         " exceeds the " + std::to_string(num_samples) +
                                         " samples of --problem " + problem);
  require(data_ranks >= 1, "--data-ranks must be at least 1");
  parse_data_sum(data_sum);
  require(data_ranks <= batch_size, "--data-ranks " + std::to_string(data_ranks) +
                                        " exceeds the batch size " + std::to_string(batch_size) +
                                        ": a data rank would have no samples");
  require_positive(eta, "eta");
  require(nf >= 1, "--nf must be at least 1");
  require(ng >= 1, "--ng must be at least 1");
  if (eta_coarse == 0) eta_coarse = double(nf) * eta;
  require_positive(eta_coarse, "eta-coarse");
  require(budget >= 1, "--budget must be at least 1");
  require(std::isfinite(wall_time), "--wall-time must be a finite number");
  require(std::isfinite(checkpoint_every) && checkpoint_every >= 0,
          "--checkpoint-every must be a finite number >= 0");
  require(std::isfinite(log_interval) && log_interval >= 0, "--log-interval must be >= 0");
  require(history_every >= 0, "--history-every must be >= 0");
  // Auto for SGD: a full-loss evaluation (N samples) at most once per N/d_B steps, so the history
  // costs no more than the training, and log-spaced so long runs stay small.
  if (history_every == 0)
    history_every = method == "sgd" ? (num_samples + batch_size - 1) / batch_size : 1;
  if (history_spacing.empty()) history_spacing = method == "sgd" ? "log" : "linear";
  require(history_spacing == "log" || history_spacing == "linear",
          "--history-spacing '" + history_spacing + "' is not one of linear, log");
}

Attributes RunConfig::to_attributes() const {
  return {{"problem", problem},
          {"data", data},
          {"data-sha256", data_sha256},
          {"hidden", hidden},
          {"activation", activation},
          {"loss", loss},
          {"targets", targets},
          {"validation", validation},
          {"validation-sha256", validation_sha256},
          {"embed-data", embed_data},
          {"method", method},
          {"batch-size", batch_size},
          {"eta", eta},
          {"nf", nf},
          {"ng", ng},
          {"eta-coarse", eta_coarse},
          {"budget", budget},
          {"reduction", reduction},
          {"init-guess", init_guess},
          {"init-scheme", init_scheme},
          {"accept-first", std::int64_t(accept_first)},
          {"seed", std::int64_t(seed)},
          {"data-ranks", data_ranks},
          {"data-sum", data_sum},
          {"max-iterations", max_iterations},
          {"wall-time", wall_time},
          {"history-every", history_every},
          {"history-spacing", history_spacing},
          {"init", init_file},
          {"output", output},
          {"resume", resume},
          {"checkpoint-every", checkpoint_every},
          {"log-interval", log_interval}};
}

RunConfig RunConfig::from_attributes(const Attributes& options) {
  auto integer = [&](const char* name) {
    return attribute<std::int64_t>(options, "/options", name);
  };
  auto real = [&](const char* name) { return attribute<double>(options, "/options", name); };
  auto text = [&](const char* name) { return attribute<std::string>(options, "/options", name); };
  RunConfig c;
  c.problem = text("problem");
  auto optional_text = [&](const char* name) {  // absent in files written before --problem data
    return options.count(name) ? text(name) : std::string();
  };
  c.data = optional_text("data");
  c.data_sha256 = optional_text("data-sha256");
  c.hidden = optional_text("hidden");
  c.activation = optional_text("activation");
  c.loss = optional_text("loss");
  c.targets = optional_text("targets");
  c.validation = optional_text("validation");
  c.validation_sha256 = optional_text("validation-sha256");
  c.embed_data = optional_text("embed-data");
  c.method = text("method");
  c.batch_size = integer("batch-size");
  c.eta = real("eta");
  c.nf = integer("nf");
  c.ng = integer("ng");
  c.eta_coarse = real("eta-coarse");
  c.budget = integer("budget");
  c.reduction = text("reduction");
  c.init_guess = text("init-guess");
  c.init_scheme = text("init-scheme");
  c.accept_first = integer("accept-first") != 0;
  c.seed = std::uint64_t(integer("seed"));
  c.data_ranks = options.count("data-ranks") ? integer("data-ranks") : 1;   // 0.1.0: none
  c.data_sum = options.count("data-sum") ? text("data-sum") : "allreduce";  // older files: none
  c.max_iterations = integer("max-iterations");
  c.wall_time = real("wall-time");
  c.history_every = integer("history-every");
  c.history_spacing = text("history-spacing");
  c.init_file = text("init");
  c.output = text("output");
  c.resume = text("resume");
  c.checkpoint_every = real("checkpoint-every");
  c.log_interval = real("log-interval");
  return c;
}

}  // namespace paraflow
