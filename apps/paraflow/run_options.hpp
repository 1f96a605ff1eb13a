// The options of `paraflow run` and the RunConfig they give, apart from running it, so that the
// fuzz targets in tests/fuzz go through exactly the CLI's parsing and checks.
#pragma once

#include "cli.hpp"
#include "paraflow/driver/run_config.hpp"

namespace paraflow::cli {

/// Every option of `paraflow run`, with its default.
po::options_description run_options();

/// The RunConfig of parsed options (before RunConfig::resolve). Throws UsageError on a bad
/// number, an option that means nothing for the method, or one that --resume cannot change.
RunConfig config_from(const po::variables_map& values);

}  // namespace paraflow::cli
