// Every option of `paraflow run`, resolved: what determines a run, recorded in its run file.
#pragma once

#include <cstdint>
#include <string>

#include "paraflow/io/run_file.hpp"

namespace paraflow {

struct RunConfig {
  static constexpr std::int64_t kKeepRecorded = -2;

  std::string problem = "classification";  ///< a paper problem, or "data" (a user's file)
  // --problem data: the file, the network and the loss (empty elsewhere)
  std::string data;         ///< CSV or HDF5 file (io/data_file.hpp)
  std::string data_sha256;  ///< its content hash, recorded; a resume refuses other contents
  std::string hidden;       ///< hidden layer widths, "32,32"
  std::string activation;   ///< of the hidden layers: sigmoid | tanh | relu | linear
  std::string loss;         ///< mse | cross-entropy
  std::string targets;      ///< CSV target columns, "a,b" ("" = the last column)
  std::string validation;   ///< held-out data, same format: scored, never trained on ("" = none)
  std::string validation_sha256;  ///< its content hash, recorded; a resume refuses other contents
  std::string embed_data;  ///< auto | yes | no: the data in the run file (auto: up to 16 MiB)
  std::string method = "paraflows";
  std::int64_t batch_size = 0;    ///< d_B; 0 = full batch
  double eta = 0.01;              ///< eta_F (SGD's step)
  std::int64_t nf = 100;          ///< N_F
  std::int64_t ng = 10;           ///< N_G
  double eta_coarse = 0;          ///< eta_G; 0 = N_F eta_F
  std::int64_t budget = 1000000;  ///< with resume: 0 = keep the recorded budget
  std::string reduction;          ///< "" = the problem's paper default
  std::string init_guess = "copy";
  std::string init_scheme;  ///< "" = the problem's default
  bool accept_first = false;
  std::uint64_t seed = 1;
  std::int64_t data_ranks = 1;         ///< Q: ranks sharing every gradient (time groups = P / Q)
  std::string data_sum = "allreduce";  ///< how the Q ranks add their parts: allreduce | shared
  std::int64_t max_iterations = -1;    ///< < 0: none; with resume: kKeepRecorded keeps the file's
  double wall_time = -1;
  std::int64_t history_every = 0;  ///< 0 = auto (every iteration; SGD: every ceil(N/d_B) steps)
  std::string history_spacing;     ///< linear | log ("" = log for SGD, linear otherwise)
  std::string init_file;
  std::string output;
  std::string resume;
  double checkpoint_every = 0;  ///< seconds; 0 = only at the end
  double log_interval = 1.0;    ///< seconds between progress lines

  /// Fills the "" / 0 defaults that depend on the problem and checks ranges; throws
  /// std::invalid_argument with a one-line message naming the option.
  void resolve(std::int64_t num_samples);
  /// The part of resolve() that the problem's construction needs (its name, data and network).
  void resolve_problem();
  /// The options as /options attributes (names are the long options).
  Attributes to_attributes() const;
  static RunConfig from_attributes(const Attributes& options);
};

}  // namespace paraflow
