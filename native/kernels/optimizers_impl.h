// Kernel bodies of the fused optimizer updates, part of the shared kernel body (kernels_impl.h): compiled once
// per ISA inside its own namespace with that unit's target flags. No std templates here: an inline template
// instantiated under different target flags in two units would be merged by the linker (ODR), and the
// reference table could end up running AVX-512 code.
// Expects: namespace-level context with descent::OptConfig, StepScalars visible.

// Every kernel of the engine table (spec.def) needs a case in StepImpl's switch: a missing one is a compile error,
// never a silent no-op update.
#pragma GCC diagnostic error "-Wswitch"

static inline float Sqrt_(float x) { return __builtin_sqrtf(x); }
static inline double Sqrt_(double x) { return __builtin_sqrt(x); }
template <typename T>
static inline T Abs_(T x) {
  return x < T(0) ? -x : x;
}

template <bool kCentered, bool kMomentum, typename T>
static unsigned Rmsprop(const OptConfig& c, const StepScalars& s, size_t n, T* __restrict p, const T* __restrict g,
                 T* __restrict s0, T* __restrict s1, T* __restrict s2) {
  const T lr = T(s.lr), wd = T(s.wd), decay = T(s.decay);
  const T a = T(c.alpha), oa = T(1.0 - c.alpha), eps = T(c.epsilon), mom = T(c.momentum);
  unsigned bad = 0;
  for (size_t i = 0; i < n; i++) {
    const T gi = g[i] + wd * p[i];
    const T sq = a * s0[i] + oa * gi * gi;
    s0[i] = sq;
    bad |= !(sq - sq == T(0));  // a squared gradient that overflows stalls the update silently: report it
    T avg;
    if (kCentered) {
      const T ga = a * s2[i] + oa * gi;
      s2[i] = ga;
      avg = Sqrt_(sq - ga * ga) + eps;
    } else {
      avg = Sqrt_(sq) + eps;
    }
    T pi = p[i] * decay;
    if (kMomentum) {
      const T b = mom * s1[i] + gi / avg;
      s1[i] = b;
      pi = pi - lr * b;
    } else {
      pi = pi - lr * gi / avg;
    }
    p[i] = pi;
    bad |= !(pi - pi == T(0));
  }
  return bad;
}

// `bad` ORs together "p - p is not 0" (and s - s for the state a huge gradient overflows first: squared-gradient
// averages, momentum buffers): x - x is 0 when finite, NaN for Inf/NaN. An integer OR vectorizes as a reduction;
// a float sum (bad += p - p) may not be reassociated, so GCC added 16 lanes in order per vector: 19% of Adam's
// time at 1e7 parameters. A non-finite state would otherwise
// freeze a parameter silently (Adam's update is m/√Inf = 0) and make the checkpoint unloadable.
template <typename T>
static bool StepImpl(const OptConfig& c, const StepScalars& s, size_t n, T* __restrict p, const T* __restrict g,
                     T* __restrict s0, T* __restrict s1, T* __restrict s2) {
  const T lr = T(s.lr), wd = T(s.wd), decay = T(s.decay);
  const T c1 = T(s.c1), c2 = T(s.c2), c3 = T(s.c3), c4 = T(s.c4);
  unsigned bad = 0;
  switch (c.kind) {
    case OptKind::kSgd: {
      const T mom = T(c.momentum), damp1 = T(1.0 - c.dampening);
      if (c.momentum == 0) {
        for (size_t i = 0; i < n; i++) {
          const T pi = p[i] * decay;
          const T gi = g[i] + wd * pi;
          p[i] = pi - lr * gi;
          bad |= !(p[i] - p[i] == T(0));
        }
      } else if (s.first) {
        for (size_t i = 0; i < n; i++) {
          const T pi = p[i] * decay;
          T gi = g[i] + wd * pi;
          const T b = gi;
          s0[i] = b;
          gi = c.nesterov ? gi + mom * b : b;
          p[i] = pi - lr * gi;
          bad |= !(p[i] - p[i] + (b - b) == T(0));
        }
      } else {
        for (size_t i = 0; i < n; i++) {
          const T pi = p[i] * decay;
          T gi = g[i] + wd * pi;
          const T b = mom * s0[i] + damp1 * gi;
          s0[i] = b;
          gi = c.nesterov ? gi + mom * b : b;
          p[i] = pi - lr * gi;
          bad |= !(p[i] - p[i] + (b - b) == T(0));
        }
      }
      break;
    }
    case OptKind::kAdam: {
      // c1 = lr / (1 - beta1^t), c2 = sqrt(1 - beta2^t)
      const T b1 = T(c.beta1), b2 = T(c.beta2), ob1 = T(1.0 - c.beta1), ob2 = T(1.0 - c.beta2), eps = T(c.epsilon);
      for (size_t i = 0; i < n; i++) {
        T pi = p[i] * decay;
        const T gi = g[i] + wd * pi;
        const T m = b1 * s0[i] + ob1 * gi;
        const T v = b2 * s1[i] + ob2 * gi * gi;
        s0[i] = m;
        s1[i] = v;
        T vv = v;
        if (c.amsgrad) {
          vv = s2[i] > v ? s2[i] : v;
          s2[i] = vv;
        }
        const T denom = Sqrt_(vv) / c2 + eps;
        pi = pi - c1 * m / denom;
        p[i] = pi;
        bad |= !(pi - pi + (v - v) == T(0));  // an overflowing g² (v = Inf) would freeze the parameter silently
      }
      break;
    }
    case OptKind::kRmsprop: {
      // One loop per (centered, momentum) variant: with both flags tested inside, GCC does not vectorize.
      if (c.centered) {
        bad = c.momentum > 0 ? Rmsprop<true, true>(c, s, n, p, g, s0, s1, s2) : Rmsprop<true, false>(c, s, n, p, g, s0, s1, s2);
      } else {
        bad = c.momentum > 0 ? Rmsprop<false, true>(c, s, n, p, g, s0, s1, s2) : Rmsprop<false, false>(c, s, n, p, g, s0, s1, s2);
      }
      break;
    }
    case OptKind::kAdagrad: {
      // c1 = lr / (1 + (t - 1) * lrDecay)
      const T eps = T(c.epsilon);
      for (size_t i = 0; i < n; i++) {
        const T gi = g[i] + wd * p[i];
        const T sum = s0[i] + gi * gi;
        s0[i] = sum;
        T pi = p[i] * decay;
        pi = pi - c1 * gi / (Sqrt_(sum) + eps);
        p[i] = pi;
        bad |= !(pi - pi + (sum - sum) == T(0));
      }
      break;
    }
    case OptKind::kAdadelta: {
      const T rho = T(c.rho), orho = T(1.0 - c.rho), eps = T(c.epsilon);
      for (size_t i = 0; i < n; i++) {
        const T gi = g[i] + wd * p[i];
        const T sq = rho * s0[i] + orho * gi * gi;
        s0[i] = sq;
        const T std = Sqrt_(sq + eps);
        const T delta = Sqrt_(s1[i] + eps) / std * gi;
        const T acc = rho * s1[i] + orho * delta * delta;
        s1[i] = acc;
        T pi = p[i] * decay;
        pi = pi - lr * delta;
        p[i] = pi;
        bad |= !(pi - pi + (sq - sq) + (acc - acc) == T(0));
      }
      break;
    }
    case OptKind::kAdamax: {
      // c1 = lr / (1 - beta1^t)
      const T b1 = T(c.beta1), ob1 = T(1.0 - c.beta1), b2 = T(c.beta2), eps = T(c.epsilon);
      for (size_t i = 0; i < n; i++) {
        const T gi = g[i] + wd * p[i];
        const T m = b1 * s0[i] + ob1 * gi;
        s0[i] = m;
        const T u1 = b2 * s1[i], u2 = Abs_(gi) + eps;
        const T u = u1 > u2 ? u1 : u2;
        s1[i] = u;
        T pi = p[i] * decay;
        pi = pi - c1 * m / u;
        p[i] = pi;
        bad |= !(pi - pi + (u - u) == T(0));
      }
      break;
    }
    case OptKind::kNadam: {
      // c1 = lr*(1-mu)/(1-muProduct), c2 = lr*muNext/(1-muProductNext), c3 = 1 - beta2^t
      const T b1 = T(c.beta1), ob1 = T(1.0 - c.beta1), b2 = T(c.beta2), ob2 = T(1.0 - c.beta2), eps = T(c.epsilon);
      for (size_t i = 0; i < n; i++) {
        const T gi = g[i] + wd * p[i];
        const T m = b1 * s0[i] + ob1 * gi;
        const T v = b2 * s1[i] + ob2 * gi * gi;
        s0[i] = m;
        s1[i] = v;
        const T denom = Sqrt_(v / c3) + eps;
        T pi = p[i] * decay;
        pi = pi - c1 * gi / denom;
        pi = pi - c2 * m / denom;
        p[i] = pi;
        bad |= !(pi - pi + (v - v) == T(0));
      }
      break;
    }
  }
  (void)c4;
  return bad == 0;
}

