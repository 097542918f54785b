/**
 * Reads a TensorFlow.js weights manifest and its shard(s) as shipped by @vladmandic/face-api, and
 * de-quantises the uint8 entries the same way tfjs does (`value = q * scale + min`, in float64 then
 * stored as float32; tfjs-core io/io_utils decodeWeights).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}

type WeightsManifest = Array<{ paths: string[]; weights: ManifestEntry[] }>;

export function readFaceApiWeights(manifestPath: string): Map<string, WeightTensor> {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as WeightsManifest;
  const weights = new Map<string, WeightTensor>();
  for (const group of manifest) {
    const buffers = group.paths.map((p) => readFileSync(join(dirname(manifestPath), p)));
    const bytes = Buffer.concat(buffers);
    let offset = 0;
    for (const entry of group.weights) {
      const count = entry.shape.reduce((a, b) => a * b, 1);
      const q = entry.quantization;
      const data = new Float32Array(count);
      if (q) {
        if (q.dtype !== 'uint8' || q.scale === undefined || q.min === undefined) {
          throw new Error(`${entry.name}: unsupported quantisation ${q.dtype}`);
        }
        for (let i = 0; i < count; i++) data[i] = bytes[offset + i] * q.scale + q.min;
        offset += count;
      } else {
        for (let i = 0; i < count; i++) {
          data[i] =
            entry.dtype === 'int32' ? bytes.readInt32LE(offset + 4 * i) : bytes.readFloatLE(offset + 4 * i);
        }
        offset += count * 4;
      }
      weights.set(entry.name, { shape: entry.shape, data });
    }
    if (offset !== bytes.length)
      throw new Error(`${manifestPath}: ${bytes.length - offset} bytes left unread`);
  }
  return weights;
}

/** Looks a tensor up by name and checks its shape, so a wrong mapping fails loudly at build time. */
export function take(weights: Map<string, WeightTensor>, name: string, rank: number): WeightTensor {
  const tensor = weights.get(name);
  if (!tensor) throw new Error(`weight ${name} missing`);
  if (tensor.shape.length !== rank)
    throw new Error(`weight ${name}: rank ${tensor.shape.length}, expected ${rank}`);
  return tensor;
}
