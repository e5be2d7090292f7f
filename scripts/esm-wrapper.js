'use strict';
// Writes dist/index.mjs (and its types, dist/index.d.mts): an ES-module face over the CommonJS build, with every export named, so that
// `import { LinearRegression } from 'descent'` and `require('descent')` share one module instance.
const fs = require('node:fs');
const path = require('node:path');
const dist = path.join(__dirname, '..', 'dist');
const names = Object.keys(require(path.join(dist, 'index.js'))).filter((k) => k !== 'default' && k !== '__esModule');
const body = [
  "import cjs from './index.js';",
  ...names.map((n) => `export const ${n} = cjs.${n};`),
  'export default cjs;',
  '',
].join('\n');
fs.writeFileSync(path.join(dist, 'index.mjs'), body);
// Its types: the ES-module declarations re-export the CommonJS ones (same names, default = the whole module), so
// TypeScript under node16/nodenext sees an ES module where it imports one (attw: no "masquerading as CJS").
fs.writeFileSync(path.join(dist, 'index.d.mts'), ["export * from './index.js';", "import * as cjs from './index.js';", 'export default cjs;', ''].join('\n'));
