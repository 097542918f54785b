/**
 * The 1:N fingerprint gallery: every enrolled finger as a binary code (for the candidate stage) and a
 * packed prepared template (for the full matcher), all in SharedArrayBuffers.
 *
 * Layout (struct of arrays, entry i):
 *   codes        Uint32 x codeWords   the template's identification code (code.ts)
 *   codeBits     Uint16               set bits of that code (the code stage's score corrects for them)
 *   positions    Uint8                finger position (0 unknown)
 *   subjects     Int32                index into the snapshot's subjectIds
 *   alive        Uint8                0 once removed (searches skip it)
 *   offsets      Uint32               start of the packed template in `templates`, in 4-byte words
 *   templates    bytes                packed prepared templates end to end (matcher's viewPrepared layout)
 *
 * Entry ids (by slot) and subject ids (by subject index) are shared string tables (shared-strings.ts).
 * A snapshot is these buffers plus the counts: plain data that postMessage hands to a worker thread
 * without copying anything. The owner keeps appending after a snapshot (entries past
 * the snapshot's count are invisible to it); when an array is full it is replaced by one twice the size
 * (amortised doubling), and later snapshots see the new buffers. Removal clears the alive flag in the
 * shared buffer, so it reaches every snapshot that shares it at once.
 */
import { IdmError } from '../../errors.js';
import { packedTemplateBytes, prepareTemplate } from '../match/index.js';
import type { FingerprintTemplate } from '../types.js';
import { CODE_WORDS, codePopcount, identificationCode } from './code.js';
import { identifyParameters as P } from './parameters.js';
import { SharedStrings, type SharedStringsSnapshot } from './shared-strings.js';

const TEMPLATE_WORDS_1GB = 2 ** 28;

/** Plain data: safe to post to a worker thread (the buffers are shared, not copied). */
export interface GallerySnapshot {
  count: number;
  /** 32-bit words per binary code. */
  codeWords: number;
  codes: SharedArrayBuffer;
  codeBits: SharedArrayBuffer;
  positions: SharedArrayBuffer;
  subjects: SharedArrayBuffer;
  alive: SharedArrayBuffer;
  offsets: SharedArrayBuffer;
  templates: SharedArrayBuffer;
  /** Entry id of every slot 0..count-1 (removed entries keep their slot). */
  ids: SharedStringsSnapshot;
  subjectIds: SharedStringsSnapshot;
}

export interface FingerMeta {
  /** Finger position code (ANSI/NIST 1-10, 0 unknown); defaults to the template's own. */
  position?: number;
  /** The person the finger belongs to; defaults to the entry id. */
  subjectId?: string;
}

function grow<T extends Uint8Array | Uint16Array | Int32Array | Uint32Array>(
  old: T,
  make: (buffer: SharedArrayBuffer) => T,
  elements: number,
): T {
  const next = make(new SharedArrayBuffer(elements * old.BYTES_PER_ELEMENT));
  next.set(old as never);
  return next;
}

export class FingerprintGallery {
  private readonly codeWords = CODE_WORDS;
  private capacity = 0;
  private count = 0;
  private live = 0;
  private templateWords = 0;
  private codes = new Uint32Array(new SharedArrayBuffer(0));
  private codeBits = new Uint16Array(new SharedArrayBuffer(0));
  private positions = new Uint8Array(new SharedArrayBuffer(0));
  private subjects = new Int32Array(new SharedArrayBuffer(0));
  private alive = new Uint8Array(new SharedArrayBuffer(0));
  private offsets = new Uint32Array(new SharedArrayBuffer(0));
  private templates = new Uint32Array(new SharedArrayBuffer(0));
  private readonly ids = new SharedStrings();
  private readonly slotOf = new Map<string, number>();
  private readonly subjectIds = new SharedStrings();
  private readonly subjectIndex = new Map<string, number>();

  /**
   * `initialCapacity` entries are reserved, with `templateBytesPerEntry` bytes of packed template each.
   * A caller that knows its gallery's size should say so: the arrays grow when full (see reserve), and
   * growing a multi-gigabyte template buffer needs the old and the new one at once.
   */
  constructor(initialCapacity: number = P.initialCapacity, templateBytesPerEntry: number = P.initialTemplateBytesPerEntry) {
    const entries = Math.max(1, initialCapacity);
    this.reserve(entries, Math.ceil((entries * Math.max(4, templateBytesPerEntry)) / 4));
  }

  /** Live (not removed) entries. */
  get size(): number {
    return this.live;
  }

  /** Bytes of all shared arrays (reserved capacity included). */
  get memoryBytes(): number {
    return (
      this.codes.byteLength +
      this.codeBits.byteLength +
      this.positions.byteLength +
      this.subjects.byteLength +
      this.alive.byteLength +
      this.offsets.byteLength +
      this.templates.byteLength
    );
  }

  /** Bytes actually used by the entries so far (codes, per-entry fields, packed templates). */
  get usedBytes(): number {
    return this.count * (4 * this.codeWords + 2 + 1 + 4 + 1 + 4) + 4 * this.templateWords;
  }

  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  /** Enrols one finger. Throws IDM_CONFLICT when the id is already enrolled. */
  add(id: string, template: FingerprintTemplate, meta: FingerMeta = {}): void {
    if (this.slotOf.has(id)) throw new IdmError('IDM_CONFLICT', `gallery already holds a finger with id ${id}`);
    const position = meta.position ?? template.position ?? 0;
    if (!Number.isInteger(position) || position < 0 || position > 255)
      throw new IdmError('IDM_VALIDATION', `finger position must be an integer 0-255, got ${position}`);
    const prepared = prepareTemplate(template);
    const bytes = packedTemplateBytes(prepared.count, prepared.stride, prepared.descriptorLength);
    const words = bytes / 4;
    if (this.count === this.capacity || this.templateWords + words > this.templates.length)
      this.reserve(this.count + 1, this.templateWords + words);
    const slot = this.count++;
    // The prepared template's arrays are views of one fresh ArrayBuffer in the packed layout: copy it whole.
    this.templates.set(new Uint32Array(prepared.x.buffer, 0, words), this.templateWords);
    this.offsets[slot] = this.templateWords;
    this.templateWords += words;
    const code = identificationCode(prepared);
    this.codes.set(code, slot * this.codeWords);
    this.codeBits[slot] = codePopcount(code);
    this.positions[slot] = position;
    const subjectId = meta.subjectId ?? id;
    let subject = this.subjectIndex.get(subjectId);
    if (subject === undefined) {
      subject = this.subjectIds.push(subjectId);
      this.subjectIndex.set(subjectId, subject);
    }
    this.subjects[slot] = subject;
    this.alive[slot] = 1;
    this.ids.push(id);
    this.slotOf.set(id, slot);
    this.live++;
  }

  /** Removes a finger; false when the id is not enrolled. Its slot stays, flagged dead. */
  remove(id: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    this.alive[slot] = 0;
    this.slotOf.delete(id);
    this.live--;
    return true;
  }

  /** The gallery as it is now, for searchSnapshot() here or in a worker thread. */
  snapshot(): GallerySnapshot {
    return {
      count: this.count,
      codeWords: this.codeWords,
      codes: this.codes.buffer as SharedArrayBuffer,
      codeBits: this.codeBits.buffer as SharedArrayBuffer,
      positions: this.positions.buffer as SharedArrayBuffer,
      subjects: this.subjects.buffer as SharedArrayBuffer,
      alive: this.alive.buffer as SharedArrayBuffer,
      offsets: this.offsets.buffer as SharedArrayBuffer,
      templates: this.templates.buffer as SharedArrayBuffer,
      ids: this.ids.snapshot(),
      subjectIds: this.subjectIds.snapshot(),
    };
  }

  /** Makes room for `entries` entries and `templateWords` template words, doubling what is short. */
  private reserve(entries: number, templateWords: number): void {
    if (entries > this.capacity) {
      let capacity = Math.max(1, this.capacity);
      while (capacity < entries) capacity *= 2;
      const cw = this.codeWords;
      this.codes = grow(this.codes, (b) => new Uint32Array(b), capacity * cw);
      this.codeBits = grow(this.codeBits, (b) => new Uint16Array(b), capacity);
      this.positions = grow(this.positions, (b) => new Uint8Array(b), capacity);
      this.subjects = grow(this.subjects, (b) => new Int32Array(b), capacity);
      this.alive = grow(this.alive, (b) => new Uint8Array(b), capacity);
      this.offsets = grow(this.offsets, (b) => new Uint32Array(b), capacity);
      this.capacity = capacity;
    }
    if (templateWords > this.templates.length) {
      let length = Math.max(1024, this.templates.length);
      // Growth needs the old and the new buffer at once: past 1 GB, grow by half (peak 2.5x the data
      // instead of 3x; a million fingers' ~10 GB of templates would otherwise pass through 8 + 16 GB).
      while (length < templateWords) length = length < TEMPLATE_WORDS_1GB ? length * 2 : Math.ceil(length * 1.5);
      this.templates = grow(this.templates, (b) => new Uint32Array(b), length);
    }
  }
}
