// ONNX export: a fitted model as an ONNX graph (opset 13, IR version 7) that onnxruntime and every ONNX serving
// runtime can run. The messages are encoded by protobufjs from a JSON descriptor of the part of onnx.proto we
// write (field numbers from onnx/onnx.proto, ONNX 1.12); nothing is hand-encoded.
import type * as Protobuf from 'protobufjs/light';
import type { FloatArray } from '../backend/types';
import { LOSSES, layoutOf } from '../engine/spec';
import type { ActivationName, EngineSpec } from '../engine/spec';
import { OptionError } from '../errors';

/** The opset the graph declares (default domain). Every operator used exists unchanged from opset 13 on. */
export const ONNX_OPSET = 13;
/** The IR version written: 7 is the one opset 13 needs, read by onnxruntime ≥ 1.6 and ONNX ≥ 1.8. */
export const ONNX_IR_VERSION = 7;

// onnx.proto (proto2) field numbers for the messages written.
const rep = (type: string, id: number) => ({ rule: 'repeated', type, id });
const one = (type: string, id: number) => ({ type, id });
const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: one('string', 1), f: one('float', 2), i: one('int64', 3), s: one('bytes', 4), t: one('TensorProto', 5),
            floats: rep('float', 7), ints: rep('int64', 8), docString: one('string', 13), type: one('int32', 20),
          },
        },
        ValueInfoProto: { fields: { name: one('string', 1), type: one('TypeProto', 2), docString: one('string', 3) } },
        NodeProto: {
          fields: {
            input: rep('string', 1), output: rep('string', 2), name: one('string', 3), opType: one('string', 4),
            attribute: rep('AttributeProto', 5), docString: one('string', 6), domain: one('string', 7),
          },
        },
        ModelProto: {
          fields: {
            irVersion: one('int64', 1), producerName: one('string', 2), producerVersion: one('string', 3), domain: one('string', 4),
            modelVersion: one('int64', 5), docString: one('string', 6), graph: one('GraphProto', 7), opsetImport: rep('OperatorSetIdProto', 8),
            metadataProps: rep('StringStringEntryProto', 14),
          },
        },
        StringStringEntryProto: { fields: { key: one('string', 1), value: one('string', 2) } },
        GraphProto: {
          fields: {
            node: rep('NodeProto', 1), name: one('string', 2), initializer: rep('TensorProto', 5), docString: one('string', 10),
            input: rep('ValueInfoProto', 11), output: rep('ValueInfoProto', 12),
          },
        },
        TensorProto: {
          fields: {
            dims: rep('int64', 1), dataType: one('int32', 2), stringData: rep('bytes', 6), name: one('string', 8), rawData: one('bytes', 9),
          },
        },
        TensorShapeProto: {
          fields: { dim: rep('Dimension', 1) },
          nested: { Dimension: { oneofs: { value: { oneof: ['dimValue', 'dimParam'] } }, fields: { dimValue: one('int64', 1), dimParam: one('string', 2) } } },
        },
        TypeProto: {
          fields: { tensorType: one('Tensor', 1) },
          nested: { Tensor: { fields: { elemType: one('int32', 1), shape: one('TensorShapeProto', 2) } } },
        },
        OperatorSetIdProto: { fields: { domain: one('string', 1), version: one('int64', 2) } },
      },
    },
  },
};

/** TensorProto.DataType. */
const DT = { float: 1, int64: 7, string: 8, bool: 9, double: 11 } as const;
type ElemType = keyof typeof DT;
/** AttributeProto.AttributeType. */
const AT = { float: 1, int: 2, ints: 7 } as const;

let modelType: Protobuf.Type | undefined;
function modelProto(): Protobuf.Type {
  // Loaded on first export only: importing descent does not pay for protobufjs.
  const protobuf = require('protobufjs/light') as typeof Protobuf;
  return (modelType ??= protobuf.Root.fromJSON(SCHEMA).lookupType('onnx.ModelProto'));
}

/** What the exporter needs of a fitted model: its network, parameters, scaler and label classes. */
export interface OnnxSource {
  className: string;
  spec: EngineSpec;
  /** Flat `[W0, b0, W1, b1, …]`, each `W` `[units, inputs]` row-major, in the spec's dtype. */
  params: FloatArray;
  scaler?: { mean: Float64Array; std: Float64Array };
  /** The classifier's label classes (undefined: `0 … k − 1`). */
  classes?: number[] | string[];
  featureNames?: string[];
  version: string;
}

type Attr = { name: string; type: number; f?: number; i?: number; ints?: number[] };

/** Accumulates nodes and initializers with fresh names. */
class Graph {
  readonly nodes: Record<string, unknown>[] = [];
  readonly inits: Record<string, unknown>[] = [];
  private count = 0;
  constructor(readonly elem: 'float' | 'double') {}

  /** A numeric initializer in the graph's float type (or `int64`), raw little-endian bytes. */
  tensor(name: string, dims: number[], data: ArrayLike<number>, type: ElemType = this.elem): string {
    const size = type === 'float' ? 4 : 8;
    const bytes = new Uint8Array(data.length * size);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (type === 'float') view.setFloat32(i * size, v, true);
      else if (type === 'double') view.setFloat64(i * size, v, true);
      else view.setBigInt64(i * size, BigInt(v), true);
    }
    this.inits.push({ name, dims, dataType: DT[type], rawData: bytes });
    return name;
  }

  strings(name: string, values: string[]): string {
    const enc = new TextEncoder();
    this.inits.push({ name, dims: [values.length], dataType: DT.string, stringData: values.map((s) => enc.encode(s)) });
    return name;
  }

  scalar(value: number, type: ElemType = this.elem): string {
    return this.tensor(`c${this.count++}`, [], [value], type);
  }

  node(opType: string, input: string[], attribute: Attr[] = [], output = `t${this.count++}`): string {
    this.nodes.push({ opType, input, output: [output], name: `${opType}_${this.nodes.length}`, attribute });
    return output;
  }
}

const i = (name: string, v: number): Attr => ({ name, type: AT.int, i: v });

/** y = act(x) with the engine's formulas (lib/engine/spec.ts ACTIVATIONS). */
function activation(g: Graph, act: ActivationName, param: number, x: string): string {
  switch (act) {
    case 'linear':
      return x;
    case 'relu':
      return g.node('Relu', [x]);
    case 'sigmoid':
      return g.node('Sigmoid', [x]);
    case 'tanh':
      return g.node('Tanh', [x]);
    case 'leakyRelu':
      // x > 0 ? x : αx, written with Where so float64 graphs run too (onnxruntime's LeakyRelu is float-only).
      return g.node('Where', [g.node('Greater', [x, g.scalar(0)]), x, g.node('Mul', [x, g.scalar(param)])]);
    case 'elu':
      return g.node('Where', [g.node('Greater', [x, g.scalar(0)]), x, g.node('Mul', [g.node('Sub', [g.node('Exp', [x]), g.scalar(1)]), g.scalar(param)])]);
    case 'gelu': {
      // 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))): torch's tanh approximation (ONNX's Gelu needs opset 20).
      const x3 = g.node('Mul', [g.node('Mul', [x, x]), x]);
      const inner = g.node('Mul', [g.node('Add', [x, g.node('Mul', [x3, g.scalar(0.044715)])]), g.scalar(Math.sqrt(2 / Math.PI))]);
      return g.node('Mul', [g.node('Mul', [x, g.scalar(0.5)]), g.node('Add', [g.node('Tanh', [inner]), g.scalar(1)])]);
    }
  }
}

function valueInfo(name: string, elem: ElemType, dims: (number | string)[]): Record<string, unknown> {
  return {
    name,
    type: { tensorType: { elemType: DT[elem], shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/**
 * The ONNX model of a fitted network. Input `X` `[N, d]` (float32 or float64 as the model) of raw features: the
 * scaler, when fitted, is in the graph (`Sub` the mean, `Div` the std). Outputs, named as skl2onnx names them:
 * - regressors: `variable` `[N, k]` (the linear output, or `Exp` of it for the log-link losses);
 * - classifiers: `label` `[N]` (the class labels, decoded: int64 for integer classes, double for other numbers,
 *   string for strings; `[N, k]` of 0/1 for multi-label models) and, where the head has them, `probabilities`
 *   `[N, c]` (`[1 − p, p]` for one sigmoid output); one-vs-rest margin classifiers also output `decision` `[N, k]`.
 */
export function onnxModel(src: OnnxSource): Uint8Array {
  const { spec, params } = src;
  const elem = spec.dtype === 'float64' ? 'double' : 'float';
  const g = new Graph(elem);
  const d = spec.layers[0]!.inputs;
  let h = 'X';
  if (src.scaler) {
    h = g.node('Sub', [h, g.tensor('scaler_mean', [d], src.scaler.mean)]);
    h = g.node('Div', [h, g.tensor('scaler_std', [d], src.scaler.std)]);
  }
  const layout = layoutOf(spec.layers);
  spec.layers.forEach((L, l) => {
    const w = layout.weight[l]!, b = layout.bias[l]!;
    const W = g.tensor(`layer${l}_weight`, [L.units, L.inputs], params.subarray(w, w + L.units * L.inputs));
    const inputs = [h, W];
    if (b >= 0) inputs.push(g.tensor(`layer${l}_bias`, [L.units], params.subarray(b, b + L.units)));
    h = g.node('Gemm', inputs, [i('transB', 1)]);
    h = activation(g, L.activation, L.activationParam, h);
  });
  const z = h;
  const k = spec.layers.at(-1)!.units;
  const fact = LOSSES[spec.loss];
  const outputs: Record<string, unknown>[] = [];
  if (!fact.classifier) {
    g.node(fact.link === 'log' ? 'Exp' : 'Identity', [z], [], 'variable');
    outputs.push(valueInfo('variable', elem, ['N', k]));
  } else {
    const classes = src.classes ?? Array.from({ length: k === 1 ? 2 : k }, (_, c) => c);
    const multiLabel = fact.link === 'sigmoid' && k > 1;
    let labelElem: ElemType = 'int64';
    if (multiLabel) {
      g.node('Cast', [g.node('GreaterOrEqual', [z, g.scalar(0)])], [i('to', DT.int64)], 'label');
      outputs.push(valueInfo('label', 'int64', ['N', k]));
    } else {
      let idx: string;
      if (k === 1) {
        // LogisticRegression's class 1 is z ≥ 0; the margin heads' is z > 0 (scikit-learn's decision rule).
        const pos = g.node(fact.link === 'sigmoid' ? 'GreaterOrEqual' : 'Greater', [z, g.scalar(0)]);
        idx = g.node('Squeeze', [g.node('Cast', [pos], [i('to', DT.int64)]), g.tensor(`axes${g.nodes.length}`, [1], [1], 'int64')]);
      } else {
        idx = g.node('ArgMax', [z], [i('axis', 1), i('keepdims', 0)]);
      }
      let table: string;
      if (typeof classes[0] === 'string') {
        labelElem = 'string';
        table = g.strings('classes', classes as string[]);
      } else {
        labelElem = (classes as number[]).every((c) => Number.isSafeInteger(c)) ? 'int64' : 'double';
        table = g.tensor('classes', [classes.length], classes as number[], labelElem);
      }
      g.node('Gather', [table, idx], [i('axis', 0)], 'label');
      outputs.push(valueInfo('label', labelElem, ['N']));
    }
    let proba: string | undefined;
    if (fact.link === 'sigmoid') proba = g.node('Sigmoid', [z]);
    else if (fact.link === 'softmax') proba = g.node('Softmax', [z], [i('axis', 1)]);
    else if (spec.loss === 'log' || spec.loss === 'modifiedHuber') {
      // scikit-learn's predict_proba: σ(z), or (clip(z, −1, 1) + 1)/2, rows normalized for k > 2 (uniform where a
      // modified-Huber row sums to 0).
      proba = spec.loss === 'log'
        ? g.node('Sigmoid', [z])
        : g.node('Mul', [g.node('Add', [g.node('Clip', [z, g.scalar(-1), g.scalar(1)]), g.scalar(1)]), g.scalar(0.5)]);
      if (k > 1) {
        const s = g.node('ReduceSum', [proba, g.tensor(`axes${g.nodes.length}`, [1], [1], 'int64')], [i('keepdims', 1)]);
        const q = g.node('Div', [proba, s]);
        proba = spec.loss === 'log' ? q : g.node('Where', [g.node('Equal', [s, g.scalar(0)]), g.scalar(1 / k), q]);
      }
    }
    if (proba !== undefined) {
      if (k === 1) proba = g.node('Concat', [g.node('Sub', [g.scalar(1), proba]), proba], [i('axis', 1)]);
      g.node('Identity', [proba], [], 'probabilities');
      outputs.push(valueInfo('probabilities', elem, ['N', k === 1 ? 2 : k]));
    }
    if (fact.link === 'margin') {
      g.node('Identity', [z], [], 'decision');
      outputs.push(valueInfo('decision', elem, ['N', k]));
    }
  }
  const meta: Record<string, string> = { 'descent.class': src.className, 'descent.loss': spec.loss };
  if (spec.lossParam !== undefined) meta['descent.lossParam'] = String(spec.lossParam);
  if (src.classes) meta['descent.classes'] = JSON.stringify(src.classes);
  if (src.featureNames) meta['descent.featureNames'] = JSON.stringify(src.featureNames);
  const model = {
    irVersion: ONNX_IR_VERSION,
    producerName: 'descent',
    producerVersion: src.version,
    modelVersion: 1,
    docString: `${src.className} trained by descent ${src.version}`,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    metadataProps: Object.entries(meta).map(([key, value]) => ({ key, value })),
    graph: {
      name: `descent_${src.className}`,
      node: g.nodes,
      initializer: g.inits,
      input: [valueInfo('X', elem, ['N', d])],
      output: outputs,
    },
  };
  const T = modelProto();
  const problem = T.verify(model);
  if (problem) throw new OptionError(`internal: the ONNX message does not verify (${problem})`, 'model');
  return T.encode(T.fromObject(model)).finish();
}
