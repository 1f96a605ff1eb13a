// Users' own training data: a CSV file with a header row, or an HDF5 file with /inputs and
// /targets or /labels, read into the samples-as-columns matrices the problems take.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "paraflow/core/network.hpp"

namespace paraflow {

/// Bad or unreadable data. One line: "PATH: what" or, in a CSV file, "PATH:LINE: what".
class DataFileError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// What to read as targets, and how.
struct DataOptions {
  /// CSV only: names of the target columns, in the order they become target rows; every other
  /// column is an input, in file order. Empty: the last column.
  std::vector<std::string> targets;
  /// The loss is softmax cross-entropy. Then a single target column holds class labels
  /// 0..C-1 (integers; "3" and "3.0" both mean 3), turned into one-hot targets of C rows; several
  /// target columns must be probabilities per row (>= 0, summing to 1), e.g. one-hot already.
  bool cross_entropy = false;
  /// The number of classes C when labels are read; 0: the largest label + 1. Give the training
  /// set's count when reading a validation set, which may lack the last classes.
  Index classes = 0;
};

/// A data set as the problems want it: one sample per column.
struct Dataset {
  std::string path;
  std::string
      sha256;      ///< SHA-256 of the file's bytes, 64 hex digits (records which data a run saw)
  Matrix inputs;   ///< I x N
  Matrix targets;  ///< O x N; one-hot (O = classes) when `labels`
  std::vector<std::string> input_names;   ///< I names (HDF5: x0, x1, ...)
  std::vector<std::string> target_names;  ///< the target columns as in the file (HDF5: y0, ... or
                                          ///< "label"); one name for a label column
  bool labels = false;                    ///< targets were integer class labels, now one-hot
  Index classes = 0;                      ///< C when `labels`, else 0

  Index num_samples() const { return inputs.cols(); }
  Index num_inputs() const { return inputs.rows(); }
  Index num_outputs() const { return targets.rows(); }
};

/// Reads `path`: HDF5 when the file is one (the extensions .h5/.hdf5 demand it), CSV otherwise.
///
/// CSV: the first line names the columns (comma separated, whitespace around fields ignored, a
/// field may be wrapped in double quotes if it holds no comma or quote); every further non-blank
/// line holds one sample, one decimal number per column (no hex, NaN or Inf). Line ends \n or
/// \r\n; a UTF-8 byte-order mark is skipped.
/// HDF5: /inputs float64 [N, I] (or [N]: one input); and either /targets float64 [N, O] (or
/// [N]) or /labels integer [N]. Other integer and float types are converted to double. /labels
/// always become one-hot targets (they name classes), whatever the loss.
///
/// Throws DataFileError on anything it cannot use: missing or empty file, no data rows, ragged
/// rows, non-numeric or non-finite values, unknown target names, labels that are not integers
/// >= 0, sample counts that differ, missing datasets, a file with an HDF5 extension that is not
/// HDF5. Any rank may call it; it reads the whole file.
Dataset read_dataset(const std::string& path, const DataOptions& options = {});

}  // namespace paraflow
