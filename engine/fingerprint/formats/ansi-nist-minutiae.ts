/** Minutiae carried by ANSI/NIST-ITL Type-9 records, as templates. */
import type { FingerprintTemplate, Minutia } from '../types.js';
import { recordPpi } from './ansi-nist-images.js';
import { fieldNumber, getField, type NistRecord, type NistTransaction, subfields } from './ansi-nist.js';

const DEGREE = Math.PI / 180;

function normaliseAngle(radians: number): number {
  const turn = 2 * Math.PI;
  const a = radians % turn;
  return a < 0 ? a + turn : a;
}

/**
 * The minutiae of a Type-9 record as a template, from whichever block it carries:
 * - the INCITS 378 ("M1") block, fields 9.126-9.150: size 9.128/9.129, resolution 9.131 in pixels per cm
 *   (9.130 = 2) or per inch (1), position 9.134, minutiae 9.137 as index~x~y~angle (2-degree units)~type
 *   (0 other, 1 ending, 2 bifurcation)~quality, in pixels from the top-left corner;
 * - the Extended Feature Set, fields 9.300-9.399: region of interest 9.300 and minutiae 9.331 as
 *   x~y~angle (degrees)~type (E ending, B bifurcation, X unknown), in units of 10 micrometres from the top-left
 *   corner, converted here to pixels at `ppi` (default 500).
 * - the standard FBI/IAFIS block (9.004 = S, minutiae 9.012 as index~XXXXYYYYTTT~quality~type~ridge counts):
 *   X and Y in units of 10 micrometres from the bottom-left corner, theta in degrees counter-clockwise along the
 *   ridge, which is the opposite of the ISO/INCITS direction (the NIST samples carrying both blocks for one
 *   image differ by exactly 180 degrees). Its conversion needs the image height in pixels (`imageHeight`),
 *   found by `transactionTemplates` in the image record with the same IDC.
 */
export function type9Template(
  record: NistRecord,
  ppi = 500,
  imageSize?: { width: number; height: number },
): FingerprintTemplate | undefined {
  if (record.type !== 9) return undefined;
  const m1 = getField(record, 137);
  if (m1 !== undefined) {
    const units = fieldNumber(record, 130);
    const resolution = fieldNumber(record, 131) ?? 197;
    const minutiae: Minutia[] = subfields(m1)
      .filter((items) => items.length >= 4)
      .map((items) => {
        const type = Number(items[4] ?? 0);
        return {
          x: Number(items[1]),
          y: Number(items[2]),
          angleRad: normaliseAngle(Number(items[3]) * 2 * DEGREE),
          type: type === 1 ? 'ending' : type === 2 ? 'bifurcation' : 'other',
          quality: Math.min(100, Number(items[5] ?? 0)),
        } satisfies Minutia;
      });
    return {
      width: fieldNumber(record, 128) ?? 0,
      height: fieldNumber(record, 129) ?? 0,
      ppi: units === 1 ? resolution : Math.round(resolution * 2.54 * 100) / 100,
      quality: 0,
      minutiae,
      ...(fieldNumber(record, 134) !== undefined ? { position: fieldNumber(record, 134) } : {}),
    };
  }
  const standard = getField(record, 12);
  if (standard !== undefined && imageSize && (getField(record, 4) ?? '').trim() === 'S') {
    const pixelsPer10um = ppi / 2540;
    const minutiae: Minutia[] = [];
    for (const items of subfields(standard)) {
      const xyt = items[1] ?? '';
      if (!/^\d{11}$/.test(xyt)) continue;
      const type = (items[3] ?? '').trim();
      minutiae.push({
        x: Math.round(Number(xyt.slice(0, 4)) * pixelsPer10um),
        y: Math.round(imageSize.height - Number(xyt.slice(4, 8)) * pixelsPer10um),
        angleRad: normaliseAngle((Number(xyt.slice(8, 11)) + 180) * DEGREE),
        type: type === 'A' ? 'ending' : type === 'B' ? 'bifurcation' : 'other',
        quality: 0,
      });
    }
    const position = subfields(getField(record, 6) ?? '')
      .map((items) => Number(items[0]))
      .find((n) => Number.isInteger(n) && n !== 255);
    return {
      width: imageSize.width,
      height: imageSize.height,
      ppi,
      quality: 0,
      minutiae,
      ...(position !== undefined ? { position } : {}),
    };
  }
  const efs = getField(record, 331);
  if (efs !== undefined) {
    const pixelsPer10um = ppi / 2540;
    const roi = subfields(getField(record, 300) ?? '')[0] ?? [];
    const minutiae: Minutia[] = subfields(efs)
      .filter((items) => items.length >= 4)
      .map((items) => ({
        x: Math.round(Number(items[0]) * pixelsPer10um),
        y: Math.round(Number(items[1]) * pixelsPer10um),
        angleRad: normaliseAngle(Number(items[2]) * DEGREE),
        type: items[3] === 'E' ? 'ending' : items[3] === 'B' ? 'bifurcation' : 'other',
        quality: 0,
      }));
    return {
      width: Math.round(Number(roi[0] ?? 0) * pixelsPer10um),
      height: Math.round(Number(roi[1] ?? 0) * pixelsPer10um),
      ppi,
      quality: 0,
      minutiae,
    };
  }
  return undefined;
}

/**
 * Every Type-9 record of a transaction as a template, with the resolution and size of the image record that
 * shares its IDC (when there is one).
 */
export function transactionTemplates(
  tx: NistTransaction,
): Array<{ index: number; template: FingerprintTemplate }> {
  const out: Array<{ index: number; template: FingerprintTemplate }> = [];
  tx.records.forEach((record, index) => {
    if (record.type !== 9) return;
    const image = tx.records.find((r) => r.image && r.idc === record.idc && r.type !== 9);
    const ppi = image ? recordPpi(tx, image) : 500;
    const size =
      image?.image && image.image.width > 0
        ? { width: image.image.width, height: image.image.height }
        : undefined;
    const template = type9Template(record, ppi, size);
    if (template) out.push({ index, template });
  });
  return out;
}
