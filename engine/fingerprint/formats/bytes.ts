/**
 * Bounds-checked big-endian byte reading and writing shared by the binary fingerprint formats
 * (ISO/IEC 19794-2, ANSI INCITS 378, WSQ, ANSI/NIST-ITL binary records). Every read past the end throws
 * the caller's problem code with a message naming what was being read, so truncated input never yields
 * `undefined` arithmetic or an out-of-range typed-array view.
 */
import { IdmError, type ProblemCode } from '../../errors.js';

export class ByteReader {
  offset: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly code: ProblemCode,
    readonly what: string,
    offset = 0,
    /** Exclusive end of the readable window (defaults to the end of `bytes`). */
    readonly end = bytes.length,
  ) {
    this.offset = offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  fail(message: string, details?: unknown): never {
    throw new IdmError(this.code, `${this.what}: ${message}`, details);
  }

  need(count: number, field: string): void {
    if (count < 0 || this.offset + count > this.end) {
      this.fail(
        `truncated at byte ${this.offset} reading ${field} (${count} byte(s) needed, ${Math.max(0, this.remaining)} left)`,
      );
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.offset++];
  }

  u16(field: string): number {
    this.need(2, field);
    const value = (this.bytes[this.offset] << 8) | this.bytes[this.offset + 1];
    this.offset += 2;
    return value;
  }

  u32(field: string): number {
    this.need(4, field);
    const b = this.bytes;
    const o = this.offset;
    this.offset += 4;
    return b[o] * 0x1000000 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
  }

  take(count: number, field: string): Uint8Array {
    this.need(count, field);
    const out = this.bytes.subarray(this.offset, this.offset + count);
    this.offset += count;
    return out;
  }

  skip(count: number, field: string): void {
    this.need(count, field);
    this.offset += count;
  }
}

/** Growable big-endian byte sink. */
export class ByteWriter {
  private buffer = new Uint8Array(256);
  length = 0;

  private reserve(count: number): void {
    if (this.length + count <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + count) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  u8(value: number): this {
    this.reserve(1);
    this.buffer[this.length++] = value & 0xff;
    return this;
  }

  u16(value: number): this {
    this.reserve(2);
    this.buffer[this.length++] = (value >>> 8) & 0xff;
    this.buffer[this.length++] = value & 0xff;
    return this;
  }

  u32(value: number): this {
    this.reserve(4);
    this.buffer[this.length++] = (value >>> 24) & 0xff;
    this.buffer[this.length++] = (value >>> 16) & 0xff;
    this.buffer[this.length++] = (value >>> 8) & 0xff;
    this.buffer[this.length++] = value & 0xff;
    return this;
  }

  bytes(data: Uint8Array): this {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
    return this;
  }

  ascii(text: string): this {
    for (let i = 0; i < text.length; i++) this.u8(text.charCodeAt(i));
    return this;
  }

  /** Overwrites a 32-bit value already written (for length fields known only at the end). */
  patchU32(at: number, value: number): void {
    this.buffer[at] = (value >>> 24) & 0xff;
    this.buffer[at + 1] = (value >>> 16) & 0xff;
    this.buffer[at + 2] = (value >>> 8) & 0xff;
    this.buffer[at + 3] = value & 0xff;
  }

  patchU16(at: number, value: number): void {
    this.buffer[at] = (value >>> 8) & 0xff;
    this.buffer[at + 1] = value & 0xff;
  }

  toBytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}
