import * as d from './lib';
(async () => {
  const dig = d.loadCsv(d.datasetPath('digits'), {});
  const X = { data: Float64Array.from(dig.X.data, (v) => v * 1e30), rows: dig.X.rows, cols: dig.X.cols };
  const m = new d.MLPClassifier({ backend: 'native', dtype: 'float32', standardize: false, hiddenLayers: [16] });
  try { const h = await m.fit(X, dig.y, { epochs: 2, batchSize: 100000, optimizer: d.sgd({ learningRate: 0.1 }), seed: 1 }); console.log('finished', h.loss); } catch (e) { console.log((e as Error).message); }
  const p = m.getParams();
  console.log('max |param|', Math.max(...Array.from(p, Math.abs)));
  const o = m.outputs(X).data;
  let nan = 0, inf = 0; for (const v of o) { if (Number.isNaN(v)) nan++; else if (!Number.isFinite(v)) inf++; }
  console.log('nan', nan, 'inf', inf, o.length);
})();
