/**
 * The original face-api networks running on @tensorflow/tfjs (dev dependencies), for the conversion
 * proof (test/models-conversion.test.ts) and the speed comparison (bench/face.ts). Not used in
 * production. Loads face-api's node-wasm build (CommonJS, plain @tensorflow/tfjs + the WASM backend).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { faceApiModelDir } from './convert.js';

// face-api's own typings pull in tfjs-core types; the surface used here is small, so it is typed loosely.
// biome-ignore lint/suspicious/noExplicitAny: untyped CommonJS build of face-api
export type FaceApi = any;

let loaded: Promise<FaceApi> | undefined;

/** Loads face-api with the given tfjs backend ('cpu' is exact and portable, 'wasm' is the fast one). */
export function loadFaceApi(backend: 'cpu' | 'wasm' = 'cpu'): Promise<FaceApi> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
    await faceapi.tf.setBackend(backend);
    await faceapi.tf.ready();
    const dir = faceApiModelDir();
    for (const [net, file] of [
      [faceapi.nets.ssdMobilenetv1, 'ssd_mobilenetv1_model'],
      [faceapi.nets.faceLandmark68Net, 'face_landmark_68_model'],
      [faceapi.nets.faceRecognitionNet, 'face_recognition_model'],
    ]) {
      const manifest = JSON.parse(readFileSync(join(dir, `${file}-weights_manifest.json`), 'utf8'));
      const bytes = Buffer.concat(
        manifest.flatMap((g: { paths: string[] }) => g.paths.map((p) => readFileSync(join(dir, p)))),
      );
      const specs = manifest.flatMap((g: { weights: unknown[] }) => g.weights);
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
      net.loadFromWeightMap(faceapi.tf.io.decodeWeights(buffer, specs));
    }
    return faceapi;
  })();
  return loaded;
}

/**
 * Raw network outputs of face-api on one NHWC float32 image already at the net's input size (so that
 * face-api neither pads nor resizes): the same tensors our ONNX graphs output.
 */
export async function faceApiRawOutputs(
  faceapi: FaceApi,
  net: 'detector' | 'landmarker' | 'recogniser',
  pixels: Float32Array,
  size: number,
): Promise<Float32Array[]> {
  const tf = faceapi.tf;
  const t = tf.tensor4d(pixels, [1, size, size, 3]);
  try {
    const input = await faceapi.toNetInput(t);
    if (net === 'detector') {
      const o = faceapi.nets.ssdMobilenetv1.forwardInput(input);
      const result = [o.boxes[0].dataSync(), o.scores[0].dataSync()];
      for (const x of [...o.boxes, ...o.scores]) x.dispose();
      return result;
    }
    const model = net === 'landmarker' ? faceapi.nets.faceLandmark68Net : faceapi.nets.faceRecognitionNet;
    const out = net === 'landmarker' ? model.runNet(input) : model.forwardInput(input);
    const data = out.dataSync();
    out.dispose();
    return [data];
  } finally {
    t.dispose();
  }
}
