/** Embedding: the recogniser run on a batch of aligned chips, each output L2-normalised. */
import * as ort from 'onnxruntime-node';

import { IdmError } from '../errors.js';
import type { RgbImage } from './decode.js';
import type { LoadedRecogniser } from './models.js';
import { chipsToTensor, inputDims } from './warp.js';

export function l2Normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  const out = new Float32Array(v.length);
  if (n > 0) for (let i = 0; i < v.length; i++) out[i] = v[i] / n;
  return out;
}

export async function embedChips(model: LoadedRecogniser, chips: RgbImage[]): Promise<Float32Array[]> {
  if (chips.length === 0) return [];
  const tensor = new ort.Tensor(
    'float32',
    chipsToTensor(chips, model.input),
    inputDims(model.input, chips.length),
  );
  let out: Float32Array;
  try {
    const result = await model.session.run({ [model.input.name]: tensor });
    out = result[model.session.outputNames[0]].data as Float32Array;
  } catch (error) {
    throw new IdmError('IDM_MODEL', `recogniser ${model.name} failed: ${(error as Error).message}`);
  }
  const d = model.embeddingSize;
  if (out.length !== chips.length * d)
    throw new IdmError(
      'IDM_MODEL',
      `recogniser ${model.name}: expected ${d} values per face, got ${out.length / chips.length}`,
    );
  return chips.map((_, i) => l2Normalise(out.subarray(i * d, (i + 1) * d)));
}
