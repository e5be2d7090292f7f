/**
 * Fashion-MNIST with a dense network, the full recipe:
 *   apt-get install -y dataset-fashion-mnist     # puts the IDX files in /usr/share/datasets/fashion-mnist
 *   npx tsx examples/fashion-mnist.ts [epochs]
 * 784-256-128-10 ReLU, softmax cross-entropy, Adam 1e-3, batch 128; reports samples/s and test accuracy.
 */
import { MLPClassifier, adam, info, loadFashionMnist } from '../lib';

async function main(): Promise<void> {
  const epochs = Number(process.argv[2] ?? 3);
  const { train, test, classNames } = loadFashionMnist();
  console.log(`Fashion-MNIST: ${train.X.rows} train / ${test.X.rows} test images, ${train.X.cols} pixels in [0, 1]`);
  const model = new MLPClassifier({ hiddenLayers: [256, 128], activation: 'relu' });
  const history = await model.fit(train.X, train.y, {
    epochs,
    batchSize: 128,
    optimizer: adam({ learningRate: 1e-3 }),
    validationData: [test.X, test.y],
    seed: 0,
    onEpochEnd: ({ epoch, loss, metrics }) =>
      console.log(`epoch ${epoch}: loss ${loss.toFixed(4)}, test accuracy ${metrics.validation.accuracy!.toFixed(4)}`),
  });
  const { accuracy } = model.evaluate(test.X, test.y);
  const i = info();
  console.log(`${((train.X.rows * history.epoch.length) / history.seconds).toFixed(0)} samples/s on ${i.backend} (${i.threads} threads, ${i.simd ?? 'no'} SIMD)`);
  console.log(`test accuracy ${accuracy.toFixed(4)}`);
  const first = model.predict({ data: test.X.data.subarray(0, 784 * 5), rows: 5, cols: 784 });
  console.log('first five test images:', Array.from(first, (c, k) => `${classNames[c]} (true: ${classNames[test.y[k]!]})`).join(', '));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
