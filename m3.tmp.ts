import * as d from './lib';
(async () => {
  const data = d.loadCsv(d.datasetPath('breast-cancer'), {});
  for (const backend of ['native', 'js'] as const)
  for (const dtype of ['float32', 'float64'] as const)
  for (const scale of [1e30, 1e-30])
  for (const opt of ['sgd', 'adam'])
  for (const std of [true, false]) {
    const X = { data: Float64Array.from(data.X.data, (v) => v * scale), rows: data.X.rows, cols: data.X.cols };
    const m = new d.LogisticRegression({ dtype, backend, standardize: std });
    let r = '';
    try {
      await m.fit(X, data.y, { epochs: 5, optimizer: opt === 'sgd' ? d.sgd({ learningRate: 0.01 }) : d.adam({ learningRate: 0.01 }), seed: 1 });
      const p = m.predictProba(X) as any;
      r = `acc ${m.evaluate(X, data.y).accuracy.toFixed(3)} nanProba ${Array.from(p.data ?? p).some((v: any) => Number.isNaN(v))}`;
    } catch (e) { r = `${(e as Error).constructor.name}: ${(e as Error).message.slice(0, 100)}`; }
    console.log(backend, dtype, scale, opt, 'std', std, r);
  }
})();
