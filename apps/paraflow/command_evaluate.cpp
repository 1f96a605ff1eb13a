// paraflow evaluate: loss and full-batch gradient at the weights of a run file.
#include <cstdio>
#include <memory>

#include "cli.hpp"
#include "commands.hpp"
#include "paraflow/io/data_file.hpp"
#include "paraflow/io/run_file.hpp"
#include "paraflow/problems/cross_entropy.hpp"
#include "paraflow/problems/data_fit.hpp"
#include "paraflow/problems/poisson.hpp"
#include "paraflow/problems/user_data.hpp"

namespace paraflow::cli {

namespace {

// The data a run file names instead of embedding it (--embed-data), read again and checked.
void read_referenced_data(RunRecord& r, const std::string& path, bool cross_entropy) {
  const DataReference& ref = *r.data_reference;
  const std::string targets =
      r.options.count("targets") ? attribute<std::string>(r.options, path + ": /options", "targets")
                                 : std::string();
  const Dataset data = read_dataset(ref.file, {parse_names(targets), cross_entropy,
                                               cross_entropy ? r.network.layers().back() : 0});
  if (data.sha256 != ref.sha256)
    throw std::invalid_argument(path + ": its data file " + ref.file +
                                " changed since the run (sha256 " + data.sha256.substr(0, 16) +
                                "..., recorded " + ref.sha256.substr(0, 16) + "...)");
  r.inputs = data.inputs;
  r.targets = data.targets;
}

// The problem a run file describes: its network, its data and its reduction.
std::unique_ptr<NetworkProblem> problem_of(RunRecord& r, const std::string& path) {
  const Reduction reduction =
      parse_reduction(attribute<std::string>(r.options, path + ": /options", "reduction"));
  if (r.problem == "poisson")
    return std::make_unique<PoissonProblem>(r.network, r.collocation, r.boundary, reduction);
  const bool cross_entropy =
      r.options.count("loss") &&
      attribute<std::string>(r.options, path + ": /options", "loss") == "cross-entropy";
  if (r.data_reference) read_referenced_data(r, path, cross_entropy);
  if (cross_entropy)
    return std::make_unique<CrossEntropyProblem>(r.problem, r.network, r.inputs, r.targets,
                                                 reduction);
  return std::make_unique<DataFitProblem>(r.problem, r.network, r.inputs, r.targets, reduction);
}

}  // namespace

int command_evaluate(const std::vector<std::string>& args) {
  po::options_description options("Options of 'paraflow evaluate'");
  options.add_options()("help,h", "this help")("weights", po::value<std::string>()->required(),
                                               "run file with the weights and data")(
      "output", po::value<std::string>(), "run file to write with /gradient (default: --weights)");
  po::variables_map values;
  if (!parse(args, options, values, "usage: paraflow evaluate --weights FILE [--output FILE]"))
    return 0;
  const auto path = values["weights"].as<std::string>();
  RunRecord record = read_run_file(path);
  auto problem = problem_of(record, path);
  if (record.data_reference) record.inputs.resize(0, 0), record.targets.resize(0, 0);
  Vector gradient(problem->num_parameters());
  const double loss = problem->loss_and_gradient(record.weights, problem->all_samples(), gradient);
  record.gradient = gradient;
  record.gradient_loss = loss;
  const auto output = values.count("output") ? values["output"].as<std::string>() : path;
  if (rank_of_world() == 0) {
    write_run_file(output, record);
    std::printf("loss=%.17g gradient_norm=%.17g output=%s\n", loss, gradient.norm(),
                output.c_str());
  }
  return 0;
}

}  // namespace paraflow::cli
