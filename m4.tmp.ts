import * as d from './lib';
(async () => {
  const reg = d.loadCsv(d.datasetPath('diabetes'), {});
  const dig = d.loadCsv(d.datasetPath('digits'), {});
  for (const backend of ['native'] as const)
  for (const dtype of ['float32', 'float64'] as const)
  for (const scale of [1e30, 1e-30]) {
    const line = async (name: string, f: () => Promise<string>) => { let r; try { r = await f(); } catch (e) { r = `${(e as Error).constructor.name}: ${(e as Error).message.slice(0, 90)}`; } console.log(backend, dtype, scale, name, r); };
    const Xr = { data: Float64Array.from(reg.X.data, (v) => v * scale), rows: reg.X.rows, cols: reg.X.cols };
    const yr = Float64Array.from(reg.y, (v) => v * scale);
    await line('linreg X,y scaled std', async () => { const m = new d.LinearRegression({ dtype, backend, standardize: true }); await m.fit(Xr, yr, { epochs: 20, seed: 1, optimizer: d.sgd({learningRate: 0.1}) }); const p = m.predict(Xr) as Float64Array; return `r2 ${m.evaluate(Xr, yr).r2.toFixed(4)} p0 ${p[0]}`; });
    await line('linreg X,y scaled adam nostd', async () => { const m = new d.LinearRegression({ dtype, backend, standardize: false }); await m.fit(Xr, yr, { epochs: 20, seed: 1, optimizer: d.adam({learningRate: 0.1}) }); return `r2 ${m.evaluate(Xr, yr).r2.toFixed(4)}`; });
    const Xd = { data: Float64Array.from(dig.X.data, (v) => v * scale), rows: dig.X.rows, cols: dig.X.cols };
    await line('softmax std', async () => { const m = new d.SoftmaxRegression({ dtype, backend, standardize: true }); await m.fit(Xd, dig.y, { epochs: 5, seed: 1, optimizer: d.adam({learningRate: 0.01}) }); return `acc ${m.evaluate(Xd, dig.y).accuracy.toFixed(4)}`; });
    await line('softmax nostd sgd', async () => { const m = new d.SoftmaxRegression({ dtype, backend, standardize: false }); await m.fit(Xd, dig.y, { epochs: 5, seed: 1, optimizer: d.sgd({learningRate: 0.01}) }); return `acc ${m.evaluate(Xd, dig.y).accuracy.toFixed(4)}`; });
    await line('mlp std', async () => { const m = new d.MLPClassifier({ dtype, backend, standardize: true, hiddenLayers: [32] }); await m.fit(Xd, dig.y, { epochs: 5, seed: 1, optimizer: d.adam({learningRate: 0.01}) }); return `acc ${m.evaluate(Xd, dig.y).accuracy.toFixed(4)}`; });
    await line('mlp nostd adam', async () => { const m = new d.MLPClassifier({ dtype, backend, standardize: false, hiddenLayers: [32] }); await m.fit(Xd, dig.y, { epochs: 5, seed: 1, optimizer: d.adam({learningRate: 0.01}) }); return `acc ${m.evaluate(Xd, dig.y).accuracy.toFixed(4)}`; });
  }
})();
