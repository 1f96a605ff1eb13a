// (cell, seed) jobs of `paraflow table` over MPI ranks; see table_sweep.hpp.
#include "table_sweep.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>

#include "paraflow/core/timer.hpp"
#include "paraflow/driver/run.hpp"

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

struct Trained {
  double loss, seconds;
  std::int64_t spent;
  double initial = 0;  ///< L(W_0)
  bool diverged = false;
};

// The final full loss, wall time and budget spent of one run. A diverged run keeps its last
// finite weights, and that loss is what the table compares (as the paper's would, a number).
// A run stopped at a fixed point has the weights Alg. 2 as written ends with, not its spending.
Trained train(RunConfig config, std::int64_t num_samples) {
  const double start = now_seconds();
  const RunResult run = run_training(std::move(config), MPI_COMM_SELF, nullptr);
  const RunConfig& c = run.config;
  std::int64_t spent = run.state.budget.spent;
  if (run.reason == StopReason::fixed_point)
    spent = spent_as_written(c.batch_size, c.nf, num_samples, c.ng, c.budget, spent);
  return {run.state.loss, now_seconds() - start, spent, run.history.front().loss,
          run.reason == StopReason::diverged};
}

// A folder for the run files that chain SGD's budgets when the sweep keeps none, removed after.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / name) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// SGD's losses at several budgets (ascending, distinct) from one run: SGD with budget b is the
// first b / d_B steps of every longer SGD run of its seed (step j draws batch (seed, 0, j)), and
// a resumed run continues bit-identically, so each budget resumes the run file of the one before
// (outputs[i]). It costs one SGD run to the largest budget, not one per budget. A budget of 0
// (F diverged in a cell of F alone) is W_0's loss; once SGD diverges, every longer run ends with
// the same last finite weights.
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
      if (!outputs[i].empty())
        std::filesystem::copy_file(outputs[previous], outputs[i],
                                   std::filesystem::copy_options::overwrite_existing);
    } else {
      RunConfig stage = sgd;
      if (previous < budgets.size()) {
        stage = RunConfig{};  // a resume keeps the recorded options
        stage.resume = outputs[previous];
      }
      stage.budget = budgets[i];
      stage.output = outputs[i];
      out[i] = train(stage, num_samples);
    }
    previous = i;
  }
  for (std::size_t i = 0; i < budgets.size(); ++i)
    if (budgets[i] == 0) out[i] = {out.back().initial, 0.0, 0, out.back().initial};
  return out;
}

// ParaFlowS in a cell where F leaves no room for one coarse step (the paper's "–" rule,
// d_B N_F <= budget < d_B N_F + N): run_training refuses ParaFlowS there, so its one iteration is
// done by hand. Alg. 2's first candidate is f_0 = F(W_0) itself (line 7 with n = 0) and needs no
// G; F(W_0) is bitwise the first N_F steps of SGD (the same batches, docs/algorithms.md), i.e. an
// SGD run with budget d_B N_F. Line 8 keeps W_0 unless L(f_0) < L(W_0) (--accept-first: unless
// L(f_0) is not finite). Spent: d_B N_F (0 when F diverged, as ParaFlowS stops before charging).
Trained fine_alone(RunConfig sgd, std::int64_t nf, bool accept_first) {
  sgd.budget = sgd.batch_size * nf;
  const double start = now_seconds();
  const RunResult run = run_training(std::move(sgd), MPI_COMM_SELF, nullptr);
  const double initial = run.history.front().loss;  // L(W_0): the first entry is the start
  const bool diverged = run.reason == StopReason::diverged;
  const double f0 = run.state.loss;
  const bool accept = !diverged && (f0 < initial || (accept_first && std::isfinite(f0)));
  return {accept ? f0 : initial, now_seconds() - start, diverged ? 0 : run.state.budget.spent};
}

Result run_job(const SweepSettings& s, const SweepCell& c, std::uint64_t seed) {
  RunConfig base;
  base.problem = s.grid.problem;
  base.batch_size = c.batch_size;
  base.eta = c.eta;
  base.budget = c.budget;
  base.seed = seed;
  base.reduction = s.reduction;
  RunConfig sgd = base;
  sgd.method = "sgd";
  sgd.output = run_file(s, c, seed, "sgd");

  std::vector<std::optional<Trained>> flows;  // nullopt: "–"
  for (auto nf : c.nfs) {
    // Checked here, not left to run_training's "cannot pay": a "–" cell is a result, not an error.
    if (is_dash(s.dash_rule, c.batch_size, nf, s.grid.num_samples, s.ng, c.budget)) {
      flows.emplace_back();
      continue;
    }
    // N_G capped to what one iteration can pay for (only under the paper's rule: the budget
    // pays for F but not for F and N_G coarse steps); 0: F alone.
    const std::int64_t ng = affordable_ng(c.batch_size, nf, s.grid.num_samples, s.ng, c.budget);
    if (ng >= 1) {
      RunConfig pf = base;
      pf.method = "paraflows";
      pf.nf = nf;
      pf.ng = ng;
      pf.accept_first = s.accept_first;
      pf.output = run_file(s, c, seed, "nf" + std::to_string(nf));
      flows.push_back(train(pf, s.grid.num_samples));
    } else {
      RunConfig fine = sgd;
      fine.output = run_file(s, c, seed, "nf" + std::to_string(nf) + "_fine");
      flows.push_back(fine_alone(fine, nf, s.accept_first));
    }
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

  double sgd_seconds = 0;
  for (const auto& r : references) sgd_seconds += r.seconds;
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

// Rank 0: the seeds of each cell as they arrive; a complete cell becomes rows.
class Collector {
 public:
  Collector(const SweepSettings& s, const std::vector<SweepCell>& cells,
            const std::function<void(const TableRow&)>& on_row)
      : s_(s), cells_(cells), on_row_(on_row) {}

  void add(const Job& job, const Result& result) {
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
  std::map<std::size_t, std::vector<Result>> results_;
};

}  // namespace

void run_sweep(const SweepSettings& s, const std::vector<SweepCell>& cells, MPI_Comm comm,
               const std::function<void(const TableRow&)>& on_row) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  std::vector<Job> jobs;
  for (std::size_t c = 0; c < cells.size(); ++c)
    for (auto seed : s.seeds) jobs.push_back({c, seed});
  const std::vector<int> owner = assign(s, cells, jobs, size);
  if (!s.runs_dir.empty()) std::filesystem::create_directories(s.runs_dir);

  Collector collector(s, cells, on_row);
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
      Result result = run_job(s, cells[jobs[j].cell], jobs[j].seed);
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
  MPI_Barrier(comm);
}

}  // namespace paraflow::cli
