// paraflow info: a short human summary of a run file.
#include <cstdio>
#include <iostream>

#include "cli.hpp"
#include "commands.hpp"
#include "paraflow/io/run_file.hpp"

namespace paraflow::cli {

namespace {
std::string text(const Attribute& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  char number[32];
  std::snprintf(number, sizeof number, "%.6g", std::get<double>(value));
  return number;
}
std::string option(const RunRecord& r, const char* name) {
  auto it = r.options.find(name);
  return it == r.options.end() ? "?" : text(it->second);
}
}  // namespace

int command_info(const std::vector<std::string>& args) {
  po::options_description options("Options of 'paraflow info'");
  options.add_options()("help,h", "this help")("file", po::value<std::string>()->required(),
                                               "the run file");
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map values;
  if (!parse(args, options, values, "usage: paraflow info FILE", &positional)) return 0;
  const auto path = values["file"].as<std::string>();
  const RunRecord r = read_run_file(path);
  if (rank_of_world() != 0) return 0;
  std::string layers;
  for (int n : r.network.layers()) {  // appended: GCC 12 warns falsely (-Wrestrict) on "," + s
    if (!layers.empty()) layers += ',';
    layers += std::to_string(n);
  }
  std::cout << path << ": ParaFlow run file (paraflow " << r.paraflow_version << ", revision "
            << r.git_revision << ", created " << r.created << ")\n"
            << "  build     " << (r.build.empty() ? "not recorded" : r.build) << "\n"
            << "  problem   " << r.problem << ", network [" << layers << "] "
            << to_string(r.network.hidden_activation()) << "/"
            << to_string(r.network.output_activation()) << ", " << r.network.num_parameters()
            << " parameters\n"
            << "  method    " << option(r, "method") << ", d_B=" << option(r, "batch-size")
            << " eta=" << option(r, "eta") << " N_F=" << option(r, "nf")
            << " N_G=" << option(r, "ng") << " eta_G=" << option(r, "eta-coarse")
            << " reduction=" << option(r, "reduction") << " seed=" << option(r, "seed")
            << " ranks=" << option(r, "ranks") << "\n";
  if (r.data_reference)
    std::cout << "  data      " << r.data_reference->samples << " samples in "
              << r.data_reference->file << " (sha256 " << r.data_reference->sha256.substr(0, 16)
              << "..., not embedded)\n";
  else if (r.inputs.cols() > 0)
    std::cout << "  data      " << r.inputs.cols() << " samples, embedded\n";
  if (r.history.empty()) {
    std::cout << "  history   empty\n";
  } else {
    const auto& first = r.history.front();
    const auto& last = r.history.back();
    std::printf(
        "  history   %zu entries; loss %.6g -> %.6g\n"
        "  budget    %lld of %s per-sample gradients (critical path %lld), %lld iterations, "
        "%.3f s\n",
        r.history.size(), first.loss, last.loss, (long long)last.budget,
        option(r, "budget").c_str(), (long long)last.critical_path_budget,
        (long long)last.iteration, last.wall_time);
  }
  auto reason = r.state.find("stop_reason");
  std::cout << "  stopped   " << (reason == r.state.end() ? "?" : text(reason->second)) << "\n"
            << "  command   " << r.command_line << std::endl;
  return 0;
}

}  // namespace paraflow::cli
