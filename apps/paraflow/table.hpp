// The paper's Tables 1-3 as data: the grid of each table, the "–" rule, R's colour bands,
// aggregation over seeds, the rows of `paraflow table`'s CSV and the paper's values
// (docs/paper_tables.csv, installed as <prefix>/share/paraflow/paper_tables.csv; the rules are in
// docs/reproduction.md). Pure functions; the command in apps/ runs the trainings.
#pragma once

#include <compare>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace paraflow {

/// One table's grid (or a sub-grid of it) and its problem.
struct TableGrid {
  int table = 1;
  std::string problem;
  std::int64_t num_samples = 0;       ///< N, the full batch
  std::int64_t paper_full_batch = 0;  ///< the paper's name for the full batch (1448 for Table 3)
  std::vector<std::int64_t> batch_sizes;
  std::vector<double> etas;
  std::vector<std::int64_t> budgets;
  std::vector<std::int64_t> nfs;
};

/// The paper's grid of Table 1, 2 or 3; std::invalid_argument for any other number.
TableGrid table_grid(int table);

/// The batch size under which the paper lists `batch_size` (our full batch of Table 3, 1440
/// loss terms, is the paper's "1448").
std::int64_t paper_batch_size(const TableGrid& grid, std::int64_t batch_size);

/// Whether the budget pays for one ParaFlowS iteration's worst case, d_B N_F + N N_G: the rule
/// run_training enforces before it starts a run ("cannot pay for one iteration").
bool fits_one_iteration(std::int64_t batch_size, std::int64_t nf, std::int64_t num_samples,
                        std::int64_t ng, std::int64_t budget);

/// When `paraflow table` prints "–" for a cell (--dash-rule).
enum class DashRule {
  paper,       ///< d_B N_F > budget: F alone does not fit. The paper's "–" cells, exactly.
  worst_case,  ///< d_B N_F + N N_G > budget: one whole ParaFlowS iteration does not fit.
};
/// "paper", "worst-case".
std::string to_string(DashRule rule);
/// The inverse; std::invalid_argument naming the choices for anything else.
DashRule parse_dash_rule(const std::string& text);
/// Whether the cell (d_B, N_F, budget) is "–" under `rule` (N samples, the sweep's N_G).
bool is_dash(DashRule rule, std::int64_t batch_size, std::int64_t nf, std::int64_t num_samples,
             std::int64_t ng, std::int64_t budget);
/// The N_G a cell that is not "–" runs ParaFlowS with: `ng` when one whole iteration fits, else
/// (only under the paper's rule) the largest N_G that one iteration pays for,
/// (budget - d_B N_F) / N rounded down, which is 0 when F leaves no room for one coarse step:
/// the cell is then "F alone" (Alg. 2's only candidate that needs no G is f_0 = F(W_0)).
std::int64_t affordable_ng(std::int64_t batch_size, std::int64_t nf, std::int64_t num_samples,
                           std::int64_t ng, std::int64_t budget);
/// What ParaFlowS would have spent had it not stopped at a fixed point with `spent`: Alg. 2 as
/// written repeats the rejected iteration, F and g_0 (d_B N_F + N), while a whole one
/// (d_B N_F + N N_G) fits, with the same weights. Keeps --compare-at spent's meaning.
std::int64_t spent_as_written(std::int64_t batch_size, std::int64_t nf, std::int64_t num_samples,
                              std::int64_t ng, std::int64_t budget, std::int64_t spent);

/// The paper's shading of R: dark gray R < 0.9, light gray 0.9 <= R <= 1.1, white R > 1.1, and
/// "–" (no R: the cell is "–" under the sweep's DashRule).
enum class Band { below, middle, above, none };
/// nullopt -> none; NaN counts as above (ParaFlowS not shown better).
Band band_of(std::optional<double> r);
/// "<0.9", "0.9-1.1", ">1.1", "-".
std::string to_string(Band band);
Band parse_band(const std::string& text);

/// Median (mean of the two middle values for an even count), minimum and maximum.
struct Spread {
  double median = 0, min = 0, max = 0;
};
Spread spread_of(std::vector<double> values);  ///< std::invalid_argument if empty

/// The shortest text that reads back as the same double ("0.1", "2.0192161921692265e-06").
std::string format_real(double value);
/// Powers of ten as the paper writes them ("1e4"), anything else as an integer.
std::string format_budget(std::int64_t budget);
/// A real number in any form std::strtod reads ("1.0e+00", "1e4"); std::invalid_argument if not.
double parse_real(const std::string& text);

/// One line of paper_tables.csv: a (table, batch size, eta_F, budget) cell, GD's loss and R per
/// N_F, nullopt where the paper prints "-".
struct PaperRow {
  int table = 0;
  std::string problem;
  std::int64_t batch_size = 0;
  double eta_f = 0;
  std::int64_t budget = 0;
  double gd_loss = 0;
  std::vector<std::pair<std::int64_t, std::optional<double>>> r_by_nf;
};
/// Reads the header (table,problem,batch_size,eta_f,budget,gd_loss,R_nf<k>...) and the rows;
/// std::invalid_argument naming the line on anything malformed.
std::vector<PaperRow> parse_paper_csv(std::istream& in);
/// The paper's row for a cell of `grid`, or nullptr.
const PaperRow* find_paper_row(const std::vector<PaperRow>& rows, const TableGrid& grid,
                               std::int64_t batch_size, double eta_f, std::int64_t budget);
/// What the paper says for N_F in that row: nullopt if it has no such column; a nullopt R for "-".
std::optional<std::optional<double>> paper_r(const PaperRow& row, std::int64_t nf);

/// One row of `paraflow table`'s CSV: one (batch size, eta_F, budget, N_F) cell over the seeds.
struct TableRow {
  int table = 0;
  std::string problem;
  std::int64_t batch_size = 0;
  double eta_f = 0;
  std::int64_t budget = 0;
  std::int64_t nf = 0;
  std::vector<std::uint64_t> seeds;
  double gd_loss_median = 0;
  std::optional<double> paper_gd_loss;
  std::optional<double> r_median, r_min, r_max;  ///< nullopt: "–"
  bool paper_known = false;                      ///< the paper has this cell
  std::optional<double> paper_r;                 ///< nullopt with paper_known: the paper's "–"
  double seconds = 0;  ///< this row's share of the compute time (see command_table.cpp)

  Band band() const { return band_of(r_median); }
  std::optional<Band> paper_band() const;
  std::optional<bool> band_agrees() const;
};

extern const char* const kTableCsvHeader;
/// One CSV line without the newline; reals in shortest round-trip form, "-" for "–", "" for
/// unknown paper values, seeds joined by ';'.
std::string format_table_row(const TableRow& row);
/// The inverse; std::invalid_argument on a malformed line (e.g. one cut short by a kill).
TableRow parse_table_row(const std::string& line);

/// What makes two rows the same computation (the resume key).
using TableRowKey =
    std::tuple<int, std::int64_t, double, std::int64_t, std::int64_t, std::vector<std::uint64_t>>;
TableRowKey key_of(const TableRow& row);

/// Band agreement with the paper over rows the paper knows.
struct Agreement {
  int cells = 0, agree = 0;            ///< all rows with a paper value
  int numeric = 0, numeric_agree = 0;  ///< rows where both have a number
};
Agreement count_agreement(const std::vector<TableRow>& rows);

/// The paper's layout, one Markdown table per batch size, each cell "ours (paper)" with band
/// markers; rows are looked up in `rows` (cells without a row are left blank).
std::string table_markdown(const TableGrid& grid, const std::vector<TableRow>& rows);

}  // namespace paraflow
