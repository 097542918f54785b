/**
 * DVI benchmark (issue 5): a simulated incident (victims, reference families of 1-4 typed relatives,
 * 20+ loci, stepwise mutation), solved in full. Measures the time of each stage, memory, and the
 * identifications against the simulated truth.
 *
 *   ./bin/idmatch.js bench dvi --victims 500 --families 300 --loci 21 [--seed 1] [--json]
 */
import { simulateIncident } from '../engine/dvi/simulate.js';
import { type DviProgress, solveDvi } from '../engine/dvi/solve.js';

export interface DviBenchOptions {
  victims: number;
  families: number;
  loci: number;
  seed?: number;
  threshold?: number;
  log?: (line: string) => void;
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
  const related = Object.entries(truth).filter(([, m]) => m !== null);
  const missed = related.filter(([v]) => !identifiedVictims.has(v)).length;
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
    identified: { correct, wrong, conclusiveCorrect, conclusiveWrong },
    missed,
    undisputed: solution.undisputed.length,
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
    `identified: ${r.identified.correct} correct, ${r.identified.wrong} wrong; conclusive ${r.identified.conclusiveCorrect} correct, ${r.identified.conclusiveWrong} wrong; missed ${r.missed}; undisputed ${r.undisputed}`,
  ].join('\n');
}
