/**
 * DVI benchmark (issue 5): a simulated incident (victims, reference families of 1-4 typed relatives,
 * 20+ loci, stepwise mutation), solved in full. Measures the time of each stage, memory, and the
 * identifications against the simulated truth.
 *
 *   ./bin/idmatch.js bench dvi --victims 500 --families 300 --loci 21 [--seed 1] [--fingers K] [--json]
 *
 * With `--fingers K`, a share of the missing persons (`--am-prints`, default 0.5) also have K ante-mortem
 * fingerprints, and every body has K post-mortem prints (impressions of its own fingers: partial,
 * distorted, with missed and spurious minutiae); the case is solved again with the fingerprint engine's
 * calibrated LRs combined with DNA, and both results are reported.
 */
import { type BiometricRecord, withBiometricScores } from '../engine/dvi/modalities.js';
import { seededRandom, simulateIncident } from '../engine/dvi/simulate.js';
import { type DviProgress, type DviSolution, solveDvi } from '../engine/dvi/solve.js';
import type { DviCase } from '../engine/dvi/types.js';
import { minutiaeImpression, syntheticFinger } from './fingerprint-identify.js';

export interface DviBenchOptions {
  victims: number;
  families: number;
  loci: number;
  seed?: number;
  threshold?: number;
  /** Fingers per person for the multi-modal run (0: DNA only). */
  fingers?: number;
  /** Share of missing persons with ante-mortem prints. */
  amPrintShare?: number;
  log?: (line: string) => void;
}

interface Outcome {
  identified: { correct: number; wrong: number; conclusiveCorrect: number; conclusiveWrong: number };
  missed: number;
  undisputed: number;
}

export interface MultimodalResult extends Outcome {
  fingers: number;
  missingWithPrints: number;
  comparisons: number;
  /** CPU seconds of the fingerprint comparisons (prepare + compare), then of the solve with them. */
  compareCpuSeconds: number;
  solveCpuSeconds: number;
}

export interface DviBenchResult {
  victims: number;
  families: number;
  missingPersons: number;
  loci: number;
  seed: number;
  mutation: string;
  simulateSeconds: number;
  solveSeconds: number;
  /** CPU time (user + system) of the solve: the machine is shared, wall time varies with load. */
  solveCpuSeconds: number;
  stageSeconds: Record<string, number>;
  heapBytesBefore: number;
  heapBytesAfter: number;
  maxRssBytes: number;
  components: number;
  largestComponentAssignments: number;
  raisedLimits: number;
  truth: { victimsOfFamilies: number; unrelatedBodies: number };
  identified: { correct: number; wrong: number; conclusiveCorrect: number; conclusiveWrong: number };
  missed: number;
  undisputed: number;
  multimodal?: MultimodalResult;
}

/** Identifications scored against the simulated truth. */
function score(solution: DviSolution, truth: Record<string, string | null>): Outcome {
  let correct = 0;
  let wrong = 0;
  let conclusiveCorrect = 0;
  let conclusiveWrong = 0;
  const identifiedVictims = new Set<string>();
  for (const id of solution.identifications) {
    identifiedVictims.add(id.victim);
    if (truth[id.victim] === id.missing) {
      correct++;
      if (id.conclusive) conclusiveCorrect++;
    } else {
      wrong++;
      if (id.conclusive) conclusiveWrong++;
    }
  }
  const missed = Object.entries(truth).filter(([v, m]) => m !== null && !identifiedVictims.has(v)).length;
  return { identified: { correct, wrong, conclusiveCorrect, conclusiveWrong }, missed, undisputed: solution.undisputed.length };
}

const cpuSecondsSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

/** AM prints for a share of the missing persons, PM prints of every body (its own fingers). */
function simulatePrints(dvi: DviCase, truth: Record<string, string | null>, fingers: number, share: number, seed: number) {
  const rand = seededRandom(seed * 7919 + 17);
  const fingerSeed = new Map<string, number>();
  const seedOf = (person: string) => {
    if (!fingerSeed.has(person)) fingerSeed.set(person, 100_000 + fingerSeed.size * 16);
    return fingerSeed.get(person)!;
  };
  const am: Record<string, BiometricRecord> = {};
  for (const missing of dvi.families.flatMap((f) => f.missing)) {
    if (rand() >= share) continue;
    am[missing] = {
      fingerprints: Array.from({ length: fingers }, (_, f) =>
        minutiaeImpression(syntheticFinger(seedOf(missing) + f), seedOf(missing) * 3 + f, {}, f + 1),
      ),
    };
  }
  const pm: Record<string, BiometricRecord> = {};
  for (const victim of dvi.victims) {
    const owner = truth[victim.id] ?? `unrelated:${victim.id}`;
    // Post-mortem prints are poorer: partial contact, more missed and spurious minutiae.
    const noise = { area: 0.5 + 0.4 * rand(), missed: 0.2, spurious: 0.15 };
    pm[victim.id] = {
      fingerprints: Array.from({ length: fingers }, (_, f) =>
        minutiaeImpression(syntheticFinger(seedOf(owner) + f), seedOf(owner) * 5 + f + 1, noise, f + 1),
      ),
    };
  }
  return { am, pm };
}

export function runDviBench(options: DviBenchOptions): DviBenchResult {
  const log = options.log ?? (() => {});
  const seed = options.seed ?? 1;
  const t0 = performance.now();
  const { dvi, truth } = simulateIncident({
    seed,
    victims: options.victims,
    families: options.families,
    loci: options.loci,
  });
  const simulateSeconds = (performance.now() - t0) / 1000;
  log(
    `simulated ${dvi.victims.length} victims, ${dvi.families.length} families in ${simulateSeconds.toFixed(2)} s`,
  );
  const heapBytesBefore = process.memoryUsage().heapUsed;
  const stageSeconds: Record<string, number> = {};
  let stage = 'compile';
  let stageStart = performance.now();
  const onProgress = (p: DviProgress) => {
    if (p.stage !== stage) {
      stageSeconds[stage] = (performance.now() - stageStart) / 1000;
      log(`  ${stage} ${stageSeconds[stage].toFixed(2)} s`);
      stage = p.stage;
      stageStart = performance.now();
    }
  };
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  const solution = solveDvi(dvi, { threshold: options.threshold, onProgress, maxListed: 10 });
  const solveSeconds = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const solveCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const heapBytesAfter = process.memoryUsage().heapUsed;
  const outcome = score(solution, truth);
  const related = Object.entries(truth).filter(([, m]) => m !== null);
  let multimodal: MultimodalResult | undefined;
  if ((options.fingers ?? 0) > 0) {
    const fingers = options.fingers!;
    const prints = simulatePrints(dvi, truth, fingers, options.amPrintShare ?? 0.5, seed);
    const compareStart = process.cpuUsage();
    const withPrints = withBiometricScores(dvi, prints.pm, prints.am);
    const compareCpuSeconds = cpuSecondsSince(compareStart);
    log(`fingerprints: ${withPrints.scores?.length ?? 0} pair scores in ${compareCpuSeconds.toFixed(2)} s CPU`);
    const solveStart = process.cpuUsage();
    const combined = solveDvi(withPrints, { threshold: options.threshold, maxListed: 10 });
    multimodal = {
      fingers,
      missingWithPrints: Object.keys(prints.am).length,
      comparisons: Object.keys(prints.pm).length * Object.keys(prints.am).length * fingers,
      compareCpuSeconds,
      solveCpuSeconds: cpuSecondsSince(solveStart),
      ...score(combined, truth),
    };
  }
  return {
    victims: dvi.victims.length,
    families: dvi.families.length,
    missingPersons: dvi.families.reduce((s, f) => s + f.missing.length, 0),
    loci: dvi.database.loci.length,
    seed,
    mutation: 'stepwise, rate 0.002, range 0.5, rate2 1e-6, both sexes',
    simulateSeconds,
    solveSeconds,
    solveCpuSeconds,
    stageSeconds,
    heapBytesBefore,
    heapBytesAfter,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    components: solution.components.length,
    largestComponentAssignments: Math.max(0, ...solution.components.map((c) => c.assignments)),
    raisedLimits: solution.components.filter((c) => c.limit > solution.assumptions.limit).length,
    truth: { victimsOfFamilies: related.length, unrelatedBodies: dvi.victims.length - related.length },
    ...outcome,
    multimodal,
  };
}

export function formatDviBench(r: DviBenchResult): string {
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  return [
    `DVI bench: ${r.victims} victims, ${r.families} families (${r.missingPersons} missing persons), ${r.loci} loci, seed ${r.seed}`,
    `mutation: ${r.mutation}`,
    `simulate ${r.simulateSeconds.toFixed(2)} s; solve ${r.solveSeconds.toFixed(2)} s wall, ${r.solveCpuSeconds.toFixed(2)} s CPU (${Object.entries(
      r.stageSeconds,
    )
      .map(([k, v]) => `${k} ${v.toFixed(2)} s`)
      .join(', ')})`,
    `memory: heap ${mb(r.heapBytesBefore)} -> ${mb(r.heapBytesAfter)}, max RSS ${mb(r.maxRssBytes)}`,
    `components ${r.components} (largest ${r.largestComponentAssignments} assignments, ${r.raisedLimits} with a raised limit)`,
    `truth: ${r.truth.victimsOfFamilies} victims belong to families, ${r.truth.unrelatedBodies} unrelated bodies`,
    `identified: ${outcomeLine(r)}`,
    ...(r.multimodal
      ? [
          `with ${r.multimodal.fingers} fingerprints per body and per missing person for ${r.multimodal.missingWithPrints} of ${r.missingPersons}: ` +
            `${r.multimodal.comparisons} comparisons in ${r.multimodal.compareCpuSeconds.toFixed(2)} s CPU, solve ${r.multimodal.solveCpuSeconds.toFixed(2)} s CPU`,
          `identified with DNA and fingerprints: ${outcomeLine(r.multimodal)}`,
        ]
      : []),
  ].join('\n');
}

function outcomeLine(o: Outcome): string {
  const i = o.identified;
  return `${i.correct} correct, ${i.wrong} wrong; conclusive ${i.conclusiveCorrect} correct, ${i.conclusiveWrong} wrong; missed ${o.missed}; undisputed ${o.undisputed}`;
}
