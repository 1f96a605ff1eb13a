// The Markdown form of a table: the paper's layout (batch size, eta_F, budget down; GD and N_F
// across) with our value and the paper's side by side, so disagreements are seen at a glance.
#include <cstdio>
#include <map>
#include <sstream>

#include "table.hpp"

namespace paraflow {

namespace {

// Markdown has no cell shading: the paper's dark and light gray become marks after the number.
std::string mark(Band band) {
  switch (band) {
    case Band::below:
      return "◆";
    case Band::middle:
      return "◇";
    default:
      return "";
  }
}

std::string number(double value, const char* format) {
  char text[40];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

std::string r_text(const std::optional<double>& r) {
  return r ? number(*r, "%.4g") + mark(band_of(r)) : "–";
}

std::string cell_text(const TableRow& row) {
  std::string text = r_text(row.r_median);
  if (row.seeds.size() > 1 && row.r_min && row.r_max)
    text += " [" + number(*row.r_min, "%.3g") + "–" + number(*row.r_max, "%.3g") + "]";
  if (row.paper_known) {
    text += " (" + r_text(row.paper_r) + ")";
    if (!*row.band_agrees()) text += " ✗";
  }
  return text;
}

std::string gd_text(const TableRow& row) {
  std::string text = number(row.gd_loss_median, "%.1e");
  if (row.paper_gd_loss) text += " (" + number(*row.paper_gd_loss, "%.1e") + ")";
  return text;
}

}  // namespace

std::string table_markdown(const TableGrid& grid, const std::vector<TableRow>& rows) {
  using Cell = std::tuple<std::int64_t, double, std::int64_t, std::int64_t>;
  std::map<Cell, const TableRow*> by_cell;
  for (const auto& r : rows)
    if (r.table == grid.table) by_cell[{r.batch_size, r.eta_f, r.budget, r.nf}] = &r;
  std::ostringstream out;
  for (auto batch : grid.batch_sizes) {
    out << "### Batch size " << batch;
    if (batch == grid.num_samples) out << " (full batch";
    if (paper_batch_size(grid, batch) != batch)
      out << "; the paper's " << paper_batch_size(grid, batch);
    if (batch == grid.num_samples) out << ")";
    out << "\n\n| η_F | Budget | GD |";
    for (auto nf : grid.nfs) out << " N_F = " << nf << " |";
    out << "\n|---|---|---|";
    for (std::size_t i = 0; i < grid.nfs.size(); ++i) out << "---|";
    out << "\n";
    std::vector<TableRow> shown;
    for (double eta : grid.etas)
      for (auto budget : grid.budgets) {
        out << "| " << format_real(eta) << " | " << format_budget(budget) << " |";
        const TableRow* first = nullptr;  // any row of the cell holds its GD loss
        std::ostringstream cells;
        for (auto nf : grid.nfs) {
          auto it = by_cell.find({batch, eta, budget, nf});
          cells << " " << (it == by_cell.end() ? "" : cell_text(*it->second)) << " |";
          if (it == by_cell.end()) continue;
          if (!first) first = it->second;
          shown.push_back(*it->second);
        }
        out << " " << (first ? gd_text(*first) : "") << " |" << cells.str() << "\n";
      }
    const Agreement a = count_agreement(shown);
    out << "\nBand agreement, batch size " << batch << ": " << a.agree << " of " << a.cells
        << " cells (" << a.numeric_agree << " of " << a.numeric
        << " where both have a number).\n\n";
  }
  return out.str();
}

}  // namespace paraflow
