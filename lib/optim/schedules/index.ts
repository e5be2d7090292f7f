/**
 * Learning-rate schedules that reproduce `torch.optim.lr_scheduler` (PyTorch 1.13) step for step, plus the Keras and
 * scikit-learn decays that PyTorch lacks: `schedule.at(t)` is the rate of 0-based optimizer step `t` (core.ts states
 * the convention). Factories by family: decay.ts, compose.ts, plateau.ts; previews, JSON and CLI specs: serialize.ts.
 */
export * from './core';
export * from './decay';
export * from './compose';
export * from './plateau';
export * from './serialize';
