// The runs of a `paraflow table` job: each trained on MPI_COMM_SELF, or read back from (or
// resumed in) --runs-dir; SGD at several budgets from one chain of resumed runs; F alone.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "paraflow/driver/run.hpp"

namespace paraflow::cli {

// Where a run's result came from: --runs-dir keeps a sweep's work, so a run whose file is there
// with the same options is read back (finished) or resumed (a checkpoint), not run again.
enum class Source { computed, reused, resumed, copied };

struct Trained {
  double loss;
  double seconds;  ///< the wall time this run added to the run it continues (or all of it)
  std::int64_t spent;
  double initial = 0;  ///< L(W_0)
  bool diverged = false;
  Source source = Source::computed;
};

// A kept run file must be the run this sweep wants; any other (another --ng, --accept-first or
// --reduction given the same --runs-dir) is refused rather than overwritten. A run that diverged
// within a smaller budget is also the run with this one (it stops there either way).
void check_same_run(RunConfig wanted, const RunResult& kept, std::int64_t num_samples,
                    const std::string& file);

// Runs `wanted` (its output set: a --runs-dir or scratch file), or continues `from` (a run file
// of the same run with a smaller budget) to wanted.budget. A file already at wanted.output with
// wanted's options is read back when it finished and resumed when it is a checkpoint.
Trained train(const RunConfig& wanted, std::int64_t num_samples, const std::string& from = "");

// A folder for the run files that chain SGD's budgets when the sweep keeps none, removed after.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name);  ///< in the temporary directory, emptied
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// SGD's losses at several budgets (ascending, distinct) from one run: SGD with budget b is the
// first b / d_B steps of every longer SGD run of its seed (step j draws batch (seed, 0, j)), and
// a resumed run continues bit-identically, so each budget resumes the run file of the one before
// (outputs[i]). It costs one SGD run to the largest budget, not one per budget. A budget of 0
// (F diverged in a cell of F alone) is W_0's loss; once SGD diverges, every longer run ends with
// the same last finite weights.
std::vector<Trained> sgd_at_budgets(const RunConfig& sgd, const std::vector<std::int64_t>& budgets,
                                    const std::vector<std::string>& outputs,
                                    std::int64_t num_samples);

// ParaFlowS in a cell where F leaves no room for one coarse step (the paper's "–" rule,
// d_B N_F <= budget < d_B N_F + N): run_training refuses ParaFlowS there, so its one iteration is
// done by hand. Alg. 2's first candidate is f_0 = F(W_0) itself (line 7 with n = 0) and needs no
// G; F(W_0) is bitwise the first N_F steps of SGD (the same batches, docs/algorithms.md), i.e. an
// SGD run with budget d_B N_F. Line 8 keeps W_0 unless L(f_0) < L(W_0) (--accept-first: unless
// L(f_0) is not finite). Spent: d_B N_F (0 when F diverged, as ParaFlowS stops before charging).
Trained fine_alone(const RunConfig& fine, bool accept_first, std::int64_t num_samples);

}  // namespace paraflow::cli
