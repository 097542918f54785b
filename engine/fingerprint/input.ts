/**
 * One entry point for every form fingerprint data arrives in: a plain image (PNG, JPEG, TIFF, BMP,
 * WSQ), an ISO/IEC 19794-2 or ANSI INCITS 378 minutiae record, or a whole ANSI/NIST-ITL transaction
 * (every finger image of a tenprint card, or a latent with its exemplar). Each becomes one template per
 * finger, with its finger position and role.
 */
import { IdmError } from '../errors.js';
import { extractTemplate } from './extract/index.js';
import { parseTransaction } from './formats/ansi-nist.js';
import { decodeNistImage, fingerImages } from './formats/ansi-nist-images.js';
import { transactionTemplates } from './formats/ansi-nist-minutiae.js';
import { parseMinutiaeRecord } from './formats/minutiae-record.js';
import { decodeFingerprintImage, resampleGray, TARGET_PPI } from './image.js';
import { extractLatentTemplate } from './latent/index.js';
import { checkSequence, type SequenceFinding } from './sequence-check.js';
import { type SlapFinger, segmentSlap, slapFingers } from './slap.js';
import type { FingerprintTemplate, GrayImage } from './types.js';

export type FingerprintSource = 'image' | 'minutiae-record' | 'ansi-nist';

export interface FingerprintPrint {
  /** Finger position code (ANSI/NIST and ISO): 0 unknown, 1-10 fingers. */
  position: number;
  role: 'exemplar' | 'latent';
  source: FingerprintSource;
  template: FingerprintTemplate;
  /** Set when the print was cut from a slap (slap.ts): the slap's position code and the tip's box in it. */
  slap?: { position: number; box: SlapFinger['box'] };
}

export interface FingerprintReading {
  source: FingerprintSource;
  prints: FingerprintPrint[];
  /** Records that were passed over and why (palms, slaps that cannot be segmented, undecodable codecs). */
  skipped: Array<{ record: number; reason: string }>;
  /** A card with both slaps and rolled prints: each slap tip against the rolled prints (sequence-check.ts). */
  sequence?: SequenceFinding[];
}

export interface ReadOptions {
  /** Resolution of a plain image that does not carry one. */
  ppi?: number;
  /** Finger position of a plain image or a single-finger record. */
  position?: number;
  /** Treat a plain image or record as a latent. */
  latent?: boolean;
}

const isMinutiaeRecord = (bytes: Uint8Array) =>
  bytes.length >= 4 && bytes[0] === 0x46 && bytes[1] === 0x4d && bytes[2] === 0x52 && bytes[3] === 0;

// A traditional ANSI/NIST transaction opens with its Type-1 record's first field, "1.001:".
const isAnsiNist = (bytes: Uint8Array) =>
  bytes.length > 6 && String.fromCharCode(...bytes.subarray(0, 6)) === '1.001:';

/** A single finger position (1-10, or 0 unknown); slaps and palms carry codes above 10. */
const singleFinger = (positions: number[]) => (positions.length === 0 ? 0 : positions.length === 1 && positions[0] <= 10 ? positions[0] : -1);

/** The slap position code of a record that holds one slap (11-15), else undefined. */
const slapPosition = (positions: number[]) =>
  positions.length === 1 && slapFingers(positions[0]) !== undefined ? positions[0] : undefined;

/** The exemplar prints cut from a slap image, one per fingertip, or the reason it cannot be cut. */
function slapPrints(image: GrayImage, position: number, source: FingerprintSource): FingerprintPrint[] {
  return segmentSlap(image, position).map((finger) => ({
    position: finger.position,
    role: 'exemplar' as const,
    source,
    template: { ...extractTemplate(finger.image), position: finger.position },
    slap: { position, box: finger.box },
  }));
}

/**
 * One print per finger position, for searches that add up evidence over fingers: a slap tip and the
 * rolled print of the same finger are one finger, not two independent ones, so the rolled print (the
 * larger area) is kept and the tip only stands in where no rolled print was taken. Prints of unknown
 * position are all kept.
 */
export function onePrintPerFinger(prints: FingerprintPrint[]): FingerprintPrint[] {
  const chosen = new Map<number, FingerprintPrint>();
  for (const print of prints) {
    const known = chosen.get(print.position);
    if (print.position === 0 || !known || (known.slap && !print.slap)) chosen.set(print.position, print);
  }
  return prints.filter((print) => print.position === 0 || chosen.get(print.position) === print);
}

export async function readFingerprints(bytes: Uint8Array, options: ReadOptions = {}): Promise<FingerprintReading> {
  const role: FingerprintPrint['role'] = options.latent ? 'latent' : 'exemplar';
  if (isMinutiaeRecord(bytes)) {
    const prints = parseMinutiaeRecord(bytes).map((template) => ({
      position: template.position ?? options.position ?? 0,
      role,
      source: 'minutiae-record' as const,
      template,
    }));
    return { source: 'minutiae-record', prints, skipped: [] };
  }
  if (isAnsiNist(bytes)) return readTransaction(bytes);
  const image = await decodeFingerprintImage(bytes, { ppi: options.ppi });
  const slap = options.position !== undefined && !options.latent ? slapPosition([options.position]) : undefined;
  if (slap !== undefined) return { source: 'image', prints: slapPrints(image, slap, 'image'), skipped: [] };
  const template = role === 'latent' ? extractLatentTemplate(image) : extractTemplate(image);
  return {
    source: 'image',
    prints: [{ position: options.position ?? 0, role, source: 'image', template: { ...template, position: options.position ?? 0 } }],
    skipped: [],
  };
}

async function readTransaction(bytes: Uint8Array): Promise<FingerprintReading> {
  const tx = parseTransaction(bytes);
  const prints: FingerprintPrint[] = [];
  const skipped: FingerprintReading['skipped'] = [];
  for (const entry of fingerImages(tx)) {
    if (entry.role !== 'exemplar' && entry.role !== 'latent') {
      skipped.push({ record: entry.index, reason: `${entry.role} image (Type-${entry.record.type})` });
      continue;
    }
    const position = singleFinger(entry.positions);
    const slap = entry.role === 'exemplar' ? slapPosition(entry.positions) : undefined;
    if (position < 0 && slap === undefined) {
      skipped.push({ record: entry.index, reason: `palm or multi-position record (${entry.positions.join('/')})` });
      continue;
    }
    try {
      const native = await decodeNistImage(tx, entry.record);
      const image = native.ppi === TARGET_PPI ? native : await resampleGray(native, TARGET_PPI);
      if (slap !== undefined) {
        prints.push(...slapPrints(image, slap, 'ansi-nist'));
        continue;
      }
      const template = entry.role === 'latent' ? extractLatentTemplate(image) : extractTemplate(image);
      prints.push({ position, role: entry.role, source: 'ansi-nist', template: { ...template, position } });
    } catch (error) {
      if (!(error instanceof IdmError)) throw error;
      skipped.push({ record: entry.index, reason: error.message });
    }
  }
  if (prints.length === 0) {
    // No usable image: fall back to the transaction's Type-9 minutiae, when it has them.
    for (const { index, template } of transactionTemplates(tx)) {
      prints.push({ position: template.position ?? 0, role: 'exemplar', source: 'ansi-nist', template });
      skipped.push({ record: index, reason: 'used the Type-9 minutiae: no decodable finger image' });
    }
  }
  if (prints.length === 0) throw new IdmError('IDM_NIST_FORMAT', 'the transaction holds no usable finger image or minutiae');
  const sequence = checkSequence(prints);
  return { source: 'ansi-nist', prints, skipped, ...(sequence.length > 0 ? { sequence } : {}) };
}
