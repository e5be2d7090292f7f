#include "optimizers.h"

#include <cmath>

namespace descent {

int NumSlots(const OptConfig& c) {
  switch (c.kind) {
    case OptKind::kSgd: return c.momentum != 0 ? 1 : 0;               // momentum_buffer
    case OptKind::kAdam: return c.amsgrad ? 3 : 2;                    // exp_avg, exp_avg_sq, max_exp_avg_sq
    case OptKind::kRmsprop: return c.centered ? 3 : 2;                // square_avg, momentum_buffer, grad_avg
    case OptKind::kAdagrad: return 1;                                 // sum
    case OptKind::kAdadelta: return 2;                                // square_avg, acc_delta
    case OptKind::kAdamax: return 2;                                  // exp_avg, exp_inf
    case OptKind::kNadam: return 2;                                   // exp_avg, exp_avg_sq
  }
  return 0;
}

double SlotInit(const OptConfig& c, int slot) {
  return c.kind == OptKind::kAdagrad && slot == 0 ? c.initialAccumulatorValue : 0.0;
}

StepScalars Prepare(const OptConfig& c, OptGlobalState& g, double lr) {
  g.step += 1;
  const double t = static_cast<double>(g.step);
  StepScalars s;
  s.lr = lr;
  s.first = g.step == 1;
  if (c.decoupled) {
    s.decay = 1.0 - lr * c.weightDecay;  // AdamW: param.mul_(1 - lr * weight_decay)
  } else {
    s.wd = c.weightDecay;
  }
  switch (c.kind) {
    case OptKind::kAdam:
      s.c1 = lr / (1.0 - std::pow(c.beta1, t));
      s.c2 = std::sqrt(1.0 - std::pow(c.beta2, t));
      break;
    case OptKind::kAdagrad:
      s.c1 = lr / (1.0 + (t - 1.0) * c.lrDecay);
      break;
    case OptKind::kAdamax:
      s.c1 = lr / (1.0 - std::pow(c.beta1, t));
      break;
    case OptKind::kNadam: {
      const double mu = c.beta1 * (1.0 - 0.5 * std::pow(0.96, t * c.momentumDecay));
      const double muNext = c.beta1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * c.momentumDecay));
      g.muProduct *= mu;
      // PyTorch 1.13 multiplies mu in twice here (mu_product * mu * mu_next); matched so trajectories agree.
      const double muProductNext = g.muProduct * mu * muNext;
      s.c1 = lr * (1.0 - mu) / (1.0 - g.muProduct);
      s.c2 = lr * muNext / (1.0 - muProductNext);
      s.c3 = 1.0 - std::pow(c.beta2, t);
      break;
    }
    default:
      break;
  }
  return s;
}

}  // namespace descent
