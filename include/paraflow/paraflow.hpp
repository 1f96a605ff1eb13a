// ParaFlow in one include: every public header, layer by layer. Each layer uses only the ones
// above it (docs/library.md draws them); include a single header instead to compile less.
#pragma once

// core: the network, its derivatives, random numbers, budgets, histories, timers
#include "paraflow/core/activation.hpp"
#include "paraflow/core/budget.hpp"
#include "paraflow/core/feedforward.hpp"
#include "paraflow/core/history.hpp"
#include "paraflow/core/network.hpp"
#include "paraflow/core/random.hpp"
#include "paraflow/core/timer.hpp"
#include "paraflow/core/version.hpp"

// io: strict numbers, hashes, users' data files, run files
#include "paraflow/io/data_file.hpp"
#include "paraflow/io/decimal.hpp"
#include "paraflow/io/run_file.hpp"
#include "paraflow/io/sha256.hpp"

// problems: the training loss L(W) and its gradient
#include "paraflow/problems/cross_entropy.hpp"
#include "paraflow/problems/data_fit.hpp"
#include "paraflow/problems/gradient_check.hpp"
#include "paraflow/problems/paper.hpp"
#include "paraflow/problems/poisson.hpp"
#include "paraflow/problems/problem.hpp"
#include "paraflow/problems/user_data.hpp"

// parallel: time x data rank layouts, data-parallel gradients
#include "paraflow/parallel/data_parallel_problem.hpp"
#include "paraflow/parallel/rank_layout.hpp"

// algorithms: F and G, SGD, Parareal, ParaFlowS (Alg. 2), ParaFlow (Alg. 1), the trainer
#include "paraflow/algorithms/method.hpp"
#include "paraflow/algorithms/paraflow.hpp"
#include "paraflow/algorithms/paraflows.hpp"
#include "paraflow/algorithms/parareal.hpp"
#include "paraflow/algorithms/propagators.hpp"
#include "paraflow/algorithms/sgd.hpp"
#include "paraflow/algorithms/trainer.hpp"

// driver: one run end to end from options, as `paraflow run` does it
#include "paraflow/driver/run.hpp"
#include "paraflow/driver/run_config.hpp"
