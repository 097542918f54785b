import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';

import { describe, expect, it } from 'vitest';

import { SharedStrings, type SharedStringsSnapshot, sharedStringAt } from '../engine/fingerprint/identify/index.js';

describe('SharedStrings', () => {
  it('keeps every string through many growths, Unicode included, and old snapshots stay valid', () => {
    const strings = new SharedStrings();
    const early = (() => {
      strings.push('first');
      return strings.snapshot();
    })();
    const values = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? `Müller-Łódź-指紋-${i}` : `template-${i}`));
    for (const value of values) strings.push(value);
    expect(strings.length).toBe(5001);
    const snapshot = strings.snapshot();
    values.forEach((value, i) => {
      if (i % 97 === 0) expect(sharedStringAt(snapshot, i + 1)).toBe(value);
    });
    expect(strings.at(0)).toBe('first');
    expect(sharedStringAt(early, 0)).toBe('first');
    expect(() => sharedStringAt(early, 1)).toThrow(RangeError);
    expect(() => sharedStringAt(snapshot, -1)).toThrow(RangeError);
    expect(strings.push('')).toBe(5001);
    expect(strings.at(5001)).toBe('');
  });

  it('posts to another thread as shared memory: nothing is copied, later appends do not disturb it', () => {
    const strings = new SharedStrings();
    for (let i = 0; i < 100; i++) strings.push(`id-${i}`);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(strings.snapshot());
    const received = receiveMessageOnPort(port2)?.message as SharedStringsSnapshot;
    port1.close();
    expect(received.bytes).toBeInstanceOf(SharedArrayBuffer);
    // The same memory, not a copy: a byte written on this side is seen through the received snapshot.
    new Uint8Array(strings.snapshot().bytes)[0] = 'I'.charCodeAt(0);
    expect(sharedStringAt(received, 0)).toBe('Id-0');
    strings.push('id-100');
    expect(sharedStringAt(received, 99)).toBe('id-99');
    expect(received.count).toBe(100);
  });
});
