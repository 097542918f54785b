/**
 * The JSON form of a minutiae template, as `idmatch fp extract --json` and `fp synth` write it and as
 * `fp search` reads probes and gallery files: `{"width", "height", "ppi", "quality", "minutiae": [{"x",
 * "y", "angle", "type", "quality"}]}` (angle in radians counter-clockwise from the x axis, as ISO/IEC
 * 19794-2), plus `position` and the extractor's `orientation` map when there are. Reading also accepts
 * `angleRad` (the in-memory name), so stored FingerprintTemplate documents load too. What is read is
 * checked field by field: a template can come from anywhere, and a NaN angle would not fail, it would
 * silently match nothing.
 */
import { IdmError } from '../errors.js';
import { orientationBytes } from './orientation-map.js';
import type { FingerprintTemplate, Minutia, MinutiaType, OrientationMap } from './types.js';

const TYPES: readonly MinutiaType[] = ['ending', 'bifurcation', 'other'];
/** The matcher indexes minutiae in 16 bits (a standard record holds at most 255 per view). */
const MAX_MINUTIAE = 65_535;
const MAX_SIDE = 20_000;

export interface MinutiaJson {
  x: number;
  y: number;
  angle: number;
  type: MinutiaType;
  quality: number;
}

export interface TemplateJson {
  width: number;
  height: number;
  ppi: number;
  quality: number;
  minutiae: MinutiaJson[];
  position?: number;
  orientation?: OrientationMap;
}

/** The JSON form of a template (angles rounded to 1e-4 rad, about 0.006 degrees). */
export function templateJson(t: FingerprintTemplate): TemplateJson {
  return {
    width: t.width,
    height: t.height,
    ppi: t.ppi,
    quality: t.quality,
    minutiae: t.minutiae.map((m) => ({
      x: m.x,
      y: m.y,
      angle: Number(m.angleRad.toFixed(4)),
      type: m.type,
      quality: m.quality,
    })),
    ...(t.position !== undefined ? { position: t.position } : {}),
    ...(t.orientation ? { orientation: t.orientation } : {}),
  };
}

function fail(what: string): never {
  throw new IdmError('IDM_TEMPLATE_FORMAT', `not a minutiae template: ${what}`);
}

function finite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${what} must be a finite number`);
  return value;
}

function minutiaFrom(value: unknown, index: number): Minutia {
  if (typeof value !== 'object' || value === null) fail(`minutiae[${index}] is not an object`);
  const m = value as Record<string, unknown>;
  const angle = m.angle ?? m.angleRad;
  const type = m.type ?? 'other';
  if (!TYPES.includes(type as MinutiaType)) fail(`minutiae[${index}].type must be one of ${TYPES.join(', ')}`);
  const quality = m.quality === undefined ? 0 : finite(m.quality, `minutiae[${index}].quality`);
  return {
    x: finite(m.x, `minutiae[${index}].x`),
    y: finite(m.y, `minutiae[${index}].y`),
    angleRad: finite(angle, `minutiae[${index}].angle (radians)`),
    type: type as MinutiaType,
    quality: Math.min(100, Math.max(0, quality)),
  };
}

/** Reads a template from its JSON form (or a FingerprintTemplate document); IDM_TEMPLATE_FORMAT if malformed. */
export function parseTemplateJson(value: unknown): FingerprintTemplate {
  if (typeof value !== 'object' || value === null) fail('not a JSON object');
  const t = value as Record<string, unknown>;
  if (!Array.isArray(t.minutiae)) fail('no minutiae array');
  if (t.minutiae.length > MAX_MINUTIAE) fail(`${t.minutiae.length} minutiae (at most ${MAX_MINUTIAE})`);
  const side = (v: unknown, what: string) => {
    const n = finite(v, what);
    if (!Number.isInteger(n) || n < 1 || n > MAX_SIDE) fail(`${what} must be an integer 1-${MAX_SIDE}`);
    return n;
  };
  const ppi = finite(t.ppi, 'ppi');
  if (ppi < 100 || ppi > 5000) fail('ppi must be 100-5000');
  const template: FingerprintTemplate = {
    width: side(t.width, 'width'),
    height: side(t.height, 'height'),
    ppi,
    quality: t.quality === undefined ? 0 : finite(t.quality, 'quality'),
    minutiae: t.minutiae.map(minutiaFrom),
  };
  if (t.position !== undefined) {
    const position = finite(t.position, 'position');
    if (!Number.isInteger(position) || position < 0 || position > 255) fail('position must be an integer 0-255');
    template.position = position;
  }
  if (t.orientation !== undefined) {
    if (typeof t.orientation !== 'object' || t.orientation === null) fail('orientation must be an object');
    orientationBytes(t.orientation as OrientationMap);
    template.orientation = t.orientation as OrientationMap;
  }
  return template;
}
