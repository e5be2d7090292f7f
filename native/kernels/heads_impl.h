// Activations (fused with the bias add) and loss heads for the kernel tables, on the vectorizable exp/log1p of
// math_impl.h. Included by kernels_impl.h inside each ISA's namespace; includes nothing. Loops that must reduce
// (the loss sum) first compute a block of per-element values in a vectorizable loop, then add them into 8 fixed
// double lanes (element i in lane i % 8, lanes combined ((0+1)+(2+3))+((4+5)+(6+7))): the same sum on every table.
// Formulas and their sources: native/kernels/losses.h.

static inline float Abs(float x) { return __builtin_fabsf(x); }
static inline double Abs(double x) { return __builtin_fabs(x); }

// 1/(1 + e^-z) with exp taken of -|z| only (never overflows): (z >= 0 ? 1 : e) / (1 + e), e = exp(-|z|).
template <typename T>
static inline T SigmoidOf(T z) {
  const T e = Exp(-Abs(z));
  return (z >= T(0) ? T(1) : e) / (T(1) + e);
}

template <typename T>
static void BiasActivateImpl(Act act, T param, size_t rows, size_t cols, const T* __restrict b, T* Z, T* A) {
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
        for (size_t j = 0; j < cols; j++) a[j] = SigmoidOf(z[j]);
        break;
      case Act::kTanh:
        for (size_t j = 0; j < cols; j++) a[j] = Tanh(z[j]);
        break;
      case Act::kLeakyRelu:
        for (size_t j = 0; j < cols; j++) a[j] = z[j] > T(0) ? z[j] : param * z[j];
        break;
      case Act::kElu:
        for (size_t j = 0; j < cols; j++) a[j] = z[j] > T(0) ? z[j] : param * Expm1(z[j]);
        break;
      case Act::kGelu: {
        // tanh approximation (Hendrycks & Gimpel 2016), as torch.nn.GELU(approximate='tanh')
        const T k = T(0.7978845608028654), c = T(0.044715);
        for (size_t j = 0; j < cols; j++) {
          const T x = z[j];
          a[j] = T(0.5) * x * (T(1) + Tanh(k * (x + c * x * x * x)));
        }
        break;
      }
    }
  }
}

// D[i] *= act'(Z[i]) given pre-activation Z and activation A (n elements).
template <typename T>
static void ActivationBackwardImpl(Act act, T param, size_t n, const T* __restrict Z, const T* __restrict A,
                                   T* __restrict D) {
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
        const T th = Tanh(u);
        const T du = k * (T(1) + T(3) * c * x * x);
        D[i] *= T(0.5) * (T(1) + th) + T(0.5) * x * (T(1) - th * th) * du;
      }
      break;
    }
  }
}

constexpr size_t kHeadBlock = 256;  // a multiple of 8: lane i % 8 is the same counted per block or overall

// lanes[i % 8] += l[i]
static void AddLanes(double* __restrict lanes, size_t m, const double* __restrict l) {
  size_t i = 0;
  for (; i + 8 <= m; i += 8)
    for (size_t j = 0; j < 8; j++) lanes[j] += l[i + j];
  for (size_t j = 0; i < m; i++, j++) lanes[j] += l[i];
}
static inline double SumLanes(const double* l) { return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7])); }

// wb[i] = w[row of element base + i] for m elements of k per row.
template <typename T>
static void RowWeights(const T* w, size_t k, size_t base, size_t m, T* __restrict wb) {
  size_t row = base / k, col = base % k;
  for (size_t i = 0; i < m; i++) {
    wb[i] = w[row];
    if (++col == k) {
      col = 0;
      row++;
    }
  }
}

// The element-wise heads (one target per output): f(z, y, weight, &g) returns the weighted loss of an element (in
// double) and sets g to its unweighted gradient dLoss/dz; dZ = g * weight * invScale. Blocks of kHeadBlock keep
// the per-element loop vectorizable (no reduction in it); the sum goes through the 8 fixed lanes. A weight of 1
// multiplies exactly, so the unweighted case computes the same bits as without it. kMargin: Y holds one class
// index per row and f sees y = s, +1 for the output of the row's class (one output: for class 1), else -1.
template <bool kMargin = false, typename T, typename F>
static double ElementwiseHead(size_t rows, size_t k, const T* Z, const T* Y, const T* w, T invScale, T* dZ, F f) {
  double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  double lb[kHeadBlock];
  T wb[kHeadBlock], db[kHeadBlock], sb[kHeadBlock];
  const size_t n = rows * k;
  for (size_t base = 0; base < n; base += kHeadBlock) {
    const size_t m = n - base < kHeadBlock ? n - base : kHeadBlock;
    if (w) RowWeights(w, k, base, m, wb);
    const T* __restrict z = Z + base;
    const T* __restrict y = Y + base;
    if (kMargin) {
      size_t row = base / k, col = base % k;
      for (size_t i = 0; i < m; i++) {
        const T c = Y[row];
        sb[i] = (k == 1 ? c == T(1) : c == static_cast<T>(col)) ? T(1) : T(-1);
        if (++col == k) {
          col = 0;
          row++;
        }
      }
      y = sb;
    }
    if (w)  // two loops, not a select inside one: GCC keeps the SSE2 table's loop vectorized that way
      for (size_t i = 0; i < m; i++) lb[i] = f(z[i], y[i], wb[i], db[i]);
    else
      for (size_t i = 0; i < m; i++) lb[i] = f(z[i], y[i], T(1), db[i]);
    if (dZ) {
      T* __restrict d = dZ + base;
      if (w)
        for (size_t i = 0; i < m; i++) d[i] = db[i] * wb[i] * invScale;
      else
        for (size_t i = 0; i < m; i++) d[i] = db[i] * invScale;
    }
    AddLanes(lanes, m, lb);
  }
  return SumLanes(lanes);
}

// 0.5 * sum (z - y)^2 per element (in double); gradient z - y.
template <typename T>
static double SquaredErrorImpl(size_t rows, size_t k, const T* Z, const T* Y, const T* w, T invScale, T* dZ) {
  return ElementwiseHead(rows, k, Z, Y, w, invScale, dZ, [](T z, T y, T wi, T& g) {
    const T r = z - y;
    g = r;
    const double rd = static_cast<double>(r);
    return 0.5 * static_cast<double>(wi) * rd * rd;
  });
}

// max(z, 0) - z*y + log1p(exp(-|z|)); gradient sigmoid(z) - y, one exp for both.
template <typename T>
static double SigmoidCrossEntropyImpl(size_t rows, size_t k, const T* Z, const T* Y, const T* w, T invScale, T* dZ) {
  return ElementwiseHead(rows, k, Z, Y, w, invScale, dZ, [](T z, T y, T wi, T& g) {
    const T e = Exp(-Abs(z));
    g = (z >= T(0) ? T(1) : e) / (T(1) + e) - y;
    const T l = ((z > T(0) ? z : T(0)) - z * y) + Log1pUnit(e);
    return static_cast<double>(wi) * static_cast<double>(l);
  });
}

// logsumexp(z) - z[y] per row (exp and the row sum in double, column order); gradient softmax(z) - onehot(y),
// times w * invScale. Labels were validated by the caller.
template <typename T>
static double SoftmaxCrossEntropyImpl(size_t rows, size_t k, const T* Z, const T* Y, const T* w, T invScale, T* dZ) {
  double sum = 0;
  double eb[kHeadBlock];
  for (size_t r = 0; r < rows; r++) {
    const T scale = w ? w[r] * invScale : invScale;
    const T* __restrict z = Z + r * k;
    const size_t y = static_cast<size_t>(Y[r]);
    T m = z[0];
    for (size_t j = 1; j < k; j++) m = z[j] > m ? z[j] : m;
    double s = 0;
    for (size_t j0 = 0; j0 < k; j0 += kHeadBlock) {
      const size_t c = k - j0 < kHeadBlock ? k - j0 : kHeadBlock;
      for (size_t j = 0; j < c; j++) eb[j] = ExpD(static_cast<double>(z[j0 + j] - m));
      for (size_t j = 0; j < c; j++) s += eb[j];
    }
    const double l = __builtin_log(s) - static_cast<double>(z[y] - m);
    sum += w ? static_cast<double>(w[r]) * l : l;
    if (dZ) {
      T* __restrict d = dZ + r * k;
      const double inv = 1.0 / s;
      for (size_t j = 0; j < k; j++) d[j] = static_cast<T>(ExpD(static_cast<double>(z[j] - m)) * inv) * scale;
      d[y] -= scale;
    }
  }
  return sum;
}

// The scikit-learn losses (formulas and sources: losses.h). Regression heads get (z, y); margin heads (z, s).
template <typename T>
static double RegressionLossImpl(Loss loss, double param, size_t rows, size_t k, const T* Z, const T* Y, const T* w,
                                 T invScale, T* dZ) {
  const T e = static_cast<T>(param);
  switch (loss) {
    case Loss::kHuber:
      return ElementwiseHead(rows, k, Z, Y, w, invScale, dZ, [e](T z, T y, T wi, T& g) {
        const T r = z - y, a = Abs(r);
        const bool in = a <= e;
        g = in ? r : (r > T(0) ? e : -e);
        const double rd = r, ad = a, ed = e;
        return static_cast<double>(wi) * (in ? 0.5 * rd * rd : ed * ad - 0.5 * ed * ed);
      });
    case Loss::kEpsilonInsensitive:
      return ElementwiseHead(rows, k, Z, Y, w, invScale, dZ, [e](T z, T y, T wi, T& g) {
        const T r = y - z, a = Abs(r) - e;
        g = r > e ? T(-1) : (-r > e ? T(1) : T(0));
        return static_cast<double>(wi) * (a > T(0) ? static_cast<double>(a) : 0.0);
      });
    case Loss::kSquaredEpsilonInsensitive:
      return ElementwiseHead(rows, k, Z, Y, w, invScale, dZ, [e](T z, T y, T wi, T& g) {
        const T r = y - z, a = Abs(r) - e;
        g = r > e ? T(-2) * (r - e) : (r < -e ? T(2) * (-r - e) : T(0));
        const double ad = a;
        return static_cast<double>(wi) * (a > T(0) ? ad * ad : 0.0);
      });
    case Loss::kQuantile:
      return ElementwiseHead(rows, k, Z, Y, w, invScale, dZ, [e](T z, T y, T wi, T& g) {
        const T r = y - z;
        const bool above = r >= T(0);
        g = above ? -e : T(1) - e;
        const double rd = r, q = e;
        return static_cast<double>(wi) * (above ? q * rd : (q - 1.0) * rd);
      });
    case Loss::kTweedie:
      if (param != 1 && param != 2) {
        const T a1 = static_cast<T>(2 - param), b1 = static_cast<T>(1 - param);
        return ElementwiseHead(rows, k, Z, Y, w, invScale, dZ, [a1, b1](T z, T y, T wi, T& g) {
          const T a = Exp(a1 * z), b = Exp(b1 * z);
          g = a - y * b;
          return static_cast<double>(wi) * (static_cast<double>(a) / static_cast<double>(a1) -
                                            static_cast<double>(y) * static_cast<double>(b) / static_cast<double>(b1));
        });
      }
      if (param == 2) return RegressionLossImpl(Loss::kGamma, 0, rows, k, Z, Y, w, invScale, dZ);
      [[fallthrough]];
    case Loss::kPoisson:
      return ElementwiseHead(rows, k, Z, Y, w, invScale, dZ, [](T z, T y, T wi, T& g) {
        const T m = Exp(z);
        g = m - y;
        return static_cast<double>(wi) * (static_cast<double>(m) - static_cast<double>(y) * static_cast<double>(z));
      });
    case Loss::kGamma:
      return ElementwiseHead(rows, k, Z, Y, w, invScale, dZ, [](T z, T y, T wi, T& g) {
        const T m = Exp(-z);
        g = T(1) - y * m;
        return static_cast<double>(wi) * (static_cast<double>(z) + static_cast<double>(y) * static_cast<double>(m));
      });
    default:
      return 0;
  }
}

template <typename T>
static double MarginLossImpl(Loss loss, size_t rows, size_t k, const T* Z, const T* Y, const T* w, T invScale, T* dZ) {
  switch (loss) {
    case Loss::kLog:  // log(1 + e^-m) = max(-m, 0) + log1p(e^-|m|); d/dz = -s * sigmoid(-m)
      return ElementwiseHead<true>(rows, k, Z, Y, w, invScale, dZ, [](T z, T s, T wi, T& g) {
        const T m = s * z, e = Exp(-Abs(m));
        g = -s * ((m >= T(0) ? e : T(1)) / (T(1) + e));
        const T l = (m < T(0) ? -m : T(0)) + Log1pUnit(e);
        return static_cast<double>(wi) * static_cast<double>(l);
      });
    case Loss::kHinge:
      return ElementwiseHead<true>(rows, k, Z, Y, w, invScale, dZ, [](T z, T s, T wi, T& g) {
        const T m = s * z;
        g = m <= T(1) ? -s : T(0);
        return static_cast<double>(wi) * (m <= T(1) ? 1.0 - static_cast<double>(m) : 0.0);
      });
    case Loss::kPerceptron:
      return ElementwiseHead<true>(rows, k, Z, Y, w, invScale, dZ, [](T z, T s, T wi, T& g) {
        const T m = s * z;
        g = m <= T(0) ? -s : T(0);
        return static_cast<double>(wi) * (m <= T(0) ? -static_cast<double>(m) : 0.0);
      });
    case Loss::kSquaredHinge:
      return ElementwiseHead<true>(rows, k, Z, Y, w, invScale, dZ, [](T z, T s, T wi, T& g) {
        const T t = T(1) - s * z;
        g = t > T(0) ? T(-2) * s * t : T(0);
        const double td = t;
        return static_cast<double>(wi) * (t > T(0) ? td * td : 0.0);
      });
    case Loss::kModifiedHuber:
      return ElementwiseHead<true>(rows, k, Z, Y, w, invScale, dZ, [](T z, T s, T wi, T& g) {
        const T m = s * z, t = T(1) - m;
        g = m >= T(1) ? T(0) : (m >= T(-1) ? T(-2) * s * t : T(-4) * s);
        const double td = t;
        return static_cast<double>(wi) * (m >= T(1) ? 0.0 : (m >= T(-1) ? td * td : -4.0 * static_cast<double>(m)));
      });
    default:
      return 0;
  }
}

template <typename T>
static double LossImpl(Loss loss, double param, size_t rows, size_t k, const T* Z, const T* Y, const T* w, T invScale,
                       T* dZ) {
  switch (loss) {
    case Loss::kSquaredError: return SquaredErrorImpl(rows, k, Z, Y, w, invScale, dZ);
    case Loss::kSigmoidCrossEntropy: return SigmoidCrossEntropyImpl(rows, k, Z, Y, w, invScale, dZ);
    case Loss::kSoftmaxCrossEntropy: return SoftmaxCrossEntropyImpl(rows, k, Z, Y, w, invScale, dZ);
    case Loss::kLog:
    case Loss::kHinge:
    case Loss::kSquaredHinge:
    case Loss::kModifiedHuber:
    case Loss::kPerceptron: return MarginLossImpl(loss, rows, k, Z, Y, w, invScale, dZ);
    default: return RegressionLossImpl(loss, param, rows, k, Z, Y, w, invScale, dZ);
  }
}

template <typename T>
static void ExpImpl(size_t n, const T* __restrict x, T* __restrict y) {
  for (size_t i = 0; i < n; i++) y[i] = Exp(x[i]);
}
template <typename T>
static void Log1pUnitImpl(size_t n, const T* __restrict x, T* __restrict y) {
  for (size_t i = 0; i < n; i++) y[i] = Log1pUnit(x[i]);
}
