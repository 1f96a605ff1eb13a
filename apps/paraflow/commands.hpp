// The subcommands of `paraflow`; each returns the process exit status.
#pragma once

#include <string>
#include <vector>

namespace paraflow::cli {

/// Exit status of a run that stopped on a signal after writing its checkpoint (requeue me).
constexpr int kExitCheckpointed = 3;
/// Exit status of a run whose loss became NaN/Inf.
constexpr int kExitDiverged = 4;

int command_run(const std::vector<std::string>& args, const std::string& command_line);
int command_evaluate(const std::vector<std::string>& args);
int command_info(const std::vector<std::string>& args);
int command_table(const std::vector<std::string>& args);

}  // namespace paraflow::cli
