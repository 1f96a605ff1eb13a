// paraflow table: sweep the grid of the paper's Table 1, 2 or 3 (or a sub-grid), SGD against
// ParaFlowS per cell, and write PREFIX.csv (one row per cell and N_F, appended and flushed as
// cells finish, so a killed sweep resumes where it stopped) and PREFIX.md (the paper's layout).
//
// CSV columns (docs/reproduction.md):
//   table, problem, batch_size, eta_f, budget ("1e4" for powers of ten), nf,
//   seeds (';'-joined), gd_loss_median (median over seeds of SGD's final full loss L_GD),
//   paper_gd_loss, R_median, R_min, R_max (R = L_PF / L_GD per seed; "-": the cell is "–" under
//   --dash-rule), paper_R ("-": the paper's "–"; empty: the paper has no such cell),
//   band and paper_band ("<0.9", "0.9-1.1", ">1.1", "-"), band_agrees (yes/no; empty without a
//   paper value), seconds (the row's ParaFlowS runs plus its share of the cell's SGD runs).
// A row is identified by (table, batch_size, eta_f, budget, nf, seeds): rows already in PREFIX.csv
// or in PREFIX.partI.csv files (from --cells-of I/N array tasks) are not computed again.
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>

#include "cli.hpp"
#include "commands.hpp"
#include "paraflow/driver/run_config.hpp"
#include "table_files.hpp"
#include "table_sweep.hpp"

namespace paraflow::cli {

namespace {

po::options_description table_options() {
  po::options_description o("Options of 'paraflow table'");
  auto text = [](const char* fallback) {
    return po::value<std::string>()->default_value(fallback);
  };
  // clang-format off
  o.add_options()
    ("help,h", "this help")
    ("table", po::value<std::string>()->required(), "1 (classification), 2 (approximation), "
                                                    "3 (poisson)")
    ("batch-sizes", text(""), "comma list of d_B (default: the table's, e.g. 10,1)")
    ("etas", text(""), "comma list of eta_F (default: 0.1,0.01,0.001,0.0001)")
    ("budgets", text(""), "comma list of budgets (default: the table's, e.g. 1e4,1e5,1e6,1e7)")
    ("nfs", text(""), "comma list of N_F (default: 10,50,100,500,1000,2000)")
    ("seeds", text("1"), "comma list of seeds; R is reported as median and min-max over them")
    ("ng", text("100"), "N_G, the cap on ParaFlowS's corrections (and, with --dash-rule "
                        "worst-case, the '-' rule's N*N_G)")
    ("dash-rule", text("paper"), "when a cell is '-': 'paper' d_B*N_F > budget (the paper's; a "
                                 "cell that F fits but a whole iteration does not runs with N_G "
                                 "capped), 'worst-case' d_B*N_F + N*N_G > budget")
    ("accept-first", po::bool_switch(), "ParaFlowS always accepts W_1 = F(W_0)")
    ("reduction", text(""), "sum | mean | deepxde (default: the problem's paper preset)")
    ("compare-at", text("limit"), "R's SGD run: at the budget 'limit', or at the budget ParaFlowS "
                                  "'spent' (it stops after its last whole iteration)")
    ("paper-csv", text(""), "the paper's values (default: share/paraflow/paper_tables.csv "
                            "beside the installed program, else docs/paper_tables.csv of the "
                            "source tree)")
    ("output", text(""), "PREFIX: writes PREFIX.csv and PREFIX.md (default: table<N>)")
    ("runs-dir", text(""), "keep every run's HDF5 run file in this directory; a run whose file "
                           "is there with the same options is read back, or resumed if it is "
                           "a checkpoint, instead of run again")
    ("checkpoint-every", text("0"), "seconds between checkpoints of each run's file in --runs-dir "
                                    "(0: at its end only); a killed sweep resumes its runs there")
    ("cells-of", text(""), "I/N: only cells with index % N == I, into PREFIX.partI.csv "
                           "(a SLURM array task)")
    ("merge", po::bool_switch(), "compute nothing: merge PREFIX.part*.csv into PREFIX.csv and "
                                 "write PREFIX.md");
  // clang-format on
  return o;
}

std::vector<std::string> items(const po::variables_map& v, const std::string& name) {
  std::vector<std::string> out;
  std::string text = v[name].as<std::string>(), item;
  for (std::size_t start = 0, comma; start <= text.size(); start = comma + 1) {
    comma = std::min(text.find(',', start), text.size());
    item = text.substr(start, comma - start);
    if (item.empty()) throw UsageError("--" + name + " '" + text + "': empty item");
    out.push_back(item);
  }
  return out;
}

template <typename T>
void dedupe(std::vector<T>& values) {
  std::vector<T> kept;
  for (const T& x : values)
    if (std::find(kept.begin(), kept.end(), x) == kept.end()) kept.push_back(x);
  values = kept;
}

// A comma list replacing the grid's default, each item checked like a single option value.
template <typename T>
void override_list(const po::variables_map& v, const std::string& name, std::vector<T>& list,
                   T minimum, const std::string& requirement) {
  if (v[name].as<std::string>().empty()) return;
  list.clear();
  for (const auto& item : items(v, name)) {
    const T value = std::is_integral_v<T> ? T(count(name, item)) : T(finite_real(name, item));
    if (!(value >= minimum))
      throw UsageError("--" + name + " '" + item + "' must be " + requirement);
    list.push_back(value);
  }
  dedupe(list);
}

TableOptions options_from(const po::variables_map& v) {
  TableOptions o;
  o.grid = table_grid(int(count(v, "table")));
  auto& g = o.grid;
  override_list<std::int64_t>(v, "batch-sizes", g.batch_sizes, 1, "at least 1");
  for (auto b : g.batch_sizes)
    if (b > g.num_samples)
      throw UsageError("--batch-sizes " + std::to_string(b) + " exceeds the " +
                       std::to_string(g.num_samples) + " samples of " + g.problem);
  override_list<double>(v, "etas", g.etas, 1e-300, "positive");
  override_list<std::int64_t>(v, "budgets", g.budgets, 1, "at least 1");
  override_list<std::int64_t>(v, "nfs", g.nfs, 1, "at least 1");
  std::vector<std::int64_t> seeds;
  override_list<std::int64_t>(v, "seeds", seeds, 0, ">= 0");
  for (auto s : seeds) o.sweep.seeds.push_back(std::uint64_t(s));
  std::sort(o.sweep.seeds.begin(), o.sweep.seeds.end());
  o.sweep.grid = g;
  o.sweep.ng = count(v, "ng");
  if (o.sweep.ng < 1) throw UsageError("--ng must be at least 1");
  try {
    o.sweep.dash_rule = parse_dash_rule(v["dash-rule"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--dash-rule ") + e.what());
  }
  o.sweep.accept_first = v["accept-first"].as<bool>();
  const std::string compare_at = v["compare-at"].as<std::string>();
  if (compare_at != "limit" && compare_at != "spent")
    throw UsageError("--compare-at must be limit or spent, not '" + compare_at + "'");
  o.sweep.compare_at_spent = compare_at == "spent";
  o.sweep.reduction = v["reduction"].as<std::string>();
  o.sweep.runs_dir = v["runs-dir"].as<std::string>();
  o.sweep.checkpoint_every =
      finite_real("checkpoint-every", v["checkpoint-every"].as<std::string>());
  if (o.sweep.checkpoint_every < 0) throw UsageError("--checkpoint-every must be >= 0");
  if (o.sweep.checkpoint_every > 0 && o.sweep.runs_dir.empty())
    throw UsageError("--checkpoint-every needs --runs-dir (where the checkpoints go)");
  o.paper_csv = v["paper-csv"].as<std::string>();
  o.prefix = v["output"].as<std::string>();
  if (o.prefix.empty()) o.prefix = "table" + std::to_string(g.table);
  o.merge = v["merge"].as<bool>();
  const std::string cells_of = v["cells-of"].as<std::string>();
  if (!cells_of.empty()) {
    const auto not_i_of_n = [&] {
      return UsageError("--cells-of '" + cells_of + "' is not I/N with 0 <= I < N");
    };
    const auto whole = [&](const std::string& digits) {  // plain digits only, as in 3/8
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
        throw not_i_of_n();
      return count("cells-of", digits);
    };
    const std::size_t slash = cells_of.find('/');
    if (slash == std::string::npos) throw not_i_of_n();
    o.part = whole(cells_of.substr(0, slash));
    o.parts = whole(cells_of.substr(slash + 1));
    if (o.parts == 0 || o.part >= o.parts) throw not_i_of_n();
    if (o.merge) throw UsageError("--merge makes no sense with --cells-of");
  }
  // The options every run will get, checked once here rather than failing in the sweep.
  RunConfig check;
  check.problem = g.problem;
  check.reduction = o.sweep.reduction;
  check.resolve(g.num_samples);
  return o;
}

// Cells in a fixed order, budget outermost, so that --cells-of I/N (index % N) gives every
// array task a mix of budgets; the N_F each still lacks.
std::vector<SweepCell> pending_cells(const TableOptions& o, const std::vector<TableRow>& present,
                                     std::size_t& present_rows) {
  std::set<TableRowKey> have;
  for (const auto& r : present) have.insert(key_of(r));
  std::vector<SweepCell> cells;
  present_rows = 0;
  std::int64_t index = 0;
  const auto& g = o.grid;
  for (auto budget : g.budgets)
    for (auto batch : g.batch_sizes)
      for (double eta : g.etas) {
        const bool mine = o.parts == 0 || index++ % o.parts == o.part;
        SweepCell cell{batch, eta, budget, {}};
        for (auto nf : g.nfs) {
          if (have.count({g.table, batch, eta, budget, nf, o.sweep.seeds}))
            ++present_rows;
          else if (mine)
            cell.nfs.push_back(nf);
        }
        if (!cell.nfs.empty()) cells.push_back(cell);
      }
  return cells;
}

void print_row(const TableRow& r) {
  auto value = [](const std::optional<double>& x) {
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", x.value_or(0));
    return x ? std::string(text) : std::string("-");
  };
  const auto paper_band = r.paper_band();
  std::printf(
      "cell table=%d batch=%lld eta=%s budget=%s nf=%lld R=%s paper_R=%s band=%s paper_band=%s "
      "gd_loss=%.6g seconds=%.3f\n",
      r.table, (long long)r.batch_size, format_real(r.eta_f).c_str(),
      format_budget(r.budget).c_str(), (long long)r.nf, value(r.r_median).c_str(),
      r.paper_known ? value(r.paper_r).c_str() : "none", to_string(r.band()).c_str(),
      paper_band ? to_string(*paper_band).c_str() : "none", r.gd_loss_median, r.seconds);
  std::fflush(stdout);
}

}  // namespace

int command_table(const std::vector<std::string>& args) {
  po::variables_map values;
  const auto options = table_options();
  if (!parse(args, options, values, "usage: paraflow table --table 1|2|3 [options]")) return 0;
  const TableOptions o = options_from(values);
  const bool root = rank_of_world() == 0;
  int ranks = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);

  // Rank 0 owns the files; the others learn which rows exist from it (or its error).
  TableFiles files(o);
  std::string shared, error;
  if (root) {
    try {
      files.prepare();
      for (const auto& r : files.present()) shared += format_table_row(r) + "\n";
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  broadcast(error, MPI_COMM_WORLD);
  if (!error.empty()) throw UsageError(error);
  broadcast(shared, MPI_COMM_WORLD);
  std::size_t present_rows = 0;
  const auto cells = pending_cells(o, parse_rows(shared), present_rows);
  std::size_t pending_rows = 0;
  for (const auto& c : cells) pending_rows += c.nfs.size();
  if (root)
    std::printf(
        "present rows=%zu (already in %s; not recomputed) pending_rows=%zu cells=%zu "
        "jobs=%zu ranks=%d output=%s\n",
        present_rows, files.present_source().c_str(), o.merge ? 0 : pending_rows,
        o.merge ? 0 : cells.size(), o.merge ? 0 : cells.size() * o.sweep.seeds.size(), ranks,
        files.output_csv().c_str());
  std::fflush(stdout);
  if (!o.merge) {
    const SweepRuns runs = run_sweep(o.sweep, cells, MPI_COMM_WORLD, [&](const TableRow& computed) {
      const TableRow row = files.append(computed);
      print_row(row);
    });
    if (root)
      std::printf("runs computed=%lld reused=%lld resumed=%lld%s\n", (long long)runs.computed,
                  (long long)runs.reused, (long long)runs.resumed,
                  o.sweep.runs_dir.empty() ? "" : (" runs_dir=" + o.sweep.runs_dir).c_str());
  }
  if (root) files.finish();
  return 0;
}

}  // namespace paraflow::cli
