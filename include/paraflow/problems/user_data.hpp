// A problem from a user's own data file: a fully connected network sized by the data, trained by
// the squared error (mse) or softmax cross-entropy.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "paraflow/io/data_file.hpp"
#include "paraflow/problems/problem.hpp"

namespace paraflow {

/// What `paraflow run --problem data` is given besides the file.
struct UserDataSpec {
  std::vector<int> hidden = {32, 32};  ///< widths of the hidden layers
  Activation activation = Activation::tanh;
  bool cross_entropy = false;        ///< softmax cross-entropy, else mse (the paper's loss)
  std::vector<std::string> targets;  ///< CSV target columns (empty: the last one)
  Reduction reduction = Reduction::mean;
};

/// "32,32" -> {32, 32}; throws std::invalid_argument naming `option` on anything else.
std::vector<int> parse_widths(const std::string& text, const std::string& option);
/// "a,b" -> {"a", "b"} (empty text: none).
std::vector<std::string> parse_names(const std::string& text);

/// The network [I, hidden..., O] for `data` with `spec`'s activation: a linear output for mse
/// (regression) and for cross-entropy (logits).
Network data_network(const Dataset& data, const UserDataSpec& spec);

/// The problem for `data` (a DataFitProblem or a CrossEntropyProblem named "data").
std::unique_ptr<NetworkProblem> make_data_problem(const Dataset& data, const UserDataSpec& spec);

/// Fraction of samples classified right, for problems that classify (cross-entropy); < 0 else.
double accuracy_of(NetworkProblem& problem, const Vector& params);

}  // namespace paraflow
