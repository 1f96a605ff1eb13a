// (cell, seed) jobs of `paraflow table` over MPI ranks; see table_sweep.hpp.
#include "table_sweep.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>

#include "paraflow/driver/run.hpp"
#include "table_runs.hpp"

namespace paraflow::cli {

namespace {

struct Job {
  std::size_t cell = 0;
  std::uint64_t seed = 0;
};

// A job's result travels as doubles: gd loss, gd seconds, then (loss, seconds, reference loss)
// per N_F of the cell, loss NaN where one iteration does not fit. The reference loss is R's
// denominator: the gd loss, or SGD's loss at the budget that ParaFlowS spent.
using Result = std::vector<double>;
constexpr int kResultTag = 71;

std::string run_file(const SweepSettings& s, const SweepCell& c, std::uint64_t seed,
                     const std::string& what) {
  if (s.runs_dir.empty()) return "";
  const std::string name = "table" + std::to_string(s.grid.table) + "_batch" +
                           std::to_string(c.batch_size) + "_eta" + format_real(c.eta) + "_budget" +
                           format_budget(c.budget) + "_seed" + std::to_string(seed) + "_" + what +
                           ".h5";
  return (std::filesystem::path(s.runs_dir) / name).string();
}

void count(const Trained& run, SweepRuns& runs) {
  if (run.source == Source::computed) ++runs.computed;
  if (run.source == Source::reused) ++runs.reused;
  if (run.source == Source::resumed) ++runs.resumed;
}

// The runs of a (cell, seed) job: SGD at the cell's budget, and per N_F ParaFlowS, or F alone
// (SGD to d_B N_F), or nothing ("–").
struct JobPlan {
  RunConfig sgd;
  std::vector<std::optional<RunConfig>> flows;
};

JobPlan plan_job(const SweepSettings& s, const SweepCell& c, std::uint64_t seed) {
  RunConfig base;
  base.problem = s.grid.problem;
  base.batch_size = c.batch_size;
  base.eta = c.eta;
  base.budget = c.budget;
  base.seed = seed;
  base.reduction = s.reduction;
  base.checkpoint_every = s.checkpoint_every;
  JobPlan plan{base, {}};
  plan.sgd.method = "sgd";
  plan.sgd.output = run_file(s, c, seed, "sgd");
  for (auto nf : c.nfs) {
    // Checked here, not left to run_training's "cannot pay": a "–" cell is a result, not an error.
    if (is_dash(s.dash_rule, c.batch_size, nf, s.grid.num_samples, s.ng, c.budget)) {
      plan.flows.emplace_back();
      continue;
    }
    // N_G capped to what one iteration can pay for (only under the paper's rule: the budget
    // pays for F but not for F and N_G coarse steps); 0: F alone.
    const std::int64_t ng = affordable_ng(c.batch_size, nf, s.grid.num_samples, s.ng, c.budget);
    RunConfig run = ng >= 1 ? base : plan.sgd;
    if (ng >= 1) {
      run.method = "paraflows";
      run.nf = nf;
      run.ng = ng;
      run.accept_first = s.accept_first;
      run.output = run_file(s, c, seed, "nf" + std::to_string(nf));
    } else {
      run.budget = c.batch_size * nf;
      run.output = run_file(s, c, seed, "nf" + std::to_string(nf) + "_fine");
    }
    plan.flows.push_back(run);
  }
  return plan;
}

// Why the kept files of this rank's jobs cannot serve the sweep ("" when they can), checked
// before any run so that a wrong --runs-dir is one line and no work lost. SGD's runs at the
// budgets ParaFlowS spent (sgd_nf*) are checked for everything but that budget.
std::string check_runs_dir(const SweepSettings& s, const std::vector<SweepCell>& cells,
                           const std::vector<Job>& jobs) {
  auto check = [&](RunConfig wanted, bool any_budget) {
    if (wanted.output.empty() || !std::filesystem::exists(wanted.output)) return;
    RunResult kept;
    try {
      kept = read_run_result(wanted.output);
    } catch (const RunFileError& e) {
      throw std::runtime_error(std::string(e.what()) + "; remove it to run that run again");
    }
    if (any_budget) wanted.budget = kept.config.budget;
    check_same_run(wanted, kept, s.grid.num_samples, wanted.output);
  };
  try {
    for (const Job& job : jobs) {
      const SweepCell& c = cells[job.cell];
      const JobPlan plan = plan_job(s, c, job.seed);
      check(plan.sgd, false);
      for (std::size_t k = 0; k < plan.flows.size(); ++k) {
        if (plan.flows[k]) check(*plan.flows[k], false);
        RunConfig spent = plan.sgd;
        spent.output = run_file(s, c, job.seed, "sgd_nf" + std::to_string(c.nfs[k]));
        check(spent, true);
      }
    }
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

Result run_job(const SweepSettings& s, const SweepCell& c, std::uint64_t seed, SweepRuns& runs) {
  const JobPlan plan = plan_job(s, c, seed);
  const RunConfig& sgd = plan.sgd;
  std::vector<std::optional<Trained>> flows;  // nullopt: "–"
  for (const auto& run : plan.flows) {
    if (!run)
      flows.emplace_back();
    else if (run->method == "paraflows")
      flows.push_back(train(*run, s.grid.num_samples));
    else
      flows.push_back(fine_alone(*run, s.accept_first, s.grid.num_samples));
  }

  // R's denominators: SGD at the limit and (--compare-at spent) at each budget ParaFlowS spent,
  // all from one chain of resumed SGD runs. A budget's run file is named after the first N_F
  // that spent it ("sgd" for the limit) and copied for the other N_F.
  std::vector<std::int64_t> budgets{c.budget};
  if (s.compare_at_spent)
    for (const auto& flow : flows)
      if (flow) budgets.push_back(flow->spent);
  std::sort(budgets.begin(), budgets.end());
  budgets.erase(std::unique(budgets.begin(), budgets.end()), budgets.end());
  auto stage_of = [&](std::size_t k) {
    if (!s.compare_at_spent || !flows[k]) return budgets.size() - 1;
    return std::size_t(std::lower_bound(budgets.begin(), budgets.end(), flows[k]->spent) -
                       budgets.begin());
  };
  std::vector<std::string> names(budgets.size(), "sgd");
  for (std::size_t k = flows.size(); k-- > 0;)  // the first N_F names its budget's file
    if (stage_of(k) + 1 < budgets.size()) names[stage_of(k)] = "sgd_nf" + std::to_string(c.nfs[k]);
  // Only the files that a later budget resumes need a scratch folder; the limit's is "sgd".
  std::optional<ScratchDir> scratch;
  if (s.runs_dir.empty() && budgets.size() > 1)
    scratch.emplace("paraflow-table-" + std::to_string(::getpid()));
  std::vector<std::string> outputs;
  for (std::size_t i = 0; i + 1 < budgets.size(); ++i)
    outputs.push_back(scratch ? scratch->file(names[i] + ".h5") : run_file(s, c, seed, names[i]));
  outputs.push_back(run_file(s, c, seed, "sgd"));
  const std::vector<Trained> references = sgd_at_budgets(sgd, budgets, outputs, s.grid.num_samples);

  double sgd_seconds = 0;  // each reference counts what it added to the chain
  for (const auto& r : references) {
    sgd_seconds += r.seconds;
    count(r, runs);
  }
  for (const auto& flow : flows)
    if (flow) count(*flow, runs);
  const Trained& gd = references.back();
  Result result{gd.loss, sgd_seconds};
  for (std::size_t k = 0; k < flows.size(); ++k) {
    if (!flows[k]) {
      result.insert(result.end(), {std::nan(""), 0.0, gd.loss});
      continue;
    }
    const std::size_t stage = stage_of(k);
    const std::string own = run_file(s, c, seed, "sgd_nf" + std::to_string(c.nfs[k]));
    if (s.compare_at_spent && !own.empty() && own != outputs[stage] && budgets[stage] > 0)
      std::filesystem::copy_file(outputs[stage], own,
                                 std::filesystem::copy_options::overwrite_existing);
    result.insert(result.end(), {flows[k]->loss, flows[k]->seconds, references[stage].loss});
  }
  return result;
}

// Cost model for the static assignment: time grows with the budget, per run, plus a per-step
// overhead that makes d_B = 1 several times slower per sample (about 8x for the classification
// net; measured on the SGD baseline).
double estimated_cost(const SweepSettings& s, const SweepCell& c) {
  double runs = 1;
  for (auto nf : c.nfs)
    runs += !is_dash(s.dash_rule, c.batch_size, nf, s.grid.num_samples, s.ng, c.budget);
  return double(c.budget) * runs * (1.0 + 8.0 / double(c.batch_size));
}

// Longest job first to the least loaded rank: the same answer on every rank, and no rank ends up
// with all the 1e7 budgets as plain round-robin over the grid order would give.
std::vector<int> assign(const SweepSettings& s, const std::vector<SweepCell>& cells,
                        const std::vector<Job>& jobs, int ranks) {
  std::vector<std::size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) {
    return estimated_cost(s, cells[jobs[a].cell]) > estimated_cost(s, cells[jobs[b].cell]);
  });
  std::vector<double> load(ranks, 0.0);
  std::vector<int> owner(jobs.size());
  for (auto j : order) {
    const int r = int(std::min_element(load.begin(), load.end()) - load.begin());
    owner[j] = r;
    load[r] += estimated_cost(s, cells[jobs[j].cell]);
  }
  return owner;
}

// Rank 0: the seeds of each cell as they arrive, each a progress line (a 1e7 cell takes half an
// hour); a complete cell becomes rows.
class Collector {
 public:
  Collector(const SweepSettings& s, const std::vector<SweepCell>& cells, std::size_t jobs,
            const std::function<void(const TableRow&)>& on_row)
      : s_(s), cells_(cells), on_row_(on_row), jobs_(jobs) {}

  void add(const Job& job, const Result& result) {
    const SweepCell& c = cells_[job.cell];
    double seconds = result[1];
    for (std::size_t k = 0; k < c.nfs.size(); ++k) seconds += result[3 + 3 * k];
    std::printf("job %zu/%zu table=%d batch=%lld eta=%s budget=%s seed=%llu seconds=%.3f\n",
                ++done_, jobs_, s_.grid.table, (long long)c.batch_size, format_real(c.eta).c_str(),
                format_budget(c.budget).c_str(), (unsigned long long)job.seed, seconds);
    std::fflush(stdout);
    auto& got = results_[job.cell];
    got.push_back(result);
    if (got.size() == s_.seeds.size()) emit(job.cell, got);
  }

 private:
  void emit(std::size_t index, const std::vector<Result>& got) {
    const SweepCell& c = cells_[index];
    std::vector<double> gd;
    double gd_seconds = 0;
    for (const auto& r : got) {
      gd.push_back(r[0]);
      gd_seconds += r[1];
    }
    for (std::size_t k = 0; k < c.nfs.size(); ++k) {
      TableRow row;
      row.table = s_.grid.table;
      row.problem = s_.grid.problem;
      row.batch_size = c.batch_size;
      row.eta_f = c.eta;
      row.budget = c.budget;
      row.nf = c.nfs[k];
      row.seeds = s_.seeds;
      row.gd_loss_median = spread_of(gd).median;
      row.seconds = gd_seconds / double(c.nfs.size());
      std::vector<double> ratios;
      for (const auto& r : got) {
        row.seconds += r[3 + 3 * k];
        if (!std::isnan(r[2 + 3 * k])) ratios.push_back(r[2 + 3 * k] / r[4 + 3 * k]);
      }
      if (!ratios.empty()) {
        const Spread spread = spread_of(ratios);
        row.r_median = spread.median;
        row.r_min = spread.min;
        row.r_max = spread.max;
      }
      on_row_(row);
    }
  }

  const SweepSettings& s_;
  const std::vector<SweepCell>& cells_;
  const std::function<void(const TableRow&)>& on_row_;
  std::size_t jobs_, done_ = 0;
  std::map<std::size_t, std::vector<Result>> results_;
};

// The lowest rank's non-empty `error`, on every rank ("" when no rank has one).
std::string first_error(const std::string& error, MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  int first = error.empty() ? size : rank;
  MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first == size) return "";
  std::string text = error;
  unsigned long long length = text.size();
  MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, first, comm);
  text.resize(length);
  MPI_Bcast(text.data(), int(length), MPI_CHAR, first, comm);
  return text;
}

}  // namespace

SweepRuns run_sweep(const SweepSettings& s, const std::vector<SweepCell>& cells, MPI_Comm comm,
                    const std::function<void(const TableRow&)>& on_row) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  std::vector<Job> jobs;
  for (std::size_t c = 0; c < cells.size(); ++c)
    for (auto seed : s.seeds) jobs.push_back({c, seed});
  const std::vector<int> owner = assign(s, cells, jobs, size);
  if (!s.runs_dir.empty()) {
    std::filesystem::create_directories(s.runs_dir);
    std::vector<Job> mine;
    for (std::size_t j = 0; j < jobs.size(); ++j)
      if (owner[j] == rank) mine.push_back(jobs[j]);
    const std::string error = first_error(check_runs_dir(s, cells, mine), comm);
    if (!error.empty()) throw std::invalid_argument(error);
  }

  Collector collector(s, cells, jobs.size(), on_row);
  SweepRuns runs;
  std::size_t remote = 0;
  for (std::size_t j = 0; j < jobs.size(); ++j) remote += owner[j] != 0;
  // Rank 0 writes a row as soon as its cell is complete, so it takes in what the others sent
  // between its own jobs rather than only at the end (an interrupted sweep keeps more rows).
  auto receive = [&](bool wait) {
    while (remote > 0) {
      int ready = 1;
      MPI_Status status;
      if (!wait) MPI_Iprobe(MPI_ANY_SOURCE, kResultTag, comm, &ready, &status);
      if (!ready) return;
      if (wait) MPI_Probe(MPI_ANY_SOURCE, kResultTag, comm, &status);
      int count = 0;
      MPI_Get_count(&status, MPI_DOUBLE, &count);
      Result message(count);
      MPI_Recv(message.data(), count, MPI_DOUBLE, status.MPI_SOURCE, kResultTag, comm,
               MPI_STATUS_IGNORE);
      const auto j = std::size_t(message[0]);
      collector.add(jobs[j], Result(message.begin() + 1, message.end()));
      --remote;
    }
  };
  try {
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      if (owner[j] != rank) continue;
      Result result = run_job(s, cells[jobs[j].cell], jobs[j].seed, runs);
      if (rank == 0) {
        collector.add(jobs[j], result);
        receive(false);
      } else {
        result.insert(result.begin(), double(j));
        MPI_Send(result.data(), int(result.size()), MPI_DOUBLE, 0, kResultTag, comm);
      }
    }
    if (rank == 0) receive(true);
  } catch (const std::exception& e) {
    if (size == 1) throw;
    // A failed run or write on one rank would leave the others waiting for ever: end them all.
    std::cerr << "paraflow: error: rank " << rank << ": " << e.what() << std::endl;
    MPI_Abort(comm, 1);
  }
  std::int64_t mine[3] = {runs.computed, runs.reused, runs.resumed}, all[3] = {0, 0, 0};
  MPI_Reduce(mine, all, 3, MPI_INT64_T, MPI_SUM, 0, comm);
  return {all[0], all[1], all[2]};
}

}  // namespace paraflow::cli
