#include "paraflow/core/network.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "paraflow/core/random.hpp"

namespace paraflow {

Activation parse_activation(const std::string& name) {
  if (name == "sigmoid") return Activation::sigmoid;
  if (name == "tanh") return Activation::tanh;
  if (name == "relu") return Activation::relu;
  if (name == "linear") return Activation::linear;
  throw std::invalid_argument("unknown activation '" + name + "' (sigmoid, tanh, relu, linear)");
}

std::string to_string(Activation activation) {
  switch (activation) {
    case Activation::sigmoid:
      return "sigmoid";
    case Activation::tanh:
      return "tanh";
    case Activation::relu:
      return "relu";
    case Activation::linear:
      return "linear";
  }
  return "?";
}

InitScheme parse_init_scheme(const std::string& name) {
  if (name == "uniform") return InitScheme::uniform;
  if (name == "glorot-uniform") return InitScheme::glorot_uniform;
  if (name == "normal-half") return InitScheme::normal_half;
  throw std::invalid_argument("unknown initialisation '" + name +
                              "' (uniform, glorot-uniform, normal-half)");
}

std::string to_string(InitScheme scheme) {
  switch (scheme) {
    case InitScheme::uniform:
      return "uniform";
    case InitScheme::glorot_uniform:
      return "glorot-uniform";
    case InitScheme::normal_half:
      return "normal-half";
  }
  return "?";
}

Network::Network(std::vector<int> layers, Activation hidden, Activation output)
    : layers_(std::move(layers)), hidden_(hidden), output_(output) {
  if (layers_.size() < 2) throw std::invalid_argument("a network needs at least two layers");
  for (int n : layers_)
    if (n < 1) throw std::invalid_argument("every layer needs at least one unit");
  offsets_.assign(1, 0);
  for (int l = 1; l < num_layers(); ++l)
    offsets_.push_back(offsets_.back() + Index(layers_[l]) * layers_[l - 1] + layers_[l]);
}

int Network::max_width() const {
  return *std::max_element(layers_.begin(), layers_.end());
}

Eigen::Map<const Matrix> Network::weight(const Vector& params, int l) const {
  return {params.data() + weight_offset(l), layers_[l], layers_[l - 1]};
}
Eigen::Map<Matrix> Network::weight(Vector& params, int l) const {
  return {params.data() + weight_offset(l), layers_[l], layers_[l - 1]};
}
Eigen::Map<const Vector> Network::bias(const Vector& params, int l) const {
  return {params.data() + bias_offset(l), layers_[l]};
}
Eigen::Map<Vector> Network::bias(Vector& params, int l) const {
  return {params.data() + bias_offset(l), layers_[l]};
}

Vector Network::initial_parameters(InitScheme scheme, std::uint64_t seed) const {
  Vector params(num_parameters());
  Random random(seed);
  for (int l = 1; l < num_layers(); ++l) {
    auto w = weight(params, l);
    auto b = bias(params, l);
    switch (scheme) {
      case InitScheme::uniform:
        for (Index i = 0; i < w.size(); ++i) w.data()[i] = random.uniform(-1.0, 1.0);
        for (Index i = 0; i < b.size(); ++i) b[i] = random.uniform(-1.0, 1.0);
        break;
      case InitScheme::glorot_uniform: {
        const double r = std::sqrt(6.0 / (layers_[l - 1] + layers_[l]));
        for (Index i = 0; i < w.size(); ++i) w.data()[i] = random.uniform(-r, r);
        b.setZero();
        break;
      }
      case InitScheme::normal_half:
        for (Index i = 0; i < w.size(); ++i) w.data()[i] = 0.5 * random.normal();
        for (Index i = 0; i < b.size(); ++i) b[i] = 0.5 * random.normal();
        break;
    }
  }
  return params;
}

}  // namespace paraflow
