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
  /** Minutia indices in increasing x, and the x values in that order (for windowed nearest searches). */
  readonly xOrder: Uint16Array;
  readonly xSorted: Float32Array;
  /** Scale applied to input coordinates (referencePpi / template ppi). */
  readonly scale: number;
}

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
  const buffer = new ArrayBuffer(packedTemplateBytes(n, stride));
  const view = viewPrepared(buffer, 0, n, stride, scale);
  const {
    x,
    y,
    angle,
    dirX,
    dirY,
    type,
    edgeCount,
    edgeTarget,
    edgeLength,
    edgeRefAngle,
    edgeNbrAngle,
    xOrder,
    xSorted,
  } = view;
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
  const order0 = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || a - b);
  order0.forEach((i, k) => {
    xOrder[k] = i;
    xSorted[k] = x[i];
  });
  return view;
}

/** Header words of a packed template: format version, minutia count, edge stride, scale (float bits). */
const HEADER_BYTES = 16;
const PACK_VERSION = 1;

function align4(bytes: number): number {
  return (bytes + 3) & ~3;
}

/** Bytes one packed prepared template takes (header included); galleries lay templates end to end. */
export function packedTemplateBytes(count: number, stride: number): number {
  const floats = 6 * count + 3 * count * stride; // x, y, angle, dirX, dirY, xSorted; edge length, ref, nbr
  return HEADER_BYTES + 4 * floats + align4(2 * count * stride + 2 * count) + align4(2 * count);
}

/**
 * Typed-array views of a packed template inside `buffer` (an ArrayBuffer or SharedArrayBuffer) at
 * `byteOffset` (a multiple of 4). With only a buffer and offset, the header is read; with the counts,
 * the header is written. This is how a gallery of prepared templates can live in one
 * SharedArrayBuffer that worker threads read without copying or rebuilding.
 */
export function viewPrepared(
  buffer: ArrayBufferLike,
  byteOffset: number,
  count?: number,
  stride?: number,
  scale?: number,
): PreparedTemplate {
  const header = new Uint32Array(buffer, byteOffset, 4);
  const headerFloat = new Float32Array(buffer, byteOffset, 4);
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
  } else {
    header[0] = PACK_VERSION;
    header[1] = count;
    header[2] = stride;
    headerFloat[3] = scale;
  }
  const n = count;
  const e = count * stride;
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
  const edgeTarget = new Uint16Array(buffer, at, e);
  const xOrder = new Uint16Array(buffer, at + 2 * e, n);
  at += align4(2 * e + 2 * n);
  const type = new Uint8Array(buffer, at, n);
  const edgeCount = new Uint8Array(buffer, at + n, n);
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
    xOrder,
    xSorted,
    scale,
  };
}
