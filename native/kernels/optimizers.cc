#include "optimizers.h"

#include <cmath>

namespace descent {

// The slots a configuration keeps are its kernel's spec.def slots whose present-when holds; conditional slots are
// always the last ones (scripts/gen-spec.ts checks), so a slot's list index is its index among those kept.
int NumSlots(const OptConfig& c) {
  int n = 0;
#define DESCENT_SLOT(kernel, index, name, when, init) \
  if (c.kind == OptKind::kernel && (when)) n++;
#include "spec.def"
  return n;
}

double SlotInit(const OptConfig& c, int slot) {
#define DESCENT_SLOT(kernel, index, name, when, init) \
  if (c.kind == OptKind::kernel && slot == (index)) return (init);
#include "spec.def"
  return 0.0;
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
