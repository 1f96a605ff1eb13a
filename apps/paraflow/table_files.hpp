// The files of `paraflow table` (rank 0): the paper's CSV, PREFIX.csv and its part files, and
// PREFIX.md. Every write is either an append of one whole flushed line or an atomic rename.
#pragma once

#include <mpi.h>

#include <string>
#include <vector>

#include "table.hpp"
#include "table_sweep.hpp"

namespace paraflow::cli {

struct TableOptions {
  TableGrid grid;  ///< the (sub-)grid to sweep
  SweepSettings sweep;
  std::string paper_csv;  ///< "" = default_paper_csv_candidates()
  std::string prefix;
  bool merge = false;
  std::int64_t part = 0, parts = 0;  ///< --cells-of part/parts; parts = 0: not an array task
};

class TableFiles {
 public:
  explicit TableFiles(const TableOptions& options) : o_(options) {}
  /// Reads the paper's values and the rows already computed; drops lines a kill cut short;
  /// merges part files into PREFIX.csv (not as an array task); creates the output with its header.
  void prepare();
  /// Rows not to compute again.
  const std::vector<TableRow>& present() const { return present_; }
  std::string present_source() const;
  std::string output_csv() const;
  /// Adds the paper's values to a computed row and appends it to the output, flushed.
  TableRow append(TableRow row);
  /// Writes PREFIX.md from PREFIX.csv (not as an array task) and prints the `done` line.
  void finish();

 private:
  void fill_paper(TableRow& row) const;

  const TableOptions& o_;
  std::vector<PaperRow> paper_;
  std::string paper_source_;
  std::vector<TableRow> present_;
  std::vector<TableRow> appended_;
  std::size_t part_files_ = 0;
};

/// Where `paraflow table` looks for the paper's values without --paper-csv, in order: the
/// installed copy relative to the running program (<prefix>/share/paraflow/paper_tables.csv for
/// <prefix>/bin/paraflow), then docs/paper_tables.csv of the source tree it was built from.
std::vector<std::string> default_paper_csv_candidates();

/// Rank 0's string on every rank of comm.
void broadcast(std::string& text, MPI_Comm comm);
/// Lines of format_table_row.
std::vector<TableRow> parse_rows(const std::string& text);

}  // namespace paraflow::cli
