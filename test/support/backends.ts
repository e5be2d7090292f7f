/** Which backends this run tests. `DESCENT_BACKEND=js` runs the suite on the JS backend alone (CI does both). */
import { loadNative } from '../../lib/backend/native/loader';

export const native = process.env.DESCENT_BACKEND === 'js' ? undefined : loadNative().binding;
export const BACKENDS: ('native' | 'js')[] = native ? ['native', 'js'] : ['js'];

/** Skips the calling suite (with a printed reason) when the native addon is not in use. */
export function requireNative(ctx: Mocha.Context | Mocha.Suite): void {
  if (!native) {
    const reason = process.env.DESCENT_BACKEND === 'js' ? 'DESCENT_BACKEND=js' : `native addon not loaded: ${loadNative().error?.message}`;
    console.log(`      (skipped: needs the native backend; ${reason})`);
    (ctx as Mocha.Context).skip?.();
  }
}

/** `max|a − b| / max|b|`, the agreement measure of the acceptance criteria. */
export function relMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}
