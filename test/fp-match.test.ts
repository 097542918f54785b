/**
 * Fingerprint matcher 1:1: invariance to the transforms between impressions, separation of mates from
 * non-mates, explanation data, packed (SharedArrayBuffer) templates and score calibration.
 */
import { describe, expect, it } from 'vitest';

import {
  type PreparedTemplate,
  SHIPPED_CALIBRATION,
  binaryCodeBits,
  codeSimilarity,
  hammingDistance,
  templateBinaryCode,
  compareTemplates,
  explainComparison,
  fmrToThreshold,
  packedTemplateBytes,
  prepareTemplate,
  scoreToFmr,
  scoreToLogLr,
  viewPrepared,
} from '../engine/fingerprint/match/index.js';
import { ENTRY, edgeHash } from '../engine/fingerprint/match/edge-hash.js';
import { synthesizeFinger, synthesizeImpressions } from '../engine/fingerprint/synth/index.js';
import type { FingerprintTemplate, Minutia } from '../engine/fingerprint/types.js';

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TWO_PI = 2 * Math.PI;

/**
 * A random but fingerprint-like minutiae set: positions at least 12 px apart, directions following a
 * smooth flow field (as ridges do), so that chance agreement between two sets is as likely as in real prints.
 */
function randomFinger(seed: number, count = 40): Minutia[] {
  const r = rng(seed);
  const cx = 150 + 40 * (r() - 0.5);
  const cy = 180 + 40 * (r() - 0.5);
  const out: Minutia[] = [];
  while (out.length < count) {
    const x = 30 + r() * 240;
    const y = 30 + r() * 340;
    if (out.some((m) => Math.hypot(m.x - x, m.y - y) < 12)) continue;
    const flow = Math.atan2(cy - y, x - cx) / 2 + Math.PI / 2; // a loop-like field
    const angleRad = (((flow + (r() < 0.5 ? 0 : Math.PI) + 0.3 * (r() - 0.5)) % TWO_PI) + TWO_PI) % TWO_PI;
    out.push({ x, y, angleRad, type: r() < 0.6 ? 'ending' : 'bifurcation', quality: 60 });
  }
  return out;
}

interface Impression {
  template: FingerprintTemplate;
  /** For each output minutia, the index of the source minutia (-1 for a spurious one). */
  source: number[];
}

/**
 * Another impression of the same finger: rotated by `rotationRad` (counter-clockwise, as ISO angles)
 * about the centre, shifted, a fraction of minutiae missed, some spurious ones added, positions and
 * directions jittered, and a mild smooth elastic distortion.
 */
function impression(
  minutiae: Minutia[],
  seed: number,
  {
    rotationRad = 0,
    dx = 0,
    dy = 0,
    drop = 0.2,
    spurious = 4,
    jitterPx = 2,
    jitterRad = 0.08,
    stretch = 0.03,
  } = {},
): Impression {
  const r = rng(seed);
  const cos = Math.cos(rotationRad);
  const sin = Math.sin(rotationRad);
  const out: Minutia[] = [];
  const source: number[] = [];
  minutiae.forEach((m, i) => {
    if (r() < drop) return;
    // Elastic part: a smooth stretch growing away from the centre.
    const ex = m.x + stretch * (m.x - 150) * Math.sin(m.y / 90);
    const ey = m.y + stretch * (m.y - 200) * Math.cos(m.x / 80);
    const u = ex - 150;
    const v = ey - 200;
    // y points down, so a counter-clockwise turn on screen is x' = u cos + v sin, y' = -u sin + v cos.
    const x = 150 + u * cos + v * sin + dx + jitterPx * (r() - 0.5) * 2;
    const y = 200 - u * sin + v * cos + dy + jitterPx * (r() - 0.5) * 2;
    const angleRad = (((m.angleRad + rotationRad + jitterRad * (r() - 0.5) * 2) % TWO_PI) + TWO_PI) % TWO_PI;
    out.push({ ...m, x, y, angleRad });
    source.push(i);
  });
  for (let k = 0; k < spurious; k++) {
    out.push({ x: 20 + r() * 260, y: 20 + r() * 360, angleRad: r() * TWO_PI, type: 'ending', quality: 20 });
    source.push(-1);
  }
  return { template: { width: 300, height: 400, ppi: 500, quality: 60, minutiae: out }, source };
}

const asTemplate = (minutiae: Minutia[], ppi = 500): FingerprintTemplate => ({
  width: 300,
  height: 400,
  ppi,
  quality: 60,
  minutiae,
});

describe('compareTemplates', () => {
  it('scores every mate above every non-mate across rotations, shifts, dropouts and distortion', () => {
    const fingers = Array.from({ length: 8 }, (_, i) => randomFinger(100 + i));
    const genuine: number[] = [];
    const impostor: number[] = [];
    fingers.forEach((finger, i) => {
      for (const [k, rotationRad] of [-0.5, -0.2, 0.15, 0.45].entries()) {
        const a = impression(finger, 1000 * i + k, { rotationRad: 0, dx: 0, dy: 0 });
        const b = impression(finger, 1000 * i + k + 500, { rotationRad, dx: 25 * (k - 1.5), dy: -15 * k });
        genuine.push(compareTemplates(prepareTemplate(a.template), prepareTemplate(b.template)));
      }
      for (let j = i + 1; j < fingers.length; j++) {
        const a = impression(finger, 7000 + i);
        const b = impression(fingers[j], 8000 + j, { rotationRad: 0.1 * (j - i) });
        impostor.push(compareTemplates(prepareTemplate(a.template), prepareTemplate(b.template)));
      }
    });
    expect(Math.min(...genuine)).toBeGreaterThan(Math.max(...impostor));
    // Calibrated: every impostor here is an ordinary one, every mate a strong one.
    expect(scoreToFmr(Math.min(...genuine))).toBeLessThan(1e-3);
  });

  it('gives 0 when a template has no minutiae and is unaffected by the capture resolution', () => {
    const finger = randomFinger(7);
    const a = prepareTemplate(asTemplate(finger));
    expect(compareTemplates(a, prepareTemplate(asTemplate([])))).toBe(0);
    expect(compareTemplates(prepareTemplate(asTemplate([])), a)).toBe(0);
    // The same finger captured at 1000 ppi: coordinates doubled.
    const hiRes = prepareTemplate(
      asTemplate(
        finger.map((m) => ({ ...m, x: 2 * m.x, y: 2 * m.y })),
        1000,
      ),
    );
    expect(compareTemplates(a, hiRes)).toBeCloseTo(compareTemplates(a, a), 6);
  });

  it('gives every comparison the same score whatever was compared before it', () => {
    // The comparison reuses working memory (votes, graph marks, assignment scratch) without clearing it
    // all: a score must not depend on what the previous comparisons left there.
    const big = prepareTemplate(asTemplate(randomFinger(40, 150)));
    const templates = [
      ...Array.from({ length: 4 }, (_, i) => prepareTemplate(asTemplate(randomFinger(30 + i, 25 + 10 * i)))),
      big,
      prepareTemplate(impression(randomFinger(31, 35), 9, { rotationRad: 0.2 }).template),
    ];
    const pairs = templates.flatMap((_a, i) => templates.map((_b, j) => [i, j] as const));
    const forward = pairs.map(([i, j]) => compareTemplates(templates[i], templates[j]));
    const backward = [...pairs].reverse().map(([i, j]) => compareTemplates(templates[i], templates[j]));
    expect(backward.reverse()).toEqual(forward);
    // A genuine pair among them scores, and self-comparisons score highest.
    expect(forward[1 * templates.length + 5]).toBeGreaterThan(0);
    expect(compareTemplates(big, big)).toBeGreaterThan(Math.max(...forward.filter((_, k) => k !== 4 * 7)));
  });

  it('gives exactly 0 to unrelated prints whose pairing graphs are too weak to consolidate', () => {
    const scores: number[] = [];
    for (let i = 0; i < 6; i++)
      for (let j = i + 1; j < 6; j++)
        scores.push(
          compareTemplates(
            prepareTemplate(asTemplate(randomFinger(200 + i))),
            prepareTemplate(asTemplate(randomFinger(300 + j))),
          ),
        );
    expect(scores.filter((s) => s === 0).length).toBeGreaterThan(scores.length / 3);
  });

  it('reads packed templates from a SharedArrayBuffer exactly as the originals', () => {
    const t1 = prepareTemplate(asTemplate(randomFinger(11)));
    const t2 = prepareTemplate(impression(randomFinger(11), 3, { rotationRad: 0.3 }).template);
    const bytes1 = packedTemplateBytes(t1.count, t1.stride);
    const bytes2 = packedTemplateBytes(t2.count, t2.stride);
    const shared = new SharedArrayBuffer(bytes1 + bytes2);
    // prepareTemplate packs each template into a buffer of its own from byte 0 (a gallery copies it so).
    const copy = (t: PreparedTemplate, offset: number, size: number) =>
      new Uint8Array(shared, offset, size).set(new Uint8Array(t.x.buffer, 0, size));
    copy(t1, 0, bytes1);
    copy(t2, bytes1, bytes2);
    const v1 = viewPrepared(shared, 0);
    const v2 = viewPrepared(shared, bytes1);
    expect(v1.count).toBe(t1.count);
    expect(v2.count).toBe(t2.count);
    expect(compareTemplates(v1, v2)).toBe(compareTemplates(t1, t2));
  });

  it('reads a packed template placed beyond 2 GB in a gallery buffer', () => {
    // A 1M-finger gallery holds ~10 GB of packed templates; offsets past 2^31 once broke 32-bit arithmetic.
    const t = prepareTemplate(asTemplate(randomFinger(12)));
    const bytes = packedTemplateBytes(t.count, t.stride);
    const offset = 2 ** 31 + 4;
    // Pages of a SharedArrayBuffer are only committed when touched: this costs a few kilobytes.
    const shared = new SharedArrayBuffer(offset + bytes);
    new Uint8Array(shared, offset, bytes).set(new Uint8Array(t.x.buffer, 0, bytes));
    const far = viewPrepared(shared, offset);
    expect(Array.from(far.type)).toEqual(Array.from(t.type));
    expect(Array.from(far.edgeCount)).toEqual(Array.from(t.edgeCount));
    expect(compareTemplates(far, t)).toBe(compareTemplates(t, t));
  });
});

describe('edge hash', () => {
  it('finds every root edge of a print whose minutia directions moved within tolerance, whichever orientation it is looked up in', () => {
    // Directions turned by up to 12 degrees (the tolerance is 13) change each edge's two relative angles
    // by as much, which can flip the canonical orientation the edge is looked up in: the probe must
    // have filed the other orientation too.
    let lookups = 0;
    for (let seed = 0; seed < 6; seed++) {
      const finger = randomFinger(500 + seed, 45);
      const r = rng(900 + seed);
      const moved = finger.map((m) => ({
        ...m,
        angleRad: (m.angleRad + ((r() - 0.5) * 24 * Math.PI) / 180 + TWO_PI) % TWO_PI,
      }));
      const probe = prepareTemplate(asTemplate(finger));
      const cand = prepareTemplate(asTemplate(moved));
      const hash = edgeHash(probe);
      for (let u = 0; u < cand.lookupCount; u++) {
        const edge = cand.lookupEdge[u];
        const owner = edge >>> 5;
        const target = cand.edgeTarget[owner * cand.stride + ((edge >>> 1) & 15)];
        const [from, to] = edge & 1 ? [target, owner] : [owner, target];
        const bucket = cand.lookupBucket[u];
        let found = false;
        for (let k = ENTRY * hash.start[bucket]; k < ENTRY * hash.start[bucket + 1]; k += ENTRY)
          if (hash.i[k + 4] === from && hash.i[k + 5] === to) found = true;
        expect(found).toBe(true);
        lookups++;
      }
    }
    expect(lookups).toBeGreaterThan(400);
  });
});

describe('explainComparison', () => {
  it('pairs the true partners and recovers the rotation and shift', () => {
    const finger = randomFinger(21);
    const a = impression(finger, 1, { rotationRad: 0, drop: 0.1, stretch: 0 });
    const rotationRad = 0.35;
    const b = impression(finger, 2, { rotationRad, dx: 30, dy: -20, drop: 0.1, stretch: 0 });
    const explanation = explainComparison(prepareTemplate(a.template), prepareTemplate(b.template));
    expect(explanation.pairs.length).toBeGreaterThan(20);
    const correct = explanation.pairs.filter(
      (p) => a.source[p.probe] >= 0 && a.source[p.probe] === b.source[p.candidate],
    );
    expect(correct.length / explanation.pairs.length).toBeGreaterThan(0.9);
    expect(Math.abs(explanation.alignment.rotationRad - rotationRad)).toBeLessThan(0.05);
    // The centre (150, 200) of a maps to (180, 180) in b.
    const t = explanation.alignment.transform;
    expect(Math.abs(t.a * 150 + t.b * 200 + t.tx - 180)).toBeLessThan(4);
    expect(Math.abs(t.c * 150 + t.d * 200 + t.ty - 180)).toBeLessThan(4);
    const total = explanation.pairs.reduce((s, p) => s + p.contribution, 0);
    expect(total).toBeCloseTo(explanation.score, 6);
    expect(explanation.score).toBe(
      compareTemplates(prepareTemplate(a.template), prepareTemplate(b.template)),
    );
    expect(explanation.fmr).toBe(scoreToFmr(explanation.score));
  });
});

describe('calibration', () => {
  it('maps scores to a non-increasing FMR and thresholds back to the same FMR', () => {
    expect(SHIPPED_CALIBRATION.impostorCount).toBeGreaterThan(10_000);
    expect(scoreToFmr(0)).toBe(1);
    let previous = 1;
    for (let s = 0; s <= 20; s += 0.25) {
      const fmr = scoreToFmr(s);
      expect(fmr).toBeLessThanOrEqual(previous);
      expect(fmr).toBeGreaterThan(0);
      previous = fmr;
    }
    for (const fmr of [1e-1, 1e-2, 1e-3, 1e-5]) {
      expect(scoreToFmr(fmrToThreshold(fmr)) / fmr).toBeCloseTo(1, 3);
    }
    expect(() => fmrToThreshold(0)).toThrow(/FMR/);
  });

  it('gives a likelihood ratio that grows with the score, against at low scores and for at high ones', () => {
    expect(scoreToLogLr(0)).toBeLessThan(0);
    expect(scoreToLogLr(fmrToThreshold(1e-4))).toBeGreaterThan(0);
    let previous = Number.NEGATIVE_INFINITY;
    for (let s = 0; s <= 20; s += 0.5) {
      const lr = scoreToLogLr(s);
      expect(lr).toBeGreaterThanOrEqual(previous);
      expect(Math.abs(lr)).toBeLessThanOrEqual(SHIPPED_CALIBRATION.maxLog10Lr);
      previous = lr;
    }
  });
});

describe('matcher on the synthetic generator', () => {
  it('separates mates from non-mates using the true minutiae of generated impressions', () => {
    const fingers = [3, 4, 5].map((seed) => synthesizeImpressions(synthesizeFinger(seed), 3, seed * 17));
    const prepared = fingers.map((imps) =>
      imps.map((imp) => prepareTemplate({ ...imp.image, quality: 60, minutiae: imp.minutiae })),
    );
    const genuine: number[] = [];
    const impostor: number[] = [];
    for (let f = 0; f < prepared.length; f++) {
      for (let i = 0; i < 3; i++) {
        for (let j = i + 1; j < 3; j++) genuine.push(compareTemplates(prepared[f][i], prepared[f][j]));
        for (let g = f + 1; g < prepared.length; g++)
          impostor.push(compareTemplates(prepared[f][i], prepared[g][i]));
      }
    }
    expect(Math.min(...genuine)).toBeGreaterThan(Math.max(...impostor));
  });
});

describe('binary code for the 1:N candidate stage', () => {
  it('has a fixed whole-byte length and ranks the other impression of most fingers first', () => {
    expect(binaryCodeBits() % 8).toBe(0);
    const fingers = Array.from({ length: 30 }, (_, i) => randomFinger(300 + i));
    const gallery = fingers.map((f, i) =>
      templateBinaryCode(prepareTemplate(impression(f, 10 + i).template)),
    );
    for (const code of gallery) expect(code.length * 8).toBe(binaryCodeBits());
    let first = 0;
    fingers.forEach((f, i) => {
      const probe = templateBinaryCode(
        prepareTemplate(impression(f, 90 + i, { rotationRad: 0.4, dx: 20 }).template),
      );
      const ranked = gallery
        .map((code, j) => ({ j, s: codeSimilarity(probe, code) }))
        .sort((a, b) => b.s - a.s);
      if (ranked[0].j === i) first++;
      // Similarity and Hamming distance agree on the mate against the worst-ranked code.
      expect(hammingDistance(probe, gallery[i])).toBeLessThan(hammingDistance(probe, gallery[ranked[29].j]));
    });
    expect(first).toBeGreaterThanOrEqual(24);
    expect(() => hammingDistance(new Uint8Array(2), new Uint8Array(3))).toThrow(/length/);
  });
});
