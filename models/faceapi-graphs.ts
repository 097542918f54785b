/**
 * The three face-api.js networks rebuilt as ONNX graphs from their architecture (as written in
 * @vladmandic/face-api src/) and their shipped weights:
 *
 * - SSD MobileNet v1 face detector (ssdMobilenetv1/: mobileNetV1, predictionLayer), input of any height
 *   and width, outputs the raw box encodings [N, A, 4] and face scores [N, A] of its A anchors. The anchor
 *   decode of outputLayer.ts is left to engine/face/ssd-anchors.ts, because face-api's anchors
 *   (Output/extra_dim) only fit a 512x512 input, and the pipeline feeds canvases that follow the photo's
 *   aspect ratio (512x384 for a 4:3 photo: a quarter less work than the 512x512 letterbox).
 * - 68-point landmark net (faceFeatureExtractor/ dense blocks + faceProcessor/ fully connected layer),
 *   input 112x112, outputs 136 values: (x, y) of each point relative to the input square.
 * - ResNet-34-like recogniser (faceRecognitionNet/, dlib's "metric learning" network), input 150x150,
 *   outputs the 128-d descriptor (not yet L2-normalised).
 *
 * Every graph takes NHWC float32 RGB pixels in 0..255 and does its own normalisation, so the pipeline
 * hands all models the same kind of tensor. Inside, tensors are NCHW as ONNX Conv requires.
 * TensorFlow "SAME" padding is written as explicit pads computed from the static spatial sizes, or as
 * ONNX auto_pad SAME_UPPER (the same rule: the odd pixel goes at the end) when the size is dynamic.
 */
import { type WeightTensor, take } from './faceapi-weights.js';
import { GraphBuilder, samePadding, validOut } from './onnx.js';

/**
 * A tensor in the graph with its static (C, H, W); the batch dimension stays symbolic. H and W are -1
 * when the graph takes inputs of any size (the detector).
 */
interface Tensor {
  name: string;
  c: number;
  h: number;
  w: number;
}

const DYNAMIC = -1;

type Weights = Map<string, WeightTensor>;

/** tfjs filter [kh, kw, in, out] -> ONNX [out, in, kh, kw]. */
function convFilter(t: WeightTensor): { dims: number[]; data: Float32Array } {
  const [kh, kw, cin, cout] = t.shape;
  const data = new Float32Array(t.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++)
          data[((o * cin + i) * kh + y) * kw + x] = t.data[((y * kw + x) * cin + i) * cout + o];
  return { dims: [cout, cin, kh, kw], data };
}

/** tfjs depthwise filter [kh, kw, in, multiplier] -> ONNX grouped Conv weight [in * multiplier, 1, kh, kw]. */
function depthwiseFilter(t: WeightTensor): { dims: number[]; data: Float32Array } {
  const [kh, kw, cin, mult] = t.shape;
  const data = new Float32Array(t.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let m = 0; m < mult; m++)
          data[((i * mult + m) * kh + y) * kw + x] = t.data[((y * kw + x) * cin + i) * mult + m];
  return { dims: [cin * mult, 1, kh, kw], data };
}

class Layers {
  constructor(
    readonly g: GraphBuilder,
    readonly weights: Weights,
  ) {}

  w(name: string, rank: number): WeightTensor {
    return take(this.weights, name, rank);
  }

  /** A per-channel vector shaped [C, 1, 1] so that it broadcasts over NCHW. */
  channelVector(prefix: string, t: WeightTensor): string {
    return this.g.constFloat(prefix, [t.data.length, 1, 1], t.data);
  }

  conv(
    x: Tensor,
    filter: WeightTensor,
    stride: number,
    padding: 'same' | 'valid',
    bias?: WeightTensor,
    group = false,
  ): Tensor {
    const f = group ? depthwiseFilter(filter) : convFilter(filter);
    const [cout, , kh, kw] = f.dims;
    const weight = this.g.constFloat('W', f.dims, f.data);
    const inputs = [x.name, weight];
    if (bias) inputs.push(this.g.constFloat('B', [bias.data.length], bias.data));
    if (x.h === DYNAMIC || x.w === DYNAMIC) {
      // TensorFlow "SAME" is ONNX SAME_UPPER: total padding max((out - 1) * stride + k - in, 0), the odd pixel at the end.
      const name = this.g.op('Conv', inputs, {
        kernel_shape: [kh, kw],
        strides: [stride, stride],
        dilations: [1, 1],
        group: group ? x.c : 1,
        auto_pad: padding === 'same' ? 'SAME_UPPER' : 'VALID',
      });
      return { name, c: cout, h: DYNAMIC, w: DYNAMIC };
    }
    let h: number;
    let w: number;
    let pads: number[];
    if (padding === 'same') {
      const ph = samePadding(x.h, kh, stride);
      const pw = samePadding(x.w, kw, stride);
      h = ph.out;
      w = pw.out;
      pads = [ph.before, pw.before, ph.after, pw.after];
    } else {
      h = validOut(x.h, kh, stride);
      w = validOut(x.w, kw, stride);
      pads = [0, 0, 0, 0];
    }
    const name = this.g.op('Conv', inputs, {
      kernel_shape: [kh, kw],
      strides: [stride, stride],
      pads,
      dilations: [1, 1],
      group: group ? x.c : 1,
    });
    return { name, c: cout, h, w };
  }

  unary(op: string, x: Tensor): Tensor {
    return { ...x, name: this.g.op(op, [x.name]) };
  }

  relu(x: Tensor): Tensor {
    return this.unary('Relu', x);
  }

  relu6(x: Tensor): Tensor {
    const lo = this.g.scalar('zero', 0);
    const hi = this.g.scalar('six', 6);
    return { ...x, name: this.g.op('Clip', [x.name, lo, hi]) };
  }

  add(a: Tensor, b: Tensor | string): Tensor {
    return { ...a, name: this.g.op('Add', [a.name, typeof b === 'string' ? b : b.name]) };
  }

  mul(a: Tensor, b: string): Tensor {
    return { ...a, name: this.g.op('Mul', [a.name, b]) };
  }

  /** NHWC pixels in 0..255 -> NCHW tensor; a size x size input, or any height and width without `size`. */
  imageInput(size?: number): Tensor {
    this.g.input('image', size === undefined ? ['N', 'height', 'width', 3] : ['N', size, size, 3]);
    const side = size ?? DYNAMIC;
    return { name: this.g.op('Transpose', ['image'], { perm: [0, 3, 1, 2] }), c: 3, h: side, w: side };
  }

  /** face-api's normalize(x, meanRgb) followed by div(255). */
  meanRgbDiv255(x: Tensor, meanRgb: [number, number, number]): Tensor {
    const mean = this.g.constFloat('meanRgb', [3, 1, 1], new Float32Array(meanRgb));
    const centred = this.g.op('Sub', [x.name, mean]);
    return { ...x, name: this.g.op('Div', [centred, this.g.scalar('c255', 255)]) };
  }
}

// ---------------------------------------------------------------- SSD MobileNet v1

const SSD_BN_EPSILON = 0.0010000000474974513; // mobileNetV1.ts

/**
 * The detector up to its prediction heads, on an NHWC input of any height and width. Outputs
 * `box_encodings` [N, A, 4] (face-api's (y, x, h, w) offsets relative to the anchors, before
 * outputLayer.ts decodes them) and `scores` [N, A] (sigmoid of the face class), the anchors in the order
 * (feature map, row, column, anchor) that engine/face/ssd-anchors.ts generates.
 */
export function buildSsdMobilenetV1(weights: Weights): GraphBuilder {
  const g = new GraphBuilder('ssd_mobilenetv1');
  const L = new Layers(g, weights);
  let x = L.imageInput();
  // input normalised to -1..1: x / 127.5 - 1
  x = { ...x, name: g.op('Sub', [g.op('Div', [x.name, g.scalar('c127_5', 127.5)]), g.scalar('one', 1)]) };

  const pointwise = (input: Tensor, prefix: string, idx: number, stride: number): Tensor => {
    const filters = L.w(`${prefix}/Conv2d_${idx}_pointwise/weights`, 4);
    const offset = L.w(`${prefix}/Conv2d_${idx}_pointwise/convolution_bn_offset`, 1);
    return L.relu6(L.conv(input, filters, stride, 'same', offset));
  };

  x = pointwise(x, 'MobilenetV1', 0, 2);
  let conv11: Tensor | undefined;
  for (let idx = 1; idx <= 13; idx++) {
    const stride = [2, 4, 6, 12].includes(idx) ? 2 : 1;
    const p = `MobilenetV1/Conv2d_${idx}_depthwise`;
    x = L.conv(x, L.w(`${p}/depthwise_weights`, 4), stride, 'same', undefined, true);
    const bn = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((k) =>
      g.constFloat(k, [x.c], L.w(`${p}/BatchNorm/${k}`, 1).data),
    );
    x = { ...x, name: g.op('BatchNormalization', [x.name, ...bn], { epsilon: SSD_BN_EPSILON }) };
    x = L.relu6(x);
    x = pointwise(x, 'MobilenetV1', idx, 1);
    if (idx === 11) conv11 = x;
  }
  if (!conv11) throw new Error('conv11 missing');

  const c0 = pointwise(x, 'Prediction', 0, 1);
  const c1 = pointwise(c0, 'Prediction', 1, 2);
  const c2 = pointwise(c1, 'Prediction', 2, 1);
  const c3 = pointwise(c2, 'Prediction', 3, 2);
  const c4 = pointwise(c3, 'Prediction', 4, 1);
  const c5 = pointwise(c4, 'Prediction', 5, 2);
  const c6 = pointwise(c5, 'Prediction', 6, 1);
  const c7 = pointwise(c6, 'Prediction', 7, 2);

  const boxShape = g.constInt64('shape_box', [0, -1, 4]);
  const classShape = g.constInt64('shape_class', [0, -1, 3]);
  const boxEncodings: string[] = [];
  const classPredictions: string[] = [];
  [conv11, x, c1, c3, c5, c7].forEach((feature, i) => {
    const p = `Prediction/BoxPredictor_${i}`;
    const box = L.conv(
      feature,
      L.w(`${p}/BoxEncodingPredictor/weights`, 4),
      1,
      'same',
      L.w(`${p}/BoxEncodingPredictor/biases`, 1),
    );
    const cls = L.conv(
      feature,
      L.w(`${p}/ClassPredictor/weights`, 4),
      1,
      'same',
      L.w(`${p}/ClassPredictor/biases`, 1),
    );
    // tfjs reshapes NHWC outputs, so the anchor order is (row, column, anchor): transpose back first.
    boxEncodings.push(g.op('Reshape', [g.op('Transpose', [box.name], { perm: [0, 2, 3, 1] }), boxShape]));
    classPredictions.push(
      g.op('Reshape', [g.op('Transpose', [cls.name], { perm: [0, 2, 3, 1] }), classShape]),
    );
  });
  g.identity(g.op('Concat', boxEncodings, { axis: 1 }), 'box_encodings');
  g.output('box_encodings', ['N', 'anchors', 4]);

  const classes = g.op('Concat', classPredictions, { axis: 1 });
  const [, faceLogit] = g.node('Split', [classes], { axis: 2 }, 3);
  const scores = g.op('Reshape', [g.op('Sigmoid', [faceLogit]), g.constInt64('shape_scores', [0, -1])]);
  g.identity(scores, 'scores');
  g.output('scores', ['N', 'anchors']);
  return g;
}

// ---------------------------------------------------------------- 68-point landmarks

const FACE_MEAN_RGB: [number, number, number] = [122.782, 117.001, 104.298];

export function buildLandmark68(weights: Weights): GraphBuilder {
  const g = new GraphBuilder('face_landmark_68');
  const L = new Layers(g, weights);
  let x = L.meanRgbDiv255(L.imageInput(112), FACE_MEAN_RGB);

  const separable = (input: Tensor, prefix: string, stride: number): Tensor => {
    const dw = L.conv(input, L.w(`${prefix}/depthwise_filter`, 4), stride, 'same', undefined, true);
    return L.conv(dw, L.w(`${prefix}/pointwise_filter`, 4), 1, 'same', L.w(`${prefix}/bias`, 1));
  };
  // denseBlock.ts denseBlock4 (isScaleDown = true)
  const denseBlock4 = (input: Tensor, prefix: string, first: boolean): Tensor => {
    const out1 = L.relu(
      first
        ? L.conv(input, L.w(`${prefix}/conv0/filters`, 4), 2, 'same', L.w(`${prefix}/conv0/bias`, 1))
        : separable(input, `${prefix}/conv0`, 2),
    );
    const out2 = separable(out1, `${prefix}/conv1`, 1);
    const in3 = L.relu(L.add(out1, out2));
    const out3 = separable(in3, `${prefix}/conv2`, 1);
    const in4 = L.relu(L.add(out1, L.add(out2, out3)));
    const out4 = separable(in4, `${prefix}/conv3`, 1);
    return L.relu(L.add(out1, L.add(out2, L.add(out3, out4))));
  };
  x = denseBlock4(x, 'dense0', true);
  x = denseBlock4(x, 'dense1', false);
  x = denseBlock4(x, 'dense2', false);
  x = denseBlock4(x, 'dense3', false);
  const pooled = g.op('AveragePool', [x.name], { kernel_shape: [7, 7], strides: [2, 2], pads: [0, 0, 0, 0] });
  const side = validOut(x.h, 7, 2);
  if (side !== 1) throw new Error(`landmark net: pooled to ${side}x${side}, expected 1x1`);
  const flat = g.op('Flatten', [pooled], { axis: 1 });
  const fcW = L.w('fc/weights', 2);
  const fcB = L.w('fc/bias', 1);
  const out = g.op('Add', [
    g.op('MatMul', [flat, g.constFloat('fc_w', fcW.shape, fcW.data)]),
    g.constFloat('fc_b', [fcB.data.length], fcB.data),
  ]);
  g.identity(out, 'landmarks');
  g.output('landmarks', ['N', 136]);
  return g;
}

// ---------------------------------------------------------------- ResNet-34 recogniser

export function buildFaceRecognition(weights: Weights): GraphBuilder {
  const g = new GraphBuilder('face_recognition');
  const L = new Layers(g, weights);
  let x = L.meanRgbDiv255(L.imageInput(150), FACE_MEAN_RGB);

  // faceRecognitionNet/convLayer.ts: conv + bias, then the scale layer (x * weights + biases), optional relu
  const convLayer = (
    input: Tensor,
    prefix: string,
    stride: number,
    relu: boolean,
    padding: 'same' | 'valid',
  ): Tensor => {
    let out = L.conv(input, L.w(`${prefix}/conv/filters`, 4), stride, padding, L.w(`${prefix}/conv/bias`, 1));
    out = L.mul(out, L.channelVector('scale_w', L.w(`${prefix}/scale/weights`, 1)));
    out = L.add(out, L.channelVector('scale_b', L.w(`${prefix}/scale/biases`, 1)));
    return relu ? L.relu(out) : out;
  };
  const residual = (input: Tensor, prefix: string): Tensor => {
    const a = convLayer(input, `${prefix}/conv1`, 1, true, 'same');
    const b = convLayer(a, `${prefix}/conv2`, 1, false, 'same');
    return L.relu(L.add(b, input));
  };
  // residualLayer.ts residualDown: the shortcut is a 2x2 average pool, zero-padded in channels; when the
  // strided branch comes out one smaller, it is zero-padded by one row and one column at the end.
  const residualDown = (input: Tensor, prefix: string): Tensor => {
    const a = convLayer(input, `${prefix}/conv1`, 2, true, 'valid');
    let b = convLayer(a, `${prefix}/conv2`, 1, false, 'same');
    let pooled: Tensor = {
      name: g.op('AveragePool', [input.name], { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] }),
      c: input.c,
      h: validOut(input.h, 2, 2),
      w: validOut(input.w, 2, 2),
    };
    if (pooled.h !== b.h || pooled.w !== b.w) {
      const dh = pooled.h - b.h;
      const dw = pooled.w - b.w;
      const pads = g.constInt64('pads', [0, 0, 0, 0, 0, 0, dh, dw]);
      b = { ...b, name: g.op('Pad', [b.name, pads], { mode: 'constant' }), h: pooled.h, w: pooled.w };
    }
    if (pooled.c !== b.c) {
      const pads = g.constInt64('pads', [0, 0, 0, 0, 0, b.c - pooled.c, 0, 0]);
      pooled = { ...pooled, name: g.op('Pad', [pooled.name, pads], { mode: 'constant' }), c: b.c };
    }
    return L.relu(L.add(pooled, b));
  };

  x = convLayer(x, 'conv32_down', 2, true, 'valid');
  x = {
    name: g.op('MaxPool', [x.name], { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 0, 0, 0] }),
    c: x.c,
    h: validOut(x.h, 3, 2),
    w: validOut(x.w, 3, 2),
  };
  for (const p of ['conv32_1', 'conv32_2', 'conv32_3']) x = residual(x, p);
  x = residualDown(x, 'conv64_down');
  for (const p of ['conv64_1', 'conv64_2', 'conv64_3']) x = residual(x, p);
  x = residualDown(x, 'conv128_down');
  for (const p of ['conv128_1', 'conv128_2']) x = residual(x, p);
  x = residualDown(x, 'conv256_down');
  for (const p of ['conv256_1', 'conv256_2']) x = residual(x, p);
  x = residualDown(x, 'conv256_down_out');
  const mean = g.op('ReduceMean', [x.name], { axes: [2, 3], keepdims: 0 });
  const fc = L.w('fc', 2);
  const out = g.op('MatMul', [mean, g.constFloat('fc', fc.shape, fc.data)]);
  g.identity(out, 'embedding');
  g.output('embedding', ['N', fc.shape[1]]);
  return g;
}
