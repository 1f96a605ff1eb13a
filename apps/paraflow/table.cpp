// The grid, rules and CSV rows of `paraflow table` (table.hpp).
#include "table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <istream>
#include <sstream>
#include <stdexcept>

namespace paraflow {

namespace {

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, separator)) fields.push_back(field);
  if (!line.empty() && line.back() == separator) fields.emplace_back();
  return fields;
}

std::int64_t parse_whole(const std::string& text) {
  const double value = parse_real(text);
  if (value != std::floor(value) || std::abs(value) > 9e15)
    throw std::invalid_argument("'" + text + "' is not a whole number");
  return std::int64_t(value);
}

// "-" for "–", anything else a number.
std::optional<double> parse_r(const std::string& text) {
  if (text == "-") return std::nullopt;
  return parse_real(text);
}
std::string format_r(const std::optional<double>& r) {
  return r ? format_real(*r) : "-";
}

}  // namespace

TableGrid table_grid(int table) {
  TableGrid g;
  g.table = table;
  g.etas = {0.1, 0.01, 0.001, 0.0001};
  g.nfs = {10, 50, 100, 500, 1000, 2000};
  g.budgets = {10000, 100000, 1000000, 10000000};
  if (table == 1) {
    g.problem = "classification";
    g.num_samples = g.paper_full_batch = 10;
    g.batch_sizes = {10, 1};
  } else if (table == 2) {
    g.problem = "approximation";
    g.num_samples = g.paper_full_batch = 30;
    g.batch_sizes = {30, 1};
  } else if (table == 3) {
    g.problem = "poisson";
    g.num_samples = 1440;  // 1200 interior + 120 boundary residuals + 120 boundary values
    g.paper_full_batch = 1448;
    g.batch_sizes = {1440, 724};
    g.budgets = {100000, 1000000, 10000000, 100000000};
  } else {
    throw std::invalid_argument("--table " + std::to_string(table) + " is not one of 1, 2, 3");
  }
  return g;
}

std::int64_t paper_batch_size(const TableGrid& grid, std::int64_t batch_size) {
  return batch_size == grid.num_samples ? grid.paper_full_batch : batch_size;
}

bool fits_one_iteration(std::int64_t batch_size, std::int64_t nf, std::int64_t num_samples,
                        std::int64_t ng, std::int64_t budget) {
  return batch_size * nf + num_samples * ng <= budget;
}

std::string to_string(DashRule rule) {
  return rule == DashRule::paper ? "paper" : "worst-case";
}

DashRule parse_dash_rule(const std::string& text) {
  for (DashRule rule : {DashRule::paper, DashRule::worst_case})
    if (to_string(rule) == text) return rule;
  throw std::invalid_argument("'" + text + "' is not a dash rule (paper, worst-case)");
}

bool is_dash(DashRule rule, std::int64_t batch_size, std::int64_t nf, std::int64_t num_samples,
             std::int64_t ng, std::int64_t budget) {
  if (rule == DashRule::worst_case)
    return !fits_one_iteration(batch_size, nf, num_samples, ng, budget);
  return batch_size * nf > budget;
}

std::int64_t affordable_ng(std::int64_t batch_size, std::int64_t nf, std::int64_t num_samples,
                           std::int64_t ng, std::int64_t budget) {
  if (fits_one_iteration(batch_size, nf, num_samples, ng, budget)) return ng;
  const std::int64_t room = budget - batch_size * nf;
  return room < 0 ? 0 : std::min(ng, room / num_samples);
}

std::int64_t spent_as_written(std::int64_t batch_size, std::int64_t nf, std::int64_t num_samples,
                              std::int64_t ng, std::int64_t budget, std::int64_t spent) {
  const std::int64_t repeat = batch_size * nf + num_samples;
  const std::int64_t room = budget - spent - (batch_size * nf + num_samples * ng);
  return room < 0 ? spent : spent + (room / repeat + 1) * repeat;
}

Band band_of(std::optional<double> r) {
  if (!r) return Band::none;
  if (*r < 0.9) return Band::below;
  if (*r <= 1.1) return Band::middle;
  return Band::above;  // also NaN: both comparisons above are false
}

std::string to_string(Band band) {
  switch (band) {
    case Band::below:
      return "<0.9";
    case Band::middle:
      return "0.9-1.1";
    case Band::above:
      return ">1.1";
    case Band::none:
      break;
  }
  return "-";
}

Band parse_band(const std::string& text) {
  for (Band b : {Band::below, Band::middle, Band::above, Band::none})
    if (to_string(b) == text) return b;
  throw std::invalid_argument("'" + text + "' is not a band");
}

Spread spread_of(std::vector<double> values) {
  if (values.empty()) throw std::invalid_argument("spread_of: no values");
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  const double median = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
  return {median, values.front(), values.back()};
}

std::string format_real(double value) {
  char text[40];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value || std::isnan(value)) break;
  }
  return text;
}

std::string format_budget(std::int64_t budget) {
  std::int64_t power = 1;
  for (int exponent = 0; exponent <= 18; ++exponent) {
    if (power == budget) return "1e" + std::to_string(exponent);
    if (exponent < 18) power *= 10;  // 10^19 overflows int64 (UBSan found it)
  }
  return std::to_string(budget);
}

double parse_real(const std::string& text) {
  const char* begin = text.c_str();
  char* end = nullptr;
  const double value = std::strtod(begin, &end);
  if (text.empty() || end != begin + text.size())
    throw std::invalid_argument("'" + text + "' is not a number");
  return value;
}

std::vector<PaperRow> parse_paper_csv(std::istream& in) {
  std::string line;
  if (!std::getline(in, line)) throw std::invalid_argument("paper csv: empty");
  const auto header = split(line, ',');
  const std::vector<std::string> fixed{"table", "problem", "batch_size",
                                       "eta_f", "budget",  "gd_loss"};
  if (header.size() < fixed.size() || !std::equal(fixed.begin(), fixed.end(), header.begin()))
    throw std::invalid_argument("paper csv: header is not table,problem,batch_size,...: " + line);
  std::vector<std::int64_t> nfs;
  for (std::size_t i = fixed.size(); i < header.size(); ++i) {
    if (header[i].rfind("R_nf", 0) != 0)
      throw std::invalid_argument("paper csv: column '" + header[i] + "' is not R_nf<N_F>");
    nfs.push_back(parse_whole(header[i].substr(4)));
  }
  std::vector<PaperRow> rows;
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const auto f = split(line, ',');
    try {
      if (f.size() != header.size())
        throw std::invalid_argument(std::to_string(f.size()) + " fields, want " +
                                    std::to_string(header.size()));
      PaperRow r{
          int(parse_whole(f[0])), f[1], parse_whole(f[2]), parse_real(f[3]), parse_whole(f[4]),
          parse_real(f[5]),       {}};
      for (std::size_t i = 0; i < nfs.size(); ++i)
        r.r_by_nf.emplace_back(nfs[i], parse_r(f[fixed.size() + i]));
      rows.push_back(std::move(r));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("paper csv line " + std::to_string(number) + ": " + e.what());
    }
  }
  return rows;
}

const PaperRow* find_paper_row(const std::vector<PaperRow>& rows, const TableGrid& grid,
                               std::int64_t batch_size, double eta_f, std::int64_t budget) {
  const std::int64_t batch = paper_batch_size(grid, batch_size);
  for (const auto& r : rows)
    if (r.table == grid.table && r.batch_size == batch && r.budget == budget &&
        std::abs(r.eta_f - eta_f) <= 1e-12 * eta_f)
      return &r;
  return nullptr;
}

std::optional<std::optional<double>> paper_r(const PaperRow& row, std::int64_t nf) {
  for (const auto& [n, r] : row.r_by_nf)
    if (n == nf) return r;
  return std::nullopt;
}

std::optional<Band> TableRow::paper_band() const {
  if (!paper_known) return std::nullopt;
  return band_of(paper_r);
}

std::optional<bool> TableRow::band_agrees() const {
  const auto p = paper_band();
  if (!p) return std::nullopt;
  return *p == band();
}

const char* const kTableCsvHeader =
    "table,problem,batch_size,eta_f,budget,nf,seeds,gd_loss_median,paper_gd_loss,R_median,R_min,"
    "R_max,paper_R,band,paper_band,band_agrees,seconds";

std::string format_table_row(const TableRow& r) {
  std::ostringstream seeds;
  for (std::size_t i = 0; i < r.seeds.size(); ++i) seeds << (i ? ";" : "") << r.seeds[i];
  const auto paper_band = r.paper_band();
  const auto agrees = r.band_agrees();
  std::ostringstream out;
  out << r.table << ',' << r.problem << ',' << r.batch_size << ',' << format_real(r.eta_f) << ','
      << format_budget(r.budget) << ',' << r.nf << ',' << seeds.str() << ','
      << format_real(r.gd_loss_median) << ','
      << (r.paper_gd_loss ? format_real(*r.paper_gd_loss) : "") << ',' << format_r(r.r_median)
      << ',' << format_r(r.r_min) << ',' << format_r(r.r_max) << ','
      << (r.paper_known ? format_r(r.paper_r) : "") << ',' << to_string(r.band()) << ','
      << (paper_band ? to_string(*paper_band) : "") << ','
      << (agrees ? (*agrees ? "yes" : "no") : "") << ',' << format_real(r.seconds);
  return out.str();
}

TableRow parse_table_row(const std::string& line) {
  const auto f = split(line, ',');
  if (f.size() != 17)
    throw std::invalid_argument("table csv: " + std::to_string(f.size()) +
                                " fields, want 17: " + line);
  TableRow r;
  r.table = int(parse_whole(f[0]));
  r.problem = f[1];
  r.batch_size = parse_whole(f[2]);
  r.eta_f = parse_real(f[3]);
  r.budget = parse_whole(f[4]);
  r.nf = parse_whole(f[5]);
  for (const auto& s : split(f[6], ';')) r.seeds.push_back(std::uint64_t(parse_whole(s)));
  if (r.seeds.empty()) throw std::invalid_argument("table csv: no seeds: " + line);
  r.gd_loss_median = parse_real(f[7]);
  if (!f[8].empty()) r.paper_gd_loss = parse_real(f[8]);
  r.r_median = parse_r(f[9]);
  r.r_min = parse_r(f[10]);
  r.r_max = parse_r(f[11]);
  r.paper_known = !f[12].empty();
  if (r.paper_known) r.paper_r = parse_r(f[12]);
  r.seconds = parse_real(f[16]);
  // The derived columns must say what the values say: a line cut short or edited is not a row.
  const auto paper_band = r.paper_band();
  const auto agrees = r.band_agrees();
  if (parse_band(f[13]) != r.band() || f[14] != (paper_band ? to_string(*paper_band) : "") ||
      f[15] != (agrees ? (*agrees ? "yes" : "no") : ""))
    throw std::invalid_argument("table csv: band columns do not match the values: " + line);
  return r;
}

TableRowKey key_of(const TableRow& row) {
  return {row.table, row.batch_size, row.eta_f, row.budget, row.nf, row.seeds};
}

Agreement count_agreement(const std::vector<TableRow>& rows) {
  Agreement a;
  for (const auto& r : rows) {
    const auto agrees = r.band_agrees();
    if (!agrees) continue;
    ++a.cells;
    a.agree += *agrees;
    if (r.r_median && r.paper_r) {
      ++a.numeric;
      a.numeric_agree += *agrees;
    }
  }
  return a;
}

}  // namespace paraflow
