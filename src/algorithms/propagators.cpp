#include "paraflow/algorithms/propagators.hpp"

#include <cmath>
#include <typeinfo>

namespace paraflow {

SgdStep::SgdStep(Problem& problem, Index batch_size, double eta)
    : problem_(problem),
      sampler_(problem.num_samples(), batch_size),
      gradient_(problem.num_parameters()),
      eta_(eta) {}

double SgdStep::step(Vector& w, Random& random) {
  const double loss = problem_.loss_and_gradient(w, sampler_.draw(random), gradient_);
  if (std::isfinite(loss)) w.noalias() -= eta_ * gradient_;
  return loss;
}

FinePropagator::FinePropagator(Problem& problem, Index batch_size, double eta, std::int64_t steps,
                               std::uint64_t seed)
    : problem_(problem), step_(problem, batch_size, eta), steps_(steps), seed_(seed) {}

bool FinePropagator::advance(Vector& w, std::uint64_t slice, std::uint64_t first_step) {
  for (std::int64_t s = 0; s < steps_; ++s) {
    Random random = Random::stream(seed_, slice, first_step + std::uint64_t(s));
    if (!std::isfinite(step_.step(w, random))) return false;
  }
  return true;
}

bool FinePropagator::deterministic() const {
  return typeid(*this) == typeid(FinePropagator) && step_.batch_size() == problem_.num_samples();
}

CoarsePropagator::CoarsePropagator(Problem& problem, double eta)
    : problem_(problem), gradient_(problem.num_parameters()), eta_(eta) {}

double CoarsePropagator::advance(const Vector& in, Vector& out) {
  const double loss = problem_.loss_and_gradient(in, problem_.all_samples(), gradient_);
  out = in;
  out.noalias() -= eta_ * gradient_;
  return loss;
}

}  // namespace paraflow
