// The runs of a `paraflow table` job; see table_runs.hpp.
#include "table_runs.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <variant>

#include "table.hpp"

namespace paraflow::cli {

namespace {

// The wall time `run` added to `from`, the file of the run it may continue (none: its own run).
// A continuation starts with the earlier run's history but for its closing entry, wall times
// and all, and its clock goes on from there; a run of its own (a kept file from a sweep without
// the chain, say) has other wall times, and all of its time is its own.
double added_seconds(const RunResult& run, const std::string& from) {
  if (from.empty()) return run.state.wall_time;
  const RunResult earlier = read_run_result(from);
  const History &a = earlier.history, &b = run.history;
  const bool continues =
      a.size() >= 2 && b.size() >= a.size() - 1 && std::equal(a.begin(), a.end() - 1, b.begin());
  return continues ? run.state.wall_time - earlier.state.wall_time : run.state.wall_time;
}

// The final full loss, added wall time and budget spent of one run (continuing `from`, if
// given). A diverged run keeps its last finite weights, and that loss is what the table compares
// (as the paper's would, a number). A run stopped at a fixed point has the weights Alg. 2 as
// written ends with, not its spending.
Trained trained_of(const RunResult& run, std::int64_t num_samples, Source source,
                   const std::string& from) {
  const RunConfig& c = run.config;
  std::int64_t spent = run.state.budget.spent;
  if (run.reason == StopReason::fixed_point)
    spent = spent_as_written(c.batch_size, c.nf, num_samples, c.ng, c.budget, spent);
  return {.loss = run.state.loss,
          .seconds = added_seconds(run, from),
          .spent = spent,
          .initial = run.history.front().loss,
          .diverged = run.reason == StopReason::diverged,
          .source = source};
}

std::string text_of(const Attribute& value) {
  if (const auto* real = std::get_if<double>(&value)) return format_real(*real);
  if (const auto* whole = std::get_if<std::int64_t>(&value)) return std::to_string(*whole);
  const auto& string = std::get<std::string>(value);
  return string.empty() ? "''" : string;
}

}  // namespace

void check_same_run(RunConfig wanted, const RunResult& kept, std::int64_t num_samples,
                    const std::string& file) {
  if (kept.reason == StopReason::diverged && kept.config.budget <= wanted.budget)
    wanted.budget = kept.config.budget;
  wanted.resolve(num_samples);
  const Attributes want = wanted.to_attributes(), have = kept.config.to_attributes();
  for (const auto& [name, value] : want) {
    if (name == "output" || name == "resume" || name == "checkpoint-every" ||
        name == "log-interval" || name == "wall-time")
      continue;  // where and how a run was written, not what it computed
    if (have.at(name) != value)
      throw std::runtime_error(file + " holds a run with --" + name + " " + text_of(have.at(name)) +
                               ", not " + text_of(value) +
                               " as this sweep's: give another --runs-dir, or remove the file");
  }
}

Trained train(const RunConfig& wanted, std::int64_t num_samples, const std::string& from) {
  RunConfig config = wanted;
  auto continue_from = [&](const std::string& file) {
    config = RunConfig{};  // a resume keeps the recorded options
    config.resume = file;
    config.budget = wanted.budget;
    config.output = wanted.output;
    config.checkpoint_every = wanted.checkpoint_every;
  };
  Source source = Source::computed;
  if (!wanted.output.empty() && std::filesystem::exists(wanted.output)) {
    const RunResult kept = read_run_result(wanted.output);
    check_same_run(wanted, kept, num_samples, wanted.output);
    if (kept.reason != StopReason::signal && kept.reason != StopReason::wall_time)
      return trained_of(kept, num_samples, Source::reused, from);
    continue_from(wanted.output);
    source = Source::resumed;
  } else if (!from.empty()) {
    continue_from(from);
  }
  return trained_of(run_training(std::move(config), MPI_COMM_SELF, nullptr), num_samples, source,
                    from);
}

ScratchDir::ScratchDir(const std::string& name)
    : path_(std::filesystem::temp_directory_path() / name) {
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::vector<Trained> sgd_at_budgets(const RunConfig& sgd, const std::vector<std::int64_t>& budgets,
                                    const std::vector<std::string>& outputs,
                                    std::int64_t num_samples) {
  std::vector<Trained> out(budgets.size());
  std::size_t previous = budgets.size();  // none yet
  for (std::size_t i = 0; i < budgets.size(); ++i) {
    if (budgets[i] == 0) continue;  // filled in below from the first run's history
    if (previous < budgets.size() && out[previous].diverged) {
      out[i] = out[previous];
      out[i].seconds = 0;
      out[i].source = Source::copied;
      if (!outputs[i].empty())
        std::filesystem::copy_file(outputs[previous], outputs[i],
                                   std::filesystem::copy_options::overwrite_existing);
    } else {
      RunConfig stage = sgd;
      stage.budget = budgets[i];
      stage.output = outputs[i];
      out[i] = train(stage, num_samples, previous < budgets.size() ? outputs[previous] : "");
    }
    previous = i;
  }
  for (std::size_t i = 0; i < budgets.size(); ++i)
    if (budgets[i] == 0)
      out[i] = {out.back().initial, 0.0, 0, out.back().initial, false, Source::copied};
  return out;
}

Trained fine_alone(const RunConfig& fine, bool accept_first, std::int64_t num_samples) {
  Trained f = train(fine, num_samples);
  const double f0 = f.loss;
  const bool accept = !f.diverged && (f0 < f.initial || (accept_first && std::isfinite(f0)));
  f.loss = accept ? f0 : f.initial;
  if (f.diverged) f.spent = 0;
  return f;
}

}  // namespace paraflow::cli
