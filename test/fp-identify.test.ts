/**
 * Fingerprint 1:N identification: the gallery in shared memory, the two-stage search against an
 * exhaustive one, finger positions, latent mode, tenprint fusion. Synthetic data only (minutiae sets
 * from bench/fingerprint-identify.ts and generator fingers through the extractor).
 */
import { describe, expect, it } from 'vitest';

import { minutiaeImpression, syntheticFinger } from '../bench/fingerprint-identify.js';
import { extractTemplate } from '../engine/fingerprint/extract/index.js';
import {
  codeCandidates,
  identificationCode,
  sharedStringAt,
  FingerprintGallery,
  mergeCandidates,
  searchSnapshot,
  searchTenprint,
} from '../engine/fingerprint/identify/index.js';
import { fmrToThreshold, prepareTemplate } from '../engine/fingerprint/match/index.js';
import { synthesizeFinger, synthesizeImpressions } from '../engine/fingerprint/synth/index.js';
import { mixSeed } from '../engine/fingerprint/synth/random.js';

const N = 400;

function minutiaeGallery(count: number, initialCapacity?: number): FingerprintGallery {
  const gallery = new FingerprintGallery(initialCapacity);
  for (let k = 0; k < count; k++) gallery.add(`bg-${k}`, minutiaeImpression(syntheticFinger(k), mixSeed(k, 1)));
  return gallery;
}

const probeOf = (k: number) => minutiaeImpression(syntheticFinger(k), mixSeed(k, 2));

describe('FingerprintGallery', () => {
  it('adds, removes, refuses duplicate ids and grows past its initial capacity', () => {
    const gallery = minutiaeGallery(40, 4);
    expect(gallery.size).toBe(40);
    expect(() => gallery.add('bg-3', probeOf(3))).toThrow(expect.objectContaining({ code: 'IDM_CONFLICT' }));
    expect(gallery.remove('bg-3')).toBe(true);
    expect(gallery.remove('bg-3')).toBe(false);
    expect(gallery.size).toBe(39);
    expect(gallery.has('bg-3')).toBe(false);
    const snapshot = gallery.snapshot();
    expect(snapshot.count).toBe(40);
    expect(sharedStringAt(snapshot.ids, 39)).toBe('bg-39');
    // A finger added after growth is found, and entries from before the growth still are.
    expect(searchSnapshot(snapshot, probeOf(39), { mode: 'finger' })[0].id).toBe('bg-39');
    expect(searchSnapshot(snapshot, probeOf(0), { mode: 'finger' })[0].id).toBe('bg-0');
  });

  it('never returns a removed finger, also through a snapshot taken before the removal', () => {
    const gallery = minutiaeGallery(30);
    const before = gallery.snapshot();
    expect(searchSnapshot(before, probeOf(7), { mode: 'finger' })[0].id).toBe('bg-7');
    gallery.remove('bg-7');
    const ids = searchSnapshot(before, probeOf(7), { mode: 'finger', limit: 30 }).map((c) => c.id);
    expect(ids).not.toContain('bg-7');
  });

  it('snapshots are plain data whose buffers are shared, not copied, when posted to a thread', () => {
    const gallery = minutiaeGallery(20);
    const snapshot = gallery.snapshot();
    // structuredClone is what postMessage does to a message.
    const posted = structuredClone(snapshot);
    expect(posted.codes).toBeInstanceOf(SharedArrayBuffer);
    const local = searchSnapshot(snapshot, probeOf(5), { mode: 'finger' });
    expect(searchSnapshot(posted, probeOf(5), { mode: 'finger' })).toEqual(local);
    gallery.remove('bg-5');
    expect(searchSnapshot(posted, probeOf(5), { mode: 'finger' })[0].id).not.toBe('bg-5');
  });
});

describe('two-stage search', () => {
  const gallery = minutiaeGallery(N);
  const snapshot = gallery.snapshot();
  const probes = Array.from({ length: 12 }, (_, j) => Math.floor(((j + 0.5) * N) / 12));

  it('finds each mate at rank 1 as often as an exhaustive search of the same gallery', () => {
    let twoStage = 0;
    let exhaustive = 0;
    for (const k of probes) {
      const probe = probeOf(k);
      const fast = searchSnapshot(snapshot, probe, { mode: 'finger', candidatesToRerank: 40 });
      const full = searchSnapshot(snapshot, probe, { mode: 'finger', candidatesToRerank: N });
      if (fast[0].id === `bg-${k}`) twoStage++;
      if (full[0].id === `bg-${k}`) exhaustive++;
      // The mate's score does not depend on how it was found.
      const a = fast.find((c) => c.id === `bg-${k}`);
      const b = full.find((c) => c.id === `bg-${k}`);
      if (a && b) expect(a.score).toBe(b.score);
    }
    expect(exhaustive).toBe(probes.length);
    expect(twoStage).toBeGreaterThanOrEqual(exhaustive - 1);
  });

  it('returns a ranked candidate list with calibrated FMRs', () => {
    const list = searchSnapshot(snapshot, probeOf(probes[0]), { mode: 'finger' });
    expect(list).toHaveLength(20);
    list.forEach((c, i) => {
      expect(c.rank).toBe(i + 1);
      if (i > 0) expect(c.score).toBeLessThanOrEqual(list[i - 1].score);
      expect(c.fmr).toBeGreaterThan(0);
      expect(c.fmr).toBeLessThanOrEqual(1);
    });
    expect(list[0].fmr).toBeLessThan(list[1].fmr);
    expect(list[0].score).toBeGreaterThan(fmrToThreshold(1e-4));
  });

  it('searches only the probe position (and unknown positions) in finger mode', () => {
    const g = new FingerprintGallery();
    for (let k = 0; k < 40; k++)
      g.add(`f-${k}`, minutiaeImpression(syntheticFinger(k), mixSeed(k, 1)), { position: 1 + (k % 10), subjectId: `s-${k % 4}` });
    const s = g.snapshot();
    const probe = { ...probeOf(12), position: 3 };
    const list = searchSnapshot(s, probe, { mode: 'finger', limit: 40 });
    expect(list[0]).toMatchObject({ id: 'f-12', subjectId: 's-0', position: 3 });
    expect(new Set(list.map((c) => c.position))).toEqual(new Set([3]));
    // Wrong position stated: the mate is not searched...
    expect(searchSnapshot(s, { ...probe, position: 4 }, { mode: 'finger', limit: 40 }).map((c) => c.id)).not.toContain('f-12');
    // ...unless the caller lists positions, as latent mode searches every position.
    expect(searchSnapshot(s, { ...probe, position: 4 }, { mode: 'finger', positions: [3, 4] })[0].id).toBe('f-12');
    expect(searchSnapshot(s, { ...probe, position: 4 }, { mode: 'latent' })[0].id).toBe('f-12');
  });

  it('latent mode finds partial prints with few minutiae and lists 50 candidates', () => {
    let hits = 0;
    for (const k of probes) {
      const latent = minutiaeImpression(syntheticFinger(k), mixSeed(k, 3), { area: 0.3 });
      expect(latent.minutiae.length).toBeLessThan(30);
      const list = searchSnapshot(snapshot, latent, { mode: 'latent' });
      expect(list).toHaveLength(50);
      if (list[0].id === `bg-${k}`) hits++;
    }
    expect(hits).toBeGreaterThanOrEqual(probes.length - 2);
  });

  it('sharded by slot range and merged, gives the same list as one search', () => {
    const probe = probeOf(probes[3]);
    const whole = searchSnapshot(snapshot, probe, { mode: 'finger', limit: 10, candidatesToRerank: N });
    const halves = [
      searchSnapshot(snapshot, probe, { mode: 'finger', limit: 10, candidatesToRerank: N, slots: [0, N / 2] }),
      searchSnapshot(snapshot, probe, { mode: 'finger', limit: 10, candidatesToRerank: N, slots: [N / 2, N] }),
    ];
    expect(halves[0].every((c) => Number(c.id.slice(3)) < N / 2)).toBe(true);
    expect(mergeCandidates(halves, 10)).toEqual(whole);
  });

  it('rejects unknown modes and bad limits', () => {
    const probe = probeOf(1);
    expect(() => searchSnapshot(snapshot, probe, { mode: 'palm' as 'finger' })).toThrow(
      expect.objectContaining({ code: 'IDM_VALIDATION' }),
    );
    expect(() => searchSnapshot(snapshot, probe, { mode: 'finger', limit: 0 })).toThrow(
      expect.objectContaining({ code: 'IDM_VALIDATION' }),
    );
  });
});

describe('identification code (the candidate stage)', () => {
  it('does not change when the print moves, and barely when it turns', () => {
    const template = probeOf(11);
    const code = identificationCode(prepareTemplate(template));
    const moved = template.minutiae.map((m) => ({ ...m, x: m.x + 37, y: m.y - 23 }));
    expect(identificationCode(prepareTemplate({ ...template, minutiae: moved }))).toEqual(code);
    // A quarter turn (image y down): (x, y) -> (y, -x) turns ISO directions by +90 degrees.
    const turned = template.minutiae.map((m) => ({ ...m, x: m.y, y: 500 - m.x, angleRad: (m.angleRad + Math.PI / 2) % (2 * Math.PI) }));
    const turnedCode = identificationCode(prepareTemplate({ ...template, minutiae: turned }));
    let same = 0;
    let set = 0;
    for (let k = 0; k < code.length; k++) {
      for (let b = 0; b < 32; b++) {
        if (code[k] & (1 << b)) {
          set++;
          if (turnedCode[k] & (1 << b)) same++;
        }
      }
    }
    expect(set).toBeGreaterThan(500);
    expect(same / set).toBeGreaterThan(0.97);
  });

  it('ranks the mate of a noisy impression in the top 1% of 2,000 fingers by code alone', () => {
    const count = 2000;
    const snapshot = minutiaeGallery(count).snapshot();
    const probes = Array.from({ length: 40 }, (_, j) => Math.floor(((j + 0.5) * count) / 40));
    const inTop1 = probes.filter((k) =>
      Array.from(codeCandidates(snapshot, prepareTemplate(probeOf(k)), count / 100).slots).includes(k),
    );
    // Both impressions carry 12% missed and 8% spurious minutiae, distortion and 1.5 px noise: k-NN edge
    // codes put 88% of such mates in the top 1%.
    expect(inTop1.length).toBeGreaterThanOrEqual(39);
  });
});

describe('generator fingers through the extractor', () => {
  it('finds the second impression of a generator finger among minutiae sets and other generator fingers', () => {
    const gallery = minutiaeGallery(150);
    const probes = [31, 32, 33].map((seed) => {
      const [a, b] = synthesizeImpressions(synthesizeFinger(seed), 2, seed);
      gallery.add(`gen-${seed}`, extractTemplate(a.image));
      return { seed, template: extractTemplate(b.image) };
    });
    const snapshot = gallery.snapshot();
    for (const p of probes) expect(searchSnapshot(snapshot, p.template, { mode: 'finger' })[0].id).toBe(`gen-${p.seed}`);
  });
});

describe('tenprint search', () => {
  const subjects = 40;
  const gallery = new FingerprintGallery();
  const fingerOf = (s: number, f: number) => syntheticFinger(mixSeed(s, f, 0x7e9));
  for (let s = 0; s < subjects; s++)
    for (let f = 1; f <= 10; f++)
      gallery.add(`s${s}-f${f}`, minutiaeImpression(fingerOf(s, f), mixSeed(s, f, 1)), { position: f, subjectId: `s${s}` });
  const snapshot = gallery.snapshot();
  // Small, noisy impressions: single fingers are weak evidence, ten together are strong.
  const card = (s: number) =>
    Array.from({ length: 10 }, (_, i) => ({
      position: i + 1,
      template: minutiaeImpression(fingerOf(s, i + 1), mixSeed(s, i + 1, 2), { area: 0.3, missed: 0.3, spurious: 0.3 }),
    }));

  it('ranks the right subject first, with the fingers fused into one likelihood ratio', () => {
    for (const s of [0, 13, 27]) {
      const list = searchTenprint(snapshot, card(s), { limit: 5 });
      expect(list).toHaveLength(5);
      expect(list[0].subjectId).toBe(`s${s}`);
      expect(list[0].rank).toBe(1);
      expect(list[0].fingers).toHaveLength(10);
      expect(list[0].log10Lr).toBeCloseTo(list[0].fingers.reduce((sum, f) => sum + f.log10Lr, 0), 9);
      // Each finger was compared with the subject's own finger at that position.
      for (const f of list[0].fingers) expect(f.id).toBe(`s${s}-f${f.position}`);
      expect(list[0].log10Lr).toBeGreaterThan(Math.max(...list[0].fingers.map((f) => f.log10Lr)));
      expect(list[0].log10Lr).toBeGreaterThan(list[1].log10Lr);
    }
  });

  it('rejects positions outside 1-10 and repeated positions', () => {
    const probe = card(0);
    expect(() => searchTenprint(snapshot, [{ ...probe[0], position: 11 }])).toThrow(
      expect.objectContaining({ code: 'IDM_VALIDATION' }),
    );
    expect(() => searchTenprint(snapshot, [probe[0], probe[0]])).toThrow(
      expect.objectContaining({ code: 'IDM_VALIDATION' }),
    );
    expect(() => searchTenprint(snapshot, [])).toThrow(expect.objectContaining({ code: 'IDM_VALIDATION' }));
  });
});
