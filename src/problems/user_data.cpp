#include "paraflow/problems/user_data.hpp"

#include <cstdio>
#include <stdexcept>

#include "../physical_memory.hpp"
#include "paraflow/problems/cross_entropy.hpp"
#include "paraflow/problems/data_fit.hpp"

namespace paraflow {

std::vector<std::string> parse_names(const std::string& text) {
  std::vector<std::string> names;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t comma = std::min(text.find(',', at), text.size());
    names.push_back(text.substr(at, comma - at));
    at = comma + 1;
  }
  return names;
}

std::vector<int> parse_widths(const std::string& text, const std::string& option) {
  std::vector<int> widths;
  for (const std::string& part : parse_names(text)) {
    const bool digits = !part.empty() && part.size() <= 6 &&
                        part.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoi(part) < 1)
      throw std::invalid_argument("--" + option + " '" + text +
                                  "' is not a comma-separated list of layer widths (e.g. 32,32)");
    widths.push_back(std::stoi(part));
  }
  if (widths.empty()) throw std::invalid_argument("--" + option + " needs at least one width");
  return widths;
}

Network data_network(const Dataset& data, const UserDataSpec& spec) {
  std::vector<int> layers{int(data.num_inputs())};
  layers.insert(layers.end(), spec.hidden.begin(), spec.hidden.end());
  layers.push_back(int(data.num_outputs()));
  Network network(layers, spec.activation, Activation::linear);
  // Training holds at least the weights and a gradient: refuse what cannot fit in one line,
  // rather than meet bad_alloc or the OOM killer later.
  const double bytes = double(network.num_parameters()) * sizeof(double);
  if (const double memory = physical_memory_bytes(); memory > 0 && 2 * bytes > memory) {
    char line[160];
    std::snprintf(line, sizeof line,
                  "the network has %.3g weights (%.3g GB per copy; training holds several), "
                  "more than this machine's %.3g GB of memory",
                  double(network.num_parameters()), bytes / 1e9, memory / 1e9);
    throw std::invalid_argument("--hidden: " + std::string(line));
  }
  return network;
}

std::unique_ptr<NetworkProblem> make_data_problem(const Dataset& data, const UserDataSpec& spec) {
  const Network network = data_network(data, spec);
  if (spec.cross_entropy)
    return std::make_unique<CrossEntropyProblem>("data", network, data.inputs, data.targets,
                                                 spec.reduction);
  return std::make_unique<DataFitProblem>("data", network, data.inputs, data.targets,
                                          spec.reduction);
}

double accuracy_of(NetworkProblem& problem, const Vector& params) {
  if (auto* classifier = dynamic_cast<CrossEntropyProblem*>(&problem))
    return classifier->accuracy(params);
  return -1;
}

}  // namespace paraflow
