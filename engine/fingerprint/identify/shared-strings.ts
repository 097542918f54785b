/**
 * An append-only list of strings stored as UTF-8 end to end in a SharedArrayBuffer, with their start
 * offsets in another. Gallery entry and subject ids live here so that posting a gallery snapshot to a
 * worker thread copies nothing (a JS string array would be cloned whole, tens of MB at 1M fingers);
 * a search decodes only the ids of the candidates it returns.
 */
export interface SharedStringsSnapshot {
  count: number;
  /** UTF-8 bytes of strings 0..count-1, end to end. */
  bytes: SharedArrayBuffer;
  /** Uint32 start of string i in `bytes`; entry `count` is the end of the last one. */
  offsets: SharedArrayBuffer;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** String `index` of a snapshot (decoded on each call: callers decode only what they return). */
export function sharedStringAt(snapshot: SharedStringsSnapshot, index: number): string {
  if (!(index >= 0 && index < snapshot.count)) throw new RangeError(`no string ${index} of ${snapshot.count}`);
  const offsets = new Uint32Array(snapshot.offsets);
  return decoder.decode(new Uint8Array(snapshot.bytes, offsets[index], offsets[index + 1] - offsets[index]));
}

/**
 * The owner's side. Appending never changes bytes a snapshot can see (its strings are below its count);
 * when a buffer is full it is replaced by one twice the size, and only later snapshots see the new one.
 */
export class SharedStrings {
  #bytes = new Uint8Array(new SharedArrayBuffer(1024));
  #offsets = new Uint32Array(new SharedArrayBuffer(4 * 64));
  #count = 0;

  get length(): number {
    return this.#count;
  }

  /** Appends a string and returns its index. */
  push(value: string): number {
    const encoded = encoder.encode(value);
    const start = this.#offsets[this.#count];
    if (start + encoded.length > this.#bytes.length) this.#bytes = grown(this.#bytes, start + encoded.length, (b) => new Uint8Array(b));
    if (this.#count + 2 > this.#offsets.length) this.#offsets = grown(this.#offsets, this.#count + 2, (b) => new Uint32Array(b));
    this.#bytes.set(encoded, start);
    this.#offsets[this.#count + 1] = start + encoded.length;
    return this.#count++;
  }

  at(index: number): string {
    return sharedStringAt(this.snapshot(), index);
  }

  snapshot(): SharedStringsSnapshot {
    return {
      count: this.#count,
      bytes: this.#bytes.buffer as SharedArrayBuffer,
      offsets: this.#offsets.buffer as SharedArrayBuffer,
    };
  }
}

function grown<T extends Uint8Array | Uint32Array>(old: T, needed: number, make: (buffer: SharedArrayBuffer) => T): T {
  let length = old.length;
  while (length < needed) length *= 2;
  const next = make(new SharedArrayBuffer(length * old.BYTES_PER_ELEMENT));
  next.set(old);
  return next;
}
