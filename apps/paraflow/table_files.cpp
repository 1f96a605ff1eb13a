// PREFIX.csv, its part files, PREFIX.md and the paper's CSV for `paraflow table`.
#include "table_files.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>

#include "cli.hpp"
#include "paraflow/problems/paper.hpp"

#ifndef PARAFLOW_SOURCE_DIR
#define PARAFLOW_SOURCE_DIR "."
#endif
// The installed data directory relative to the installed program (GNUInstallDirs' DATADIR from
// BINDIR, apps/CMakeLists.txt): <prefix>/bin/paraflow -> <prefix>/share/paraflow.
#ifndef PARAFLOW_DATA_FROM_BIN
#define PARAFLOW_DATA_FROM_BIN "../share/paraflow"
#endif

namespace paraflow::cli {

namespace fs = std::filesystem;

namespace {

// The rows of a CSV written by this command. `clean` turns false when the file needs rewriting:
// a line cut short by a kill, a missing final newline, a duplicate row.
std::vector<TableRow> read_csv(const std::string& path, bool& clean) {
  clean = true;
  std::ifstream in(path);
  if (!in) return {};
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  clean = !text.empty() && text.back() == '\n';
  std::istringstream lines(text);
  std::string line;
  if (!std::getline(lines, line)) return {};
  if (line != kTableCsvHeader)
    throw UsageError(path +
                     ": not a 'paraflow table' CSV (its header differs); choose another "
                     "--output");
  std::vector<TableRow> rows;
  std::set<TableRowKey> keys;
  for (int number = 2; std::getline(lines, line); ++number) {
    if (line.empty()) continue;
    try {
      TableRow row = parse_table_row(line);
      if (keys.insert(key_of(row)).second)
        rows.push_back(row);
      else
        clean = false;
    } catch (const std::invalid_argument& e) {
      std::cerr << "note: " << path << " line " << number << " ignored: " << e.what() << std::endl;
      clean = false;
    }
  }
  return rows;
}

void write_atomic(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + temporary);
  }
  fs::rename(temporary, path);
}

void write_rows(const std::string& path, const std::vector<TableRow>& rows) {
  std::string text = std::string(kTableCsvHeader) + "\n";
  for (const auto& r : rows) text += format_table_row(r) + "\n";
  write_atomic(path, text);
}

// PREFIX.part<I>.csv files next to PREFIX, in order.
std::vector<std::string> part_files(const std::string& prefix) {
  const fs::path p(prefix);
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  const std::string start = p.filename().string() + ".part";
  std::vector<std::string> found;
  if (!fs::is_directory(dir)) return found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= start.size() + 4 || name.rfind(start, 0) != 0 ||
        name.substr(name.size() - 4) != ".csv")
      continue;
    const std::string index = name.substr(start.size(), name.size() - start.size() - 4);
    if (std::all_of(index.begin(), index.end(), ::isdigit)) found.push_back(entry.path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

// A path as the Markdown footer shows it: relative to the working directory when inside it, so
// that a table made in a source tree reads the same on every machine.
std::string shown_path(const std::string& path) {
  std::error_code error;
  const fs::path relative = fs::relative(path, error);
  if (error || relative.empty() || *relative.begin() == "..") return path;
  return relative.string();
}

template <typename T>
bool contains(const std::vector<T>& list, const T& x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

}  // namespace

std::vector<std::string> default_paper_csv_candidates() {
  std::vector<std::string> candidates;
  std::error_code error;
  const fs::path program = fs::read_symlink("/proc/self/exe", error);
  if (!error)
    candidates.push_back(
        (program.parent_path() / PARAFLOW_DATA_FROM_BIN / "paper_tables.csv").string());
  candidates.push_back(PARAFLOW_SOURCE_DIR "/docs/paper_tables.csv");
  return candidates;
}

void TableFiles::prepare() {
  std::string path = o_.paper_csv;
  if (path.empty())
    for (const auto& candidate : default_paper_csv_candidates())
      if (fs::exists(candidate)) {
        path = fs::weakly_canonical(candidate).string();
        break;
      }
  if (path.empty()) {
    std::cerr << "note: no paper_tables.csv found (give --paper-csv); paper columns left empty"
              << std::endl;
  } else {
    std::ifstream in(path);
    if (!in) throw UsageError("cannot read --paper-csv " + path);
    try {
      paper_ = parse_paper_csv(in);
    } catch (const std::invalid_argument& e) {
      throw UsageError(path + ": " + e.what());
    }
    paper_source_ = shown_path(path);
  }

  const fs::path parent = fs::path(o_.prefix).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  const std::string main = o_.prefix + ".csv";
  bool clean = true;
  present_ = read_csv(main, clean);
  std::set<TableRowKey> keys;
  for (const auto& r : present_) keys.insert(key_of(r));
  const std::size_t in_main = present_.size();
  const auto parts = part_files(o_.prefix);
  part_files_ = parts.size();
  for (const auto& part : parts) {
    bool part_clean = true;
    const auto rows = read_csv(part, part_clean);
    for (const auto& r : rows)
      if (keys.insert(key_of(r)).second) present_.push_back(r);
    // Our own part file, cut short by a kill: rewrite it whole before appending again.
    if (o_.parts > 0 && fs::equivalent(part, output_csv()) && !part_clean) write_rows(part, rows);
  }
  if (o_.parts == 0) {
    // Not an array task: PREFIX.csv becomes the union of itself and the part files.
    if (!clean || present_.size() > in_main || !fs::exists(main)) write_rows(main, present_);
  } else if (!fs::exists(output_csv())) {
    write_rows(output_csv(), {});
  }
}

std::string TableFiles::present_source() const {
  std::string text = o_.prefix + ".csv";
  if (part_files_ > 0) text += " and " + std::to_string(part_files_) + " part file(s)";
  return text;
}

std::string TableFiles::output_csv() const {
  if (o_.parts == 0) return o_.prefix + ".csv";
  return o_.prefix + ".part" + std::to_string(o_.part) + ".csv";
}

void TableFiles::fill_paper(TableRow& row) const {
  row.paper_gd_loss.reset();
  row.paper_known = false;
  row.paper_r.reset();
  const PaperRow* p = find_paper_row(paper_, o_.grid, row.batch_size, row.eta_f, row.budget);
  if (!p) return;
  row.paper_gd_loss = p->gd_loss;
  if (const auto r = paper_r(*p, row.nf)) {
    row.paper_known = true;
    row.paper_r = *r;
  }
}

TableRow TableFiles::append(TableRow row) {
  fill_paper(row);
  std::ofstream out(output_csv(), std::ios::app);
  out << format_table_row(row) << '\n';
  out.flush();
  if (!out) throw std::runtime_error("cannot append to " + output_csv());
  appended_.push_back(row);
  return row;
}

void TableFiles::finish() {
  const auto& g = o_.grid;
  if (o_.parts > 0) {
    std::printf("done table=%d computed=%zu csv=%s (merge: rerun without --cells-of, or --merge)\n",
                g.table, appended_.size(), output_csv().c_str());
    return;
  }
  std::vector<TableRow> rows = present_;
  double seconds = 0;
  int dash_only_here = 0, capped = 0, fine_alone = 0;
  rows.insert(rows.end(), appended_.begin(), appended_.end());
  std::erase_if(rows, [&](const TableRow& r) {
    return r.table != g.table || r.seeds != o_.sweep.seeds ||
           !contains(g.batch_sizes, r.batch_size) || !contains(g.etas, r.eta_f) ||
           !contains(g.budgets, r.budget) || !contains(g.nfs, r.nf);
  });
  for (auto& r : rows) {
    fill_paper(r);
    seconds += r.seconds;
    dash_only_here += !r.r_median && r.paper_known && r.paper_r;
    if (r.r_median) {
      const auto ng = affordable_ng(r.batch_size, r.nf, g.num_samples, o_.sweep.ng, r.budget);
      capped += ng < o_.sweep.ng;
      fine_alone += ng == 0;
    }
  }
  const Agreement a = count_agreement(rows);
  const std::string reduction = o_.sweep.reduction.empty()
                                    ? to_string(default_reduction(g.problem)) + " (paper preset)"
                                    : o_.sweep.reduction;
  std::ostringstream seeds;
  for (std::size_t i = 0; i < o_.sweep.seeds.size(); ++i)
    seeds << (i ? ", " : "") << o_.sweep.seeds[i];
  std::ostringstream md;
  md << "# Table " << g.table << " (" << g.problem << "): ours (the paper's)\n\n"
     << "R = L_PF / L_GD at equal budget (median over the seeds; [min–max] with several). "
     << "◆ R < 0.9 (the paper's dark gray), ◇ 0.9 ≤ R ≤ 1.1 (light gray), no mark R > 1.1, "
     << "– the cell is \"–\" under the rule below, ✗ the bands differ. GD: L_GD.\n\n"
     << table_markdown(g, rows) << "**Table " << g.table << ": the bands agree in " << a.agree
     << " of " << a.cells << " cells (" << a.numeric_agree << " of " << a.numeric
     << " where both have a number).**\n\n"
     << "Settings: seeds " << seeds.str() << "; N_G = " << o_.sweep.ng
     << "; η_G = N_F·η_F; dash rule " << to_string(o_.sweep.dash_rule) << "; reduction "
     << reduction << "; accept-first " << (o_.sweep.accept_first ? "on" : "off")
     << "; L_GD of R at "
     << (o_.sweep.compare_at_spent ? "the budget ParaFlowS spent" : "the budget limit")
     << "; compute time " << format_real(std::round(seconds * 10) / 10) << " s; paper values "
     << (paper_source_.empty() ? "none" : paper_source_) << ".\n\n";
  if (o_.sweep.dash_rule == DashRule::paper)
    md << "\"–\" rule (--dash-rule paper): a cell is \"–\" when F alone, d_B·N_F, exceeds the "
       << "budget, as in the paper. " << capped << " cell(s) fit F but not one whole ParaFlowS "
       << "iteration, d_B·N_F + N·N_G (N = " << g.num_samples << ", N_G = " << o_.sweep.ng
       << "), which `paraflow run` refuses: they ran ParaFlowS with N_G capped to "
       << "⌊(budget − d_B·N_F)/N⌋, " << fine_alone << " of them with F alone (no room for one "
       << "coarse step: L_PF = L(F(W_0)) if lower than L(W_0), Alg. 2's first candidate). "
       << dash_only_here << " cell(s) are \"–\" here and numbers in the paper.\n";
  else
    md << "\"–\" rule (--dash-rule worst-case): a cell is \"–\" when one ParaFlowS iteration's "
       << "worst case, d_B·N_F + N·N_G (N = " << g.num_samples << ", N_G = " << o_.sweep.ng
       << "), exceeds the budget (run_training refuses such a run). The paper's \"–\" cells "
       << "follow d_B·N_F > budget instead (--dash-rule paper): " << dash_only_here
       << " cell(s) are \"–\" here and numbers in the paper.\n";
  write_atomic(o_.prefix + ".md", md.str());
  std::printf(
      "done table=%d rows=%zu computed=%zu agree=%d/%d numeric_agree=%d/%d "
      "dash_only_here=%d seconds=%.1f csv=%s markdown=%s.md\n",
      g.table, rows.size(), appended_.size(), a.agree, a.cells, a.numeric_agree, a.numeric,
      dash_only_here, seconds, output_csv().c_str(), o_.prefix.c_str());
}

void broadcast(std::string& text, MPI_Comm comm) {
  unsigned long long size = text.size();
  MPI_Bcast(&size, 1, MPI_UNSIGNED_LONG_LONG, 0, comm);
  text.resize(size);
  MPI_Bcast(text.data(), int(size), MPI_CHAR, 0, comm);
}

std::vector<TableRow> parse_rows(const std::string& text) {
  std::vector<TableRow> rows;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line))
    if (!line.empty()) rows.push_back(parse_table_row(line));
  return rows;
}

}  // namespace paraflow::cli
