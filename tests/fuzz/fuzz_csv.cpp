// Fuzz target (c): CSV data files (`--problem data --data FILE.csv`, io/data_file). The input is
// the file's bytes, read by read_dataset twice: for --loss mse and for --loss cross-entropy
// (the last column as class labels). Inputs that carry an HDF5 signature are left to fuzz_hdf5.
//
// Oracle:
//   rejected: paraflow::DataFileError whose message is one line starting with "PATH:";
//   bug:      any other exception;
//   SILENT ACCEPT, when an accepted file is not what the format allows or was read otherwise
//   than it says, checked by a second, independent reading of the bytes here: a header of at
//   least two distinct non-empty names, not all numbers; every other non-blank line with exactly
//   as many fields; every field a strict decimal (no hex, NaN, Inf, spaces inside, words) whose
//   value (strtod) is finite; the Dataset holding exactly these values, inputs in file order and
//   the last column as the target (mse) or as integer labels >= 0 turned one-hot (cross-entropy).
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "paraflow/io/data_file.hpp"

namespace {

using namespace paraflow;
using namespace paraflow::fuzz;

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// The table the bytes hold, read here without the library: rows of trimmed, unquoted fields.
std::vector<std::vector<std::string>> table_of(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::vector<std::string>> rows;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    std::vector<std::string> fields;
    for (std::size_t start = 0;;) {
      const std::size_t comma = line.find(',', start);
      std::string_view field = trim(line.substr(start, comma - start));
      if (field.size() >= 2 && field.front() == '"' && field.back() == '"')
        field = trim(field.substr(1, field.size() - 2));
      fields.emplace_back(field);
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

void check_accepted(const Dataset& d, std::string_view bytes, bool cross_entropy) {
  const char* mode = cross_entropy ? " (cross-entropy)" : " (mse)";
  const auto rows = table_of(bytes);
  if (rows.size() < 2)
    silent_accept(std::string("accepted without a header and a data row") + mode);
  const auto& header = rows[0];
  const std::size_t columns = header.size();
  if (columns < 2) silent_accept("accepted a header of one column");
  bool all_numbers = true;
  for (std::size_t k = 0; k < columns; ++k) {
    if (header[k].empty()) silent_accept("accepted an empty column name");
    for (std::size_t m = 0; m < k; ++m)
      if (header[m] == header[k]) silent_accept("accepted a repeated column name " + header[k]);
    all_numbers = all_numbers && is_strict_decimal(header[k]);
  }
  if (all_numbers) silent_accept("accepted a header of numbers");
  const Index samples = Index(rows.size() - 1), inputs = Index(columns - 1);
  if (d.num_samples() != samples || d.num_inputs() != inputs)
    silent_accept("read " + std::to_string(d.num_inputs()) + " x " +
                  std::to_string(d.num_samples()) + " inputs from " + std::to_string(columns) +
                  " columns and " + std::to_string(samples) + " rows" + mode);
  std::vector<double> labels;
  for (Index j = 0; j < samples; ++j) {
    const auto& row = rows[std::size_t(j) + 1];
    if (row.size() != columns)
      silent_accept("accepted a row of " + std::to_string(row.size()) + " fields under " +
                    std::to_string(columns) + " columns");
    for (std::size_t k = 0; k < columns; ++k) {
      if (!is_strict_decimal(row[k])) silent_accept("accepted the field '" + row[k] + "'" + mode);
      const double value = c_value(row[k]);
      if (!std::isfinite(value)) silent_accept("accepted the non-finite field '" + row[k] + "'");
      if (k + 1 < columns) {
        if (!(d.inputs(Index(k), j) == value))
          silent_accept("field '" + row[k] + "' read as " + std::to_string(d.inputs(Index(k), j)));
      } else {
        labels.push_back(value);
      }
    }
  }
  if (!cross_entropy) {
    if (d.labels || d.num_outputs() != 1) silent_accept("mse: not one target row");
    for (Index j = 0; j < samples; ++j)
      if (!(d.targets(0, j) == labels[std::size_t(j)])) silent_accept("mse: target read otherwise");
    return;
  }
  double largest = 0;
  for (double y : labels) {
    if (!(y >= 0) || y != std::floor(y) || y >= 100000)
      silent_accept("cross-entropy: accepted the label " + std::to_string(y));
    largest = std::max(largest, y);
  }
  if (largest < 1) silent_accept("cross-entropy: accepted a single class");
  if (!d.labels || d.classes != Index(largest) + 1 || d.num_outputs() != d.classes)
    silent_accept("cross-entropy: wrong class count");
  for (Index j = 0; j < samples; ++j)
    for (Index c = 0; c < d.classes; ++c)
      if (d.targets(c, j) != (double(c) == labels[std::size_t(j)] ? 1.0 : 0.0))
        silent_accept("cross-entropy: target not the one-hot label");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  start("csv");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Tally& tally = Tally::get();
  ++tally.tried;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // An HDF5 signature at 0, 512, 1024, ... makes read_dataset read HDF5 (fuzz_hdf5's surface).
  for (std::size_t at = 0; at + 8 <= size; at = at == 0 ? 512 : 2 * at)
    if (bytes.substr(at, 8) == std::string_view("\x89HDF\r\n\x1a\n", 8)) {
      ++tally.notes["skipped_hdf5_signature"];
      return 0;
    }
  const std::string path = Scratch::get().write("data.csv", data, size);
  // tried/accepted/rejected count the mse reading; cross_entropy_* the second one.
  for (bool cross_entropy : {false, true}) {
    Dataset d;
    try {
      d = read_dataset(path, {{}, cross_entropy, 0});
    } catch (const DataFileError& e) {
      expect_one_line(e.what(), "a CSV file");
      if (std::string_view(e.what()).substr(0, path.size() + 1) != path + ":")
        bug(std::string("the error does not name the file: ") + e.what());
      tally.reject(e.what(), cross_entropy ? "cross_entropy_rejected" : nullptr);
      continue;
    } catch (const std::exception& e) {
      bug(std::string("not a DataFileError: ") + e.what());
    }
    check_accepted(d, bytes, cross_entropy);
    tally.accept(cross_entropy ? "cross_entropy_accepted" : nullptr);
  }
  return 0;
}
