/**
 * Stage 4: contextual enhancement. The oriented Gabor filter of Hong, Wan & Jain (1998), tuned per pixel to
 * the local ridge orientation and period, applied as two 1-D passes: a Gaussian along the ridge, then an
 * even Gabor (cosine times Gaussian, made zero-mean) across it. For a locally constant orientation this
 * equals the 2-D filter at a fraction of the cost (about 30 taps per pixel instead of about 200). Filters
 * are precomputed for every (orientation bin, envelope, period bin) triple as index offsets into a padded
 * buffer. Sharp parts of the input get a narrower envelope across the ridge (see `sharpBlocks`).
 */
import type { GrayImage } from '../types.js';
import { type BlockGrid, blocksToPixels, maskRowSpans } from './blocks.js';
import type { FrequencyMap } from './frequency.js';
import type { OrientationField } from './orientation.js';
import { extractParameters as P, scaled } from './parameters.js';
import { type SegmentationMask, dilate } from './segmentation.js';

export interface EnhancedImage {
  width: number;
  height: number;
  /** Filter response: negative on ridges, positive in valleys, 0 outside the mask. */
  values: Float32Array;
}

/** A symmetric 1-D kernel: value = centre * p[0] + sum_k weights[k] * (p[+offsets[k]] + p[-offsets[k]]). */
interface Kernel {
  centre: number;
  offsets: Int32Array;
  weights: Float32Array;
}

export interface FilterBank {
  pad: number;
  stride: number;
  along: Kernel[];
  /** across[orientationBin * kernelStride + envelope * periodBins + periodBin] */
  across: Kernel[];
  minPeriod: number;
  periodStep: number;
  /** Period bins per envelope. */
  periodBins: number;
  /** Across kernels per orientation bin: envelopes x periodBins. The per-pixel "period bin" that
   * `filterOriented` reads is `envelope * periodBins + periodBin`. */
  kernelStride: number;
  /** The same kernels packed into flat arrays (kernel k's taps start at k * maxTaps) for the hot loops. */
  packed: PackedKernels;
}

interface PackedKernels {
  alongTaps: number;
  alongCentre: Float32Array;
  alongOffsets: Int32Array;
  alongWeights: Float32Array;
  acrossMaxTaps: number;
  acrossTaps: Uint8Array;
  acrossCentre: Float32Array;
  acrossOffsets: Int32Array;
  acrossWeights: Float32Array;
}

function pack(along: Kernel[], across: Kernel[]): PackedKernels {
  const alongTaps = Math.max(...along.map((k) => k.offsets.length));
  const acrossMaxTaps = Math.max(...across.map((k) => k.offsets.length));
  const packed: PackedKernels = {
    alongTaps,
    alongCentre: Float32Array.from(along, (k) => k.centre),
    alongOffsets: new Int32Array(along.length * alongTaps),
    alongWeights: new Float32Array(along.length * alongTaps),
    acrossMaxTaps,
    acrossTaps: Uint8Array.from(across, (k) => k.offsets.length),
    acrossCentre: Float32Array.from(across, (k) => k.centre),
    acrossOffsets: new Int32Array(across.length * acrossMaxTaps),
    acrossWeights: new Float32Array(across.length * acrossMaxTaps),
  };
  along.forEach((k, i) => {
    packed.alongOffsets.set(k.offsets, i * alongTaps);
    packed.alongWeights.set(k.weights, i * alongTaps);
  });
  across.forEach((k, i) => {
    packed.acrossOffsets.set(k.offsets, i * acrossMaxTaps);
    packed.acrossWeights.set(k.weights, i * acrossMaxTaps);
  });
  return packed;
}

const bankCache = new Map<string, FilterBank>();

function filterBank(
  width: number,
  ppi: number,
  bins: number,
  sigmaAlong500: number = P.enhancementSigmaAlongPx,
  envelopes: readonly number[] = [P.enhancementSigmaAcrossPeriods],
): FilterBank {
  const key = `${width}/${ppi}/${bins}/${sigmaAlong500}/${envelopes.join(',')}/${P.enhancementRadiusSigmas}`;
  const cached = bankCache.get(key);
  if (cached) return cached;
  const minPeriod = scaled(P.minRidgePeriodPx, ppi);
  const maxPeriod = scaled(P.maxRidgePeriodPx, ppi);
  const periodStep = scaled(P.periodBinStepPx, ppi);
  const periodBins = Math.floor((maxPeriod - minPeriod) / periodStep) + 1;
  const sigmaAlong = scaled(sigmaAlong500, ppi);
  const alongRadius = Math.ceil(P.enhancementRadiusSigmas * sigmaAlong);
  const acrossRadiusMax = Math.ceil(P.enhancementRadiusSigmas * Math.max(...envelopes) * maxPeriod);
  const pad = Math.max(alongRadius, acrossRadiusMax) + 1;
  const stride = width + 2 * pad;
  const along: Kernel[] = [];
  const across: Kernel[] = [];
  for (let b = 0; b < bins; b++) {
    const theta = (b * Math.PI) / bins;
    const ux = Math.cos(theta);
    const uy = Math.sin(theta);
    // Kernels are symmetric: store the centre weight and the positive half, each offset paired with its
    // negation (built by negating, so rounding stays symmetric).
    const offsets: number[] = [];
    const weights: number[] = [];
    let total = 1;
    for (let k = 1; k <= alongRadius; k++) {
      const w = Math.exp(-(k * k) / (2 * sigmaAlong * sigmaAlong));
      offsets.push(Math.round(k * uy) * stride + Math.round(k * ux));
      weights.push(w);
      total += 2 * w;
    }
    along.push({
      centre: 1 / total,
      offsets: Int32Array.from(offsets),
      weights: Float32Array.from(weights, (w) => w / total),
    });
    for (const envelope of envelopes)
      across.push(...acrossKernels(ux, uy, stride, minPeriod, periodStep, periodBins, envelope));
  }
  const kernelStride = envelopes.length * periodBins;
  const packed = pack(along, across);
  const bank = { pad, stride, along, across, minPeriod, periodStep, periodBins, kernelStride, packed };
  if (bankCache.size > 16) bankCache.clear();
  bankCache.set(key, bank);
  return bank;
}

/** The even Gabor kernels across the ridge of one orientation (unit normal (-uy, ux)) and envelope. */
function acrossKernels(
  ux: number,
  uy: number,
  stride: number,
  minPeriod: number,
  periodStep: number,
  periodBins: number,
  envelope: number,
): Kernel[] {
  const across: Kernel[] = [];
  for (let q = 0; q < periodBins; q++) {
    const period = minPeriod + q * periodStep;
    const sigma = envelope * period;
    const radius = Math.ceil(P.enhancementRadiusSigmas * sigma);
    const offs: number[] = [];
    const env: number[] = [];
    const raw: number[] = [];
    for (let k = 0; k <= radius; k++) {
      const e = Math.exp(-(k * k) / (2 * sigma * sigma));
      offs.push(Math.round(k * ux) * stride - Math.round(k * uy)); // normal (-uy, ux): dx=-k*uy, dy=k*ux
      env.push(e);
      raw.push(e * Math.cos((2 * Math.PI * k) / period));
    }
    // Zero mean (so the local grey level drops out), unit gain on a sinusoid of the tuned period.
    const twice = (values: number[]) => values.reduce((a, b, k) => a + (k ? 2 * b : b), 0);
    const envSum = twice(env);
    const rawSum = twice(raw);
    const zero = raw.map((r, k) => r - (env[k] * rawSum) / envSum);
    const gain = twice(zero.map((z, k) => z * Math.cos((2 * Math.PI * k) / period)));
    across.push({
      centre: zero[0] / gain,
      offsets: Int32Array.from(offs.slice(1)),
      weights: Float32Array.from(zero.slice(1), (w) => w / gain),
    });
  }
  return across;
}

/**
 * The filter bank for images of this width and resolution (cached: building it costs about a
 * millisecond); `sigmaAlongPx` (at 500 ppi) overrides the along-ridge smoothing.
 */
export function orientedGaborBank(
  width: number,
  ppi: number,
  bins: number,
  sigmaAlongPx?: number,
): FilterBank {
  return filterBank(width, ppi, bins, sigmaAlongPx);
}

const scratchBuffers: Float32Array[] = [];

/**
 * Reused work buffers (the engine is synchronous, so one set per thread suffices): allocating and
 * zeroing two padded images per call showed up as garbage-collector time. Contents are not cleared;
 * callers write every element they later read.
 */
function scratch(slot: number, length: number): Float32Array {
  let buffer = scratchBuffers[slot];
  if (!buffer || buffer.length < length) {
    buffer = new Float32Array(length);
    scratchBuffers[slot] = buffer;
  }
  return buffer;
}

/** Period bin of the bank closest to a ridge period in pixels. */
export function periodBinOf(bank: FilterBank, periodPx: number): number {
  const q = Math.round((periodPx - bank.minPeriod) / bank.periodStep);
  return q < 0 ? 0 : q >= bank.periodBins ? bank.periodBins - 1 : q;
}

/**
 * Applies the oriented Gabor filter to `source` (width x height, row-major) at the pixels of `mask`
 * (all pixels when null), with per-pixel orientation bins and period bins (a bank of several envelopes
 * reads `envelope * bank.periodBins + periodBin`, see FilterBank). Also used by the synthetic generator,
 * which grows ridges by iterating this filter.
 */
export function filterOriented(
  source: ArrayLike<number>,
  width: number,
  height: number,
  bank: FilterBank,
  orientationBin: Uint8Array,
  periodBin: Uint8Array,
  mask: Uint8Array | null,
  out: Float32Array,
): void {
  const { pad, stride } = bank;
  const paddedHeight = height + 2 * pad;
  // Source, padded by edge replication so taps never leave the buffer.
  const padded = scratch(0, stride * paddedHeight);
  padSource(source, width, height, pad, stride, padded);
  // Per row, the span of mask pixels (all pixels without a mask); rows without any have max -1.
  const { min: rowMin, max: rowMax } = mask
    ? maskRowSpans(mask, width, height)
    : { min: new Int32Array(height), max: new Int32Array(height).fill(width - 1) };
  let minY = 0;
  while (minY < height && rowMax[minY] < 0) minY++;
  if (minY === height) return;
  let maxY = height - 1;
  while (rowMax[maxY] < 0) maxY--;
  const smoothed = scratch(1, stride * paddedHeight);
  const { alongTaps, alongCentre, alongOffsets, alongWeights } = bank.packed;
  const { acrossMaxTaps, acrossTaps, acrossCentre, acrossOffsets, acrossWeights } = bank.packed;
  const grow = pad - 1;
  // The along-ridge pass is only needed where an across-ridge tap of a masked pixel can land: per row,
  // the span of the mask pixels within `grow` rows, widened by `grow`.
  for (let y = Math.max(0, minY - grow); y <= Math.min(height - 1, maxY + grow); y++) {
    let lo = width;
    let hi = -1;
    for (let yy = Math.max(minY, y - grow); yy <= Math.min(maxY, y + grow); yy++) {
      if (rowMin[yy] < lo) lo = rowMin[yy];
      if (rowMax[yy] > hi) hi = rowMax[yy];
    }
    if (hi < 0) continue;
    const x0 = Math.max(0, lo - grow);
    const x1 = Math.min(width - 1, hi + grow);
    for (let x = x0; x <= x1; x++) {
      const bin = orientationBin[y * width + x];
      const base = bin * alongTaps;
      const centre = (y + pad) * stride + x + pad;
      let s = alongCentre[bin] * padded[centre];
      for (let k = base; k < base + alongTaps; k++) {
        const o = alongOffsets[k];
        s += alongWeights[k] * (padded[centre + o] + padded[centre - o]);
      }
      smoothed[centre] = s;
    }
    // Across-ridge taps of pixels near the image's edge land in the padding: replicate the edge values
    // there, as the source padding does. (Left unwritten, the reused buffer handed them the previous
    // image's values, so an extraction depended on what was extracted before it.)
    const row = (y + pad) * stride;
    if (x0 === 0) smoothed.fill(smoothed[row + pad], row, row + pad);
    if (x1 === width - 1) smoothed.fill(smoothed[row + pad + width - 1], row + pad + width, row + stride);
  }
  {
    const first = Math.max(0, minY - grow);
    const last = Math.min(height - 1, maxY + grow);
    if (first === 0) {
      for (let y = 0; y < pad; y++) smoothed.copyWithin(y * stride, pad * stride, (pad + 1) * stride);
    }
    if (last === height - 1) {
      const src = (pad + height - 1) * stride;
      for (let y = pad + height; y < paddedHeight; y++) smoothed.copyWithin(y * stride, src, src + stride);
    }
  }
  const { kernelStride } = bank;
  for (let y = minY; y <= maxY; y++) {
    for (let x = rowMin[y]; x <= rowMax[y]; x++) {
      const i = y * width + x;
      if (mask && !mask[i]) continue;
      const kernel = orientationBin[i] * kernelStride + periodBin[i];
      const base = kernel * acrossMaxTaps;
      const end = base + acrossTaps[kernel];
      const centre = (y + pad) * stride + x + pad;
      let s = acrossCentre[kernel] * smoothed[centre];
      for (let k = base; k < end; k++) {
        const o = acrossOffsets[k];
        s += acrossWeights[k] * (smoothed[centre + o] + smoothed[centre - o]);
      }
      out[i] = s;
    }
  }
}

/**
 * Writes `source` into the middle of `padded` (rows of `stride`, `pad` pixels of margin all round) and
 * replicates its edge pixels into the margin. Typed-array rows are copied natively, which converts
 * 8-bit pixels exactly.
 */
function padSource(
  source: ArrayLike<number>,
  width: number,
  height: number,
  pad: number,
  stride: number,
  padded: Float32Array,
): void {
  const typed = ArrayBuffer.isView(source) ? (source as Uint8Array | Float32Array) : null;
  for (let y = 0; y < height; y++) {
    const row = (y + pad) * stride;
    const srcRow = y * width;
    padded.fill(source[srcRow], row, row + pad);
    if (typed) padded.set(typed.subarray(srcRow, srcRow + width), row + pad);
    else for (let x = 0; x < width; x++) padded[row + pad + x] = source[srcRow + x];
    padded.fill(source[srcRow + width - 1], row + pad + width, row + stride);
  }
  const top = pad * stride;
  const bottom = (pad + height - 1) * stride;
  for (let y = 0; y < pad; y++) {
    padded.copyWithin(y * stride, top, top + stride);
    padded.copyWithin((pad + height + y) * stride, bottom, bottom + stride);
  }
}

/** Envelopes of the enhancement's bank: index 0 for most of the print, 1 for its sharp blocks. */
const ENVELOPES = [P.enhancementSigmaAcrossPeriods, P.enhancementSharpSigmaAcrossPeriods] as const;

export function enhance(
  image: GrayImage,
  field: OrientationField,
  frequency: FrequencyMap,
  segmentation: SegmentationMask,
): EnhancedImage {
  const { width, height, pixels, ppi } = image;
  const { grid, pixelBin, bins } = field;
  const mask = segmentation.pixels;
  const bank = filterBank(width, ppi, bins, P.enhancementSigmaAlongPx, ENVELOPES);
  const { blocksX, blocksY } = grid;
  const sharp = sharpBlocks(image, grid, segmentation);
  const blockBin = new Uint8Array(blocksX * blocksY);
  for (let b = 0; b < blockBin.length; b++) {
    blockBin[b] = periodBinOf(bank, frequency.blockPeriod[b]) + sharp[b] * bank.periodBins;
  }
  const periodBin = blocksToPixels(grid, blockBin);
  const values = new Float32Array(width * height);
  filterOriented(pixels, width, height, bank, pixelBin, periodBin, mask, values);
  return { width, height, values };
}

/**
 * Foreground blocks whose input is sharp: fine grey-level detail (mean |pixel - mean of its 4 neighbours|)
 * large against the ridge contrast (grey-level spread), both over the block's 3x3-block window, the
 * window of `segmentation.blockContrast`. A capacitive sensor's dry breaks and wet merges are sharp-edged;
 * an optical sensor's faint stretches are blurred. 1 sharp, 0 not.
 */
export function sharpBlocks(image: GrayImage, grid: BlockGrid, segmentation: SegmentationMask): Uint8Array {
  const { width, height, pixels } = image;
  const { blockSize, blocksX, blocksY } = grid;
  const window = P.segmentationWindowBlocks;
  // Only blocks within the window of a foreground block are read below.
  const needed = dilate(segmentation.blocks, blocksX, blocksY, window);
  const detail = new Float64Array(blocksX * blocksY);
  const count = new Float64Array(blocksX * blocksY);
  for (let y = 1; y < height - 1; y++) {
    const rowBlock = ((y / blockSize) | 0) * blocksX;
    for (let bx = 0; bx < blocksX; bx++) {
      const b = rowBlock + bx;
      if (!needed[b]) continue;
      const xStart = Math.max(1, bx * blockSize);
      const xEnd = Math.min(width - 1, (bx + 1) * blockSize);
      // Every term is a multiple of 1/4 far below 2^50: the sum is exact in any order.
      let sum = 0;
      for (let i = y * width + xStart; i < y * width + xEnd; i++) {
        sum += Math.abs(
          pixels[i] - 0.25 * (pixels[i - 1] + pixels[i + 1] + pixels[i - width] + pixels[i + width]),
        );
      }
      detail[b] += sum;
      count[b] += xEnd - xStart;
    }
  }
  const sharp = new Uint8Array(blocksX * blocksY);
  for (let by = 0; by < blocksY; by++) {
    for (let bx = 0; bx < blocksX; bx++) {
      const b = by * blocksX + bx;
      if (!segmentation.blocks[b]) continue;
      let sum = 0;
      let n = 0;
      for (let yy = Math.max(0, by - window); yy <= Math.min(blocksY - 1, by + window); yy++) {
        for (let xx = Math.max(0, bx - window); xx <= Math.min(blocksX - 1, bx + window); xx++) {
          sum += detail[yy * blocksX + xx];
          n += count[yy * blocksX + xx];
        }
      }
      const spread = segmentation.blockContrast[b];
      sharp[b] = n > 0 && spread > 0 && sum / n > P.sharpDetailRatio * spread ? 1 : 0;
    }
  }
  return sharp;
}

/**
 * Ridge clarity around (x, y): mean absolute filter response over a square of `radius` px divided by the
 * grey-level standard deviation of the input there. The filter has unit gain on ridges of its tuned period
 * and direction, so clear ridges score about 0.5-0.7 while speckle, dry blotches and smudges, whose
 * contrast the filter does not find in the expected pattern, score far lower (the filter invents the
 * ridges there, and the minutiae between them).
 */
export function ridgeClarity(
  image: GrayImage,
  enhanced: EnhancedImage,
  x: number,
  y: number,
  radius: number,
): number {
  const { width, height, pixels } = image;
  const cx = Math.round(x);
  const cy = Math.round(y);
  let response = 0;
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let yy = Math.max(0, cy - radius); yy <= Math.min(height - 1, cy + radius); yy++) {
    for (let xx = Math.max(0, cx - radius); xx <= Math.min(width - 1, cx + radius); xx++) {
      const i = yy * width + xx;
      const v = pixels[i];
      sum += v;
      sumSq += v * v;
      response += Math.abs(enhanced.values[i]);
      n++;
    }
  }
  if (n === 0) return 0;
  const spread = Math.sqrt(Math.max(0, sumSq / n - (sum / n) ** 2));
  return spread > 1e-3 ? response / n / spread : 0;
}
