// Activations fused with the bias add (forward) and with the incoming gradient (backward).
// Sigmoid never overflows: exp is only taken of a non-positive number.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace descent {

// Activations in the order of lib/engine/spec.ts (spec.def): the binding maps names to these.
enum class Act : int32_t {
#define DESCENT_ACTIVATION(e, name, paramDefault) e,
#include "spec.def"
};

template <typename T>
inline T StableSigmoid(T z) {
  if (z >= T(0)) return T(1) / (T(1) + std::exp(-z));
  const T e = std::exp(z);
  return e / (T(1) + e);
}

// A[r, j] = act(Z[r, j] + b[j]) and Z keeps the pre-activation (needed by backward). b may be null.
template <typename T>
void BiasActivate(Act act, T param, size_t rows, size_t cols, const T* b, T* Z, T* A) {
  for (size_t r = 0; r < rows; r++) {
    T* z = Z + r * cols;
    T* a = A + r * cols;
    if (b != nullptr)
      for (size_t j = 0; j < cols; j++) z[j] += b[j];
    switch (act) {
      case Act::kLinear:
        if (a != z)
          for (size_t j = 0; j < cols; j++) a[j] = z[j];
        break;
      case Act::kRelu:
        for (size_t j = 0; j < cols; j++) a[j] = z[j] > T(0) ? z[j] : T(0);
        break;
      case Act::kSigmoid:
        for (size_t j = 0; j < cols; j++) a[j] = StableSigmoid(z[j]);
        break;
      case Act::kTanh:
        for (size_t j = 0; j < cols; j++) a[j] = std::tanh(z[j]);
        break;
      case Act::kLeakyRelu:
        for (size_t j = 0; j < cols; j++) a[j] = z[j] > T(0) ? z[j] : param * z[j];
        break;
      case Act::kElu:
        for (size_t j = 0; j < cols; j++) a[j] = z[j] > T(0) ? z[j] : param * std::expm1(z[j]);
        break;
      case Act::kGelu: {
        // tanh approximation (Hendrycks & Gimpel 2016), as torch.nn.GELU(approximate='tanh')
        const T k = T(0.7978845608028654), c = T(0.044715);
        for (size_t j = 0; j < cols; j++) {
          const T x = z[j];
          a[j] = T(0.5) * x * (T(1) + std::tanh(k * (x + c * x * x * x)));
        }
        break;
      }
    }
  }
}

// D[i] *= act'(Z[i]) given pre-activation Z and activation A (n elements).
template <typename T>
void ActivationBackward(Act act, T param, size_t n, const T* Z, const T* A, T* D) {
  switch (act) {
    case Act::kLinear:
      break;
    case Act::kRelu:
      for (size_t i = 0; i < n; i++) D[i] = Z[i] > T(0) ? D[i] : T(0);
      break;
    case Act::kSigmoid:
      for (size_t i = 0; i < n; i++) D[i] *= A[i] * (T(1) - A[i]);
      break;
    case Act::kTanh:
      for (size_t i = 0; i < n; i++) D[i] *= T(1) - A[i] * A[i];
      break;
    case Act::kLeakyRelu:
      for (size_t i = 0; i < n; i++) D[i] = Z[i] > T(0) ? D[i] : param * D[i];
      break;
    case Act::kElu:
      for (size_t i = 0; i < n; i++) D[i] = Z[i] > T(0) ? D[i] : D[i] * (A[i] + param);
      break;
    case Act::kGelu: {
      const T k = T(0.7978845608028654), c = T(0.044715);
      for (size_t i = 0; i < n; i++) {
        const T x = Z[i];
        const T u = k * (x + c * x * x * x);
        const T th = std::tanh(u);
        const T du = k * (T(1) + T(3) * c * x * x);
        D[i] *= T(0.5) * (T(1) + th) + T(0.5) * x * (T(1) - th * th) * du;
      }
      break;
    }
  }
}

}  // namespace descent
