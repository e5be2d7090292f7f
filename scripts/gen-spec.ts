/**
 * Writes native/kernels/spec.def, the C++ mirror of lib/engine/spec.ts, as X-macro lists (`npm run gen:spec`).
 * test/05 fails when the committed file differs from what this renders, and checks the addon's own view of the
 * lists (`engineFacts()`) against the table.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ACTIVATIONS, ACTIVATION_NAMES, DTYPES, DTYPE_BYTES, KERNELS, KERNEL_FIELDS, KERNEL_FIELD_NAMES, KERNEL_NAMES, LOSSES, LOSS_NAMES,
  SPEC_BOUNDS, SlotFact, type LossFact,
} from '../lib/engine/spec';

export const SPEC_DEF = path.join(__dirname, '..', 'native', 'kernels', 'spec.def');

const enumName = (s: string) => 'k' + s[0]!.toUpperCase() + s.slice(1);
/** A C++ double literal: `1e+30` and `0.5` as JS prints them, integers with a `.0`. */
const num = (v: number | boolean) => (typeof v === 'boolean' ? String(v) : /[.e]/.test(String(v)) ? String(v) : `${v}.0`);

function block(macro: string, doc: string, lines: string[]): string {
  return [`#ifdef ${macro}`, `// ${doc}`, ...lines.map((l) => `${macro}(${l})`), `#undef ${macro}`, '#endif', ''].join('\n');
}

export function renderSpecDef(): string {
  // The native NumSlots counts the slots whose condition holds and SlotInit indexes them by list position: both
  // are right only while a kernel has at most one conditional slot and it is the last (as SlotFact.when says).
  for (const k of KERNEL_NAMES) {
    const slots = KERNELS[k].slots as readonly SlotFact[];
    if (slots.some((s, i) => s.when !== undefined && i !== slots.length - 1)) {
      throw new Error(`KERNELS.${k}.slots: only the last slot may have a \`when\` condition`);
    }
  }
  const head = [
    '// Generated from lib/engine/spec.ts by scripts/gen-spec.ts (npm run gen:spec); do not edit.',
    '// X-macro lists: define the macro you need, then #include this file (each list #undefs its macro).',
    '',
  ].join('\n');
  const parts = [
    block('DESCENT_DTYPE', '(enum, name, bytes)', DTYPES.map((d) => `${enumName(d)}, "${d}", ${DTYPE_BYTES[d]}`)),
    block('DESCENT_ACTIVATION', '(enum, name, default of its parameter or 0)', ACTIVATION_NAMES.map((a) => {
      const p = (ACTIVATIONS[a] as { param?: { default: number } }).param;
      return `${enumName(a)}, "${a}", ${num(p ? p.default : 0)}`;
    })),
    block('DESCENT_LOSS', '(enum, name, target columns: 0 = one per output unit, 1 = one class index; parameter: has one, default, min, max, bounds exclusive)', LOSS_NAMES.map((l) => {
      const p = (LOSSES[l] as LossFact).param;
      return `${enumName(l)}, "${l}", ${LOSSES[l].targetColumns === 1 ? 1 : 0}, ${p ? 1 : 0}, ${num(p?.default ?? 0)}, ${num(p?.min ?? 0)}, ${num(p?.max ?? 0)}, ${p?.exclusive ? 1 : 0}`;
    })),
    block('DESCENT_KERNEL', '(enum, name)', KERNEL_NAMES.map((k) => `${enumName(k)}, "${k}"`)),
    block('DESCENT_KERNEL_FIELD', '(C++ type, member and JS name, default, min, max)', KERNEL_FIELD_NAMES.map((f) => {
      const x = KERNEL_FIELDS[f] as { type: string; default: number | boolean; min?: number; max?: number };
      return x.type === 'boolean' ? `bool, ${f}, ${x.default}, 0, 1` : `double, ${f}, ${num(x.default)}, ${num(x.min!)}, ${num(x.max!)}`;
    })),
    block('DESCENT_SPEC_BOUND', '(spec field, min, max): bounds both backends enforce', Object.entries(SPEC_BOUNDS).map(([k, b]) => `${k}, ${num(b.min)}, ${num(b.max)}`)),
    block('DESCENT_SLOT', '(kernel enum, index, PyTorch name, present when (over OptConfig c), initial value)', KERNEL_NAMES.flatMap((k) =>
      (KERNELS[k].slots as readonly SlotFact[]).map((s, i) =>
        `${enumName(k)}, ${i}, "${s.name}", ${s.when === undefined ? 'true' : KERNEL_FIELDS[s.when].type === 'boolean' ? `c.${s.when}` : `c.${s.when} != 0`}, ${s.init === undefined ? '0.0' : `c.${s.init}`}`,
      ),
    )),
  ];
  return head + '\n' + parts.join('\n');
}

if (require.main === module) {
  const text = renderSpecDef();
  if (process.argv.includes('--check')) {
    const now = fs.existsSync(SPEC_DEF) ? fs.readFileSync(SPEC_DEF, 'utf8') : '';
    if (now !== text) {
      console.error(`${SPEC_DEF} is out of date: run npm run gen:spec`);
      process.exit(1);
    }
  } else {
    fs.writeFileSync(SPEC_DEF, text);
    console.log(`wrote ${path.relative(process.cwd(), SPEC_DEF)}`);
  }
}
