// Elementwise activations and their derivatives, written in terms of the activation's value
// a = sigma(z) so the backward pass needs no stored pre-activations.
#pragma once

#include <Eigen/Core>
#include <string>

#include "paraflow/core/vectorized_tanh.hpp"

namespace paraflow {

enum class Activation { sigmoid, tanh, linear, relu };
Activation parse_activation(const std::string& name);
std::string to_string(Activation activation);

namespace activation {

/// sigma and its first three derivatives, as functions of a = sigma(z).
struct Sigmoid {
  template <class A>
  static auto value(const A& z) {
    return (1.0 + (-z).exp()).inverse();
  }
  template <class A>
  static auto d1(const A& a) {
    return a * (1.0 - a);
  }
  template <class A>
  static auto d2(const A& a) {
    return a * (1.0 - a) * (1.0 - 2.0 * a);
  }
  // s''' = s'(1 - 6s + 6s^2)
  template <class A>
  static auto d3(const A& a) {
    return a * (1.0 - a) * (1.0 - 6.0 * a * (1.0 - a));
  }
};

struct Tanh {
  template <class A>
  static auto value(const A& z) {
    return z.unaryExpr(VectorizedTanhOp{});
  }
  template <class A>
  static auto d1(const A& a) {
    return 1.0 - a.square();
  }
  template <class A>
  static auto d2(const A& a) {
    return -2.0 * a * (1.0 - a.square());
  }
  // t''' = (1 - t^2)(6 t^2 - 2)
  template <class A>
  static auto d3(const A& a) {
    return (1.0 - a.square()) * (6.0 * a.square() - 2.0);
  }
};

struct Linear {
  template <class A>
  static auto value(const A& z) {
    return z;
  }
  template <class A>
  static auto d1(const A& a) {
    return A::PlainObject::Constant(a.rows(), a.cols(), 1.0);
  }
  template <class A>
  static auto d2(const A& a) {
    return A::PlainObject::Zero(a.rows(), a.cols());
  }
  template <class A>
  static auto d3(const A& a) {
    return A::PlainObject::Zero(a.rows(), a.cols());
  }
};

/// max(z, 0): piecewise linear, so its second and third derivatives are Linear's (zero; a PINN's
/// Laplacian through it vanishes: use it for data fits). Its derivative at z = 0 is taken as 0.
struct Relu : Linear {
  template <class A>
  static auto value(const A& z) {
    return z.max(0.0);
  }
  template <class A>
  static auto d1(const A& a) {
    return (a > 0.0).template cast<double>();
  }
};

/// Calls f(Sigmoid{}) / f(Tanh{}) / f(Relu{}) / f(Linear{}): one switch outside the elementwise
/// loops.
template <class F>
decltype(auto) dispatch(Activation activation, F&& f) {
  switch (activation) {
    case Activation::sigmoid:
      return f(Sigmoid{});
    case Activation::tanh:
      return f(Tanh{});
    case Activation::relu:
      return f(Relu{});
    case Activation::linear:
      break;
  }
  return f(Linear{});
}

}  // namespace activation
}  // namespace paraflow
