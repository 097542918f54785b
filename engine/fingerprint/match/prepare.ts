/**
 * Prepared template: the matcher's compact, precomputed view of a minutiae template.
 *
 * Everything is a typed array so that a gallery of prepared templates can later be packed into one
 * SharedArrayBuffer and read by worker threads without rebuilding (issue 7, 1:N stage). The layout is
 * struct-of-arrays: minutia i is (x[i], y[i], angle[i], type[i]); its edges (to its nearest neighbours)
 * are the slots i*stride .. i*stride + edgeCount[i] - 1 of the edge arrays.
 *
 * An edge a->b is described rotation- and translation-invariantly, as in SourceAFIS's edge shape:
 * its length, the angle of the edge direction relative to a's direction ("reference angle") and the
 * angle of the edge direction relative to b's direction ("neighbour angle").
 */
import { IdmError } from '../../errors.js';
import type { FingerprintTemplate, MinutiaType } from '../types.js';
import { DESCRIPTOR_LENGTH, fillDescriptors } from './descriptor.js';
import { fillLookups } from './edge-hash.js';
import { matchParameters as P } from './parameters.js';

const TWO_PI = 2 * Math.PI;

export const MINUTIA_TYPE_CODE: Record<MinutiaType, number> = { ending: 0, bifurcation: 1, other: 2 };

export interface PreparedTemplate {
  readonly count: number;
  /** Minutia positions in pixels at matchParameters.referencePpi. */
  readonly x: Float32Array;
  readonly y: Float32Array;
  /** Minutia directions, radians in [0, 2*pi). */
  readonly angle: Float32Array;
  /** Direction as a unit vector in image coordinates (y down): (cos angle, -sin angle). */
  readonly dirX: Float32Array;
  readonly dirY: Float32Array;
  /** 0 ending, 1 bifurcation, 2 other (MINUTIA_TYPE_CODE). */
  readonly type: Uint8Array;
  /** Edge slots per minutia. */
  readonly stride: number;
  /** Number of used edge slots of each minutia. */
  readonly edgeCount: Uint8Array;
  readonly edgeTarget: Uint16Array;
  readonly edgeLength: Float32Array;
  readonly edgeRefAngle: Float32Array;
  readonly edgeNbrAngle: Float32Array;
  /**
   * The root edges a comparison looks up in the other template's edge hash (edge-hash.ts), each
   * undirected edge once: lookupEdge[k] = owner << 5 | s << 1 | reversed for the edge in slot s of
   * minutia `owner`, reversed = 1 when it is looked up from its target's side (its canonical
   * orientation); lookupBucket[k] its bucket. Computed here so that the candidate side of a comparison
   * only reads.
   */
  readonly lookupCount: number;
  readonly lookupEdge: Uint32Array;
  readonly lookupBucket: Uint16Array;
  /** Minutia indices in increasing x, and the x values in that order (for windowed nearest searches). */
  readonly xOrder: Uint16Array;
  readonly xSorted: Float32Array;
  /** xBin[b]: the first position in xSorted with x >= minX + b / xBinScale (b = 0 .. X_BINS). */
  readonly xBin: Uint16Array;
  readonly xBinScale: number;
  /** Bounding box of the minutiae. */
  readonly minX: number;
  readonly maxX: number;
  readonly minY: number;
  readonly maxY: number;
  /** Scale applied to input coordinates (referencePpi / template ppi). */
  readonly scale: number;
  /**
   * Orientation descriptor bytes per minutia (descriptor.ts): DESCRIPTOR_LENGTH when the template had an
   * orientation map, else 0 (and `descriptor` is empty).
   */
  readonly descriptorLength: number;
  /** Minutia i's descriptor is descriptor[i * descriptorLength ...]. */
  readonly descriptor: Uint8Array;
}

/** Bins of the xBin table. */
export const X_BINS = 32;

export function normalizeAngle(a: number): number {
  a %= TWO_PI;
  return a < 0 ? a + TWO_PI : a;
}

/** Builds the prepared form of a template. Minutiae beyond 65535 cannot exist in any standard record. */
export function prepareTemplate(template: FingerprintTemplate): PreparedTemplate {
  const ppi = template.ppi > 0 ? template.ppi : P.referencePpi;
  const scale = P.referencePpi / ppi;
  const n = Math.min(template.minutiae.length, 0xffff);
  const stride = P.neighborCount;
  if (stride > 16) throw new IdmError('IDM_VALIDATION', 'the lookup list encodes edge positions in 4 bits');
  const descriptorLength = template.orientation ? DESCRIPTOR_LENGTH : 0;
  const buffer = new ArrayBuffer(packedTemplateBytes(n, stride, descriptorLength));
  const view = viewPrepared(buffer, 0, n, stride, scale, descriptorLength);
  fillDescriptors(template, n, scale, view.descriptor);
  const { x, y, angle, dirX, dirY, type, edgeCount, edgeTarget, edgeLength, edgeRefAngle, edgeNbrAngle } =
    view;
  for (let i = 0; i < n; i++) {
    const m = template.minutiae[i];
    x[i] = m.x * scale;
    y[i] = m.y * scale;
    angle[i] = normalizeAngle(m.angleRad);
    dirX[i] = Math.cos(angle[i]);
    dirY[i] = -Math.sin(angle[i]);
    type[i] = MINUTIA_TYPE_CODE[m.type] ?? 2;
  }
  const order: number[] = [];
  const dist = new Float64Array(n);
  const maxSq = P.neighborRange * P.neighborRange;
  const minSq = P.neighborMinDistance * P.neighborMinDistance;
  for (let a = 0; a < n; a++) {
    order.length = 0;
    for (let b = 0; b < n; b++) {
      if (b === a) continue;
      const dx = x[b] - x[a];
      const dy = y[b] - y[a];
      const d2 = dx * dx + dy * dy;
      if (d2 > maxSq || d2 < minSq) continue;
      dist[b] = d2;
      order.push(b);
    }
    order.sort((p, q) => dist[p] - dist[q] || p - q);
    const k = Math.min(stride, order.length);
    edgeCount[a] = k;
    for (let s = 0; s < k; s++) {
      const b = order[s];
      const slot = a * stride + s;
      // y grows downwards while ISO angles turn counter-clockwise: flip dy so both use one convention.
      const direction = Math.atan2(y[a] - y[b], x[b] - x[a]);
      edgeTarget[slot] = b;
      edgeLength[slot] = Math.sqrt(dist[b]);
      edgeRefAngle[slot] = normalizeAngle(direction - angle[a]);
      edgeNbrAngle[slot] = normalizeAngle(direction - angle[b]);
    }
  }
  const header = new Uint32Array(buffer, 0, HEADER_WORDS);
  const headerFloat = new Float32Array(buffer, 0, HEADER_WORDS);
  header[4] = fillLookups(view, view.lookupEdge, view.lookupBucket);
  const byX = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || a - b);
  byX.forEach((i, k) => {
    view.xOrder[k] = i;
    view.xSorted[k] = x[i];
  });
  let minY = Number.POSITIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    minY = Math.min(minY, y[i]);
    maxY = Math.max(maxY, y[i]);
  }
  const minX = n > 0 ? view.xSorted[0] : 0;
  const maxX = n > 0 ? view.xSorted[n - 1] : 0;
  const xBinScale = X_BINS / Math.max(maxX - minX, 1);
  for (let b = 0, k = 0; b <= X_BINS; b++) {
    while (k < n && view.xSorted[k] < minX + b / xBinScale) k++;
    view.xBin[b] = k;
  }
  headerFloat[5] = minX;
  headerFloat[6] = maxX;
  headerFloat[7] = n > 0 ? minY : 0;
  headerFloat[8] = n > 0 ? maxY : 0;
  headerFloat[9] = xBinScale;
  // Read back through the header, as a gallery would.
  return viewPrepared(buffer, 0);
}

/**
 * Header words of a packed template: format version, minutia count, edge stride, scale (float bits),
 * lookup count, minX, maxX, minY, maxY, xBinScale (float bits), descriptor length, one spare.
 */
const HEADER_WORDS = 12;
const HEADER_BYTES = 4 * HEADER_WORDS;
/** 3: orientation descriptors after the type and edge-count bytes. */
const PACK_VERSION = 3;

function align4(bytes: number): number {
  return (bytes + 3) & ~3;
}

/** Root-edge lookups a template of `count` minutiae can have at most. */
function lookupCapacity(count: number, stride: number): number {
  return count * Math.min(stride, P.rootNeighborCount);
}

/**
 * Bytes one packed prepared template takes (header included); galleries lay templates end to end.
 * `descriptorLength` is the prepared template's (0 without an orientation map).
 */
export function packedTemplateBytes(count: number, stride: number, descriptorLength = 0): number {
  const e = count * stride;
  const lookups = lookupCapacity(count, stride);
  const floats = 6 * count + 3 * e; // x, y, angle, dirX, dirY, xSorted; edge length, ref, nbr
  // Uint32: lookup edge; Uint16: edge target, lookup bucket, x order, x bins; Uint8: type, edge count.
  return (
    HEADER_BYTES +
    4 * floats +
    4 * lookups +
    align4(2 * (e + lookups + count + X_BINS + 1)) +
    align4(2 * count + descriptorLength * count)
  );
}

/**
 * Typed-array views of a packed template inside `buffer` (an ArrayBuffer or SharedArrayBuffer) at
 * `byteOffset` (a multiple of 4). With only a buffer and offset, the header is read; with the counts,
 * the header is written (the rest of it by prepareTemplate). This is how a gallery of prepared
 * templates can live in one SharedArrayBuffer that worker threads read without copying or rebuilding.
 */
export function viewPrepared(
  buffer: ArrayBufferLike,
  byteOffset: number,
  count?: number,
  stride?: number,
  scale?: number,
  descriptorLength = 0,
): PreparedTemplate {
  const header = new Uint32Array(buffer, byteOffset, HEADER_WORDS);
  const headerFloat = new Float32Array(buffer, byteOffset, HEADER_WORDS);
  if (count === undefined || stride === undefined || scale === undefined) {
    if (header[0] !== PACK_VERSION) {
      throw new IdmError(
        'IDM_TEMPLATE_FORMAT',
        `packed template at byte ${byteOffset} has unknown version ${header[0]}`,
      );
    }
    count = header[1];
    stride = header[2];
    scale = headerFloat[3];
    descriptorLength = header[10];
  } else {
    header[0] = PACK_VERSION;
    header[1] = count;
    header[2] = stride;
    headerFloat[3] = scale;
    header[10] = descriptorLength;
  }
  const n = count;
  const e = count * stride;
  const lookups = lookupCapacity(count, stride);
  let at = byteOffset + HEADER_BYTES;
  const f32 = (length: number) => {
    const array = new Float32Array(buffer, at, length);
    at += 4 * length;
    return array;
  };
  const x = f32(n);
  const y = f32(n);
  const angle = f32(n);
  const dirX = f32(n);
  const dirY = f32(n);
  const xSorted = f32(n);
  const edgeLength = f32(e);
  const edgeRefAngle = f32(e);
  const edgeNbrAngle = f32(e);
  const lookupEdge = new Uint32Array(buffer, at, lookups);
  at += 4 * lookups;
  const u16 = (length: number) => {
    const array = new Uint16Array(buffer, at, length);
    at += 2 * length;
    return array;
  };
  const edgeTarget = u16(e);
  const lookupBucket = u16(lookups);
  const xOrder = u16(n);
  const xBin = u16(X_BINS + 1);
  // Aligned relative to the template: align4 works in 32 bits, and a gallery's buffer passes 2 GB.
  at = byteOffset + align4(at - byteOffset);
  const type = new Uint8Array(buffer, at, n);
  const edgeCount = new Uint8Array(buffer, at + n, n);
  const descriptor = new Uint8Array(buffer, at + 2 * n, descriptorLength * n);
  return {
    count: n,
    x,
    y,
    angle,
    dirX,
    dirY,
    type,
    stride,
    edgeCount,
    edgeTarget,
    edgeLength,
    edgeRefAngle,
    edgeNbrAngle,
    lookupCount: header[4],
    lookupEdge,
    lookupBucket,
    xOrder,
    xSorted,
    xBin,
    xBinScale: headerFloat[9],
    minX: headerFloat[5],
    maxX: headerFloat[6],
    minY: headerFloat[7],
    maxY: headerFloat[8],
    scale,
    descriptorLength,
    descriptor,
  };
}
