/**
 * `idmatch dvi solve|report|kinship|simulate` and `idmatch bench dvi`: disaster victim identification
 * from the command line. Files are read here; the engine gets their text.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';

import type { ScoreCalibration } from '../../engine/dvi/calibration.js';
import { parseDviCaseJson, toDviCaseJson } from '../../engine/dvi/caseJson.js';
import { shippedFrequencyTable } from '../../engine/dna/frequencies.js';
import { parseFamiliasFile, parseFamiliasFrequencies } from '../../engine/dvi/familias.js';
import { databaseFromRecord } from '../../engine/dvi/frequencies.js';
import { solveKinship } from '../../engine/dvi/kinship.js';
import type { MutationModel } from '../../engine/dvi/mutation.js';
import { withBiometricScores } from '../../engine/dvi/modalities.js';
import { buildIdentificationReport, renderReportHtml } from '../../engine/dvi/report.js';
import { simulateIncident } from '../../engine/dvi/simulate.js';
import { type DviSolution, type SolveOptions, solveDvi } from '../../engine/dvi/solve.js';
import type { DviCase } from '../../engine/dvi/types.js';
import { IdmError } from '../../engine/errors.js';
import { loadBiometricsFile } from '../dvi-biometrics.js';
import type { CommandGroups } from '../groups.js';
import { action, emit } from '../output.js';

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new IdmError('IDM_NOT_FOUND', `cannot read ${path}: ${(error as Error).message}`);
  }
}

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new IdmError('IDM_VALIDATION', `--${name} must be a number, got ${value}`);
  return n;
}

/** `none`, `equal:RATE`, `proportional:RATE` or `stepwise:RATE:RANGE[:RATE2]`, for both sexes. */
export function parseMutationSpec(spec: string): MutationModel {
  const [kind, ...args] = spec.split(':');
  const nums = args.map((a) => number(a, 'mutation') as number);
  if (kind === 'none' && nums.length === 0) return { kind: 'none' };
  if ((kind === 'equal' || kind === 'proportional' || kind === 'onestep') && nums.length === 1) {
    return { kind, rate: nums[0] };
  }
  if (kind === 'stepwise' && (nums.length === 2 || nums.length === 3)) {
    return { kind, rate: nums[0], range: nums[1], rate2: nums[2] ?? 0 };
  }
  throw new IdmError(
    'IDM_BAD_MUTATION_MODEL',
    `--mutation ${spec}: use none, equal:RATE, proportional:RATE or stepwise:RATE:RANGE[:RATE2]`,
  );
}

interface CaseSource {
  frequencies?: string;
  freq?: string;
  population?: string;
  mutation?: string;
}

/** Loads a DVI case from a .json (our format) or a .fam (Familias DVI) file. */
export function loadDviCase(path: string, source: CaseSource = {}): DviCase {
  const frequencies = source.frequencies;
  const text = readText(path);
  let dvi: DviCase;
  if (extname(path).toLowerCase() === '.fam') {
    const parsed = parseFamiliasFile(text, basename(path));
    if (parsed.kind !== 'dvi') {
      throw new IdmError(
        'IDM_BAD_CASE',
        `${path} holds a kinship case, not a DVI case; use "idmatch dvi kinship"`,
      );
    }
    dvi = parsed.dvi;
  } else {
    dvi = parseDviCaseJson(text, basename(path, extname(path)));
  }
  if (frequencies)
    dvi = { ...dvi, database: parseFamiliasFrequencies(readText(frequencies), basename(frequencies)) };
  if (source.freq) {
    // A frequency table shipped with the DNA engine (e.g. nist1036), restricted to the case's loci.
    const table = shippedFrequencyTable(source.freq, source.population);
    const used = new Set(dvi.database.loci.map((l) => l.name));
    const db = databaseFromRecord(table.name, table.loci);
    dvi = { ...dvi, database: { ...db, loci: db.loci.filter((l) => used.has(l.name)) } };
  }
  if (source.mutation) {
    const model = parseMutationSpec(source.mutation);
    dvi = {
      ...dvi,
      database: {
        ...dvi.database,
        loci: dvi.database.loci.map((l) => ({ ...l, mutation: { female: model, male: model } })),
      },
    };
  }
  return dvi;
}

interface SolveFlags {
  json?: boolean;
  threshold?: string;
  limit?: string;
  ignoreSex?: boolean;
  undisputed?: boolean;
  maxAssignments?: string;
  maxListed?: string;
  mergeFragments?: string;
  minFrequency?: string;
  frequencies?: string;
  freq?: string;
  population?: string;
  mutation?: string;
  calibrations?: string;
  biometrics?: string;
}

/** The case of a solve command, with the scores of its AM/PM fingerprints and photos when given. */
async function caseToSolve(file: string, flags: SolveFlags): Promise<DviCase> {
  const dviCase = loadDviCase(file, flags);
  if (!flags.biometrics) return dviCase;
  const { pm, am } = await loadBiometricsFile(flags.biometrics);
  return withBiometricScores(dviCase, pm, am);
}

function solveOptions(flags: SolveFlags): SolveOptions {
  return {
    threshold: number(flags.threshold, 'threshold'),
    limit: number(flags.limit, 'limit'),
    ignoreSex: flags.ignoreSex ?? false,
    undisputed: flags.undisputed ?? true,
    maxAssignments: number(flags.maxAssignments, 'max-assignments'),
    maxListed: number(flags.maxListed, 'max-listed'),
    mergeFragmentsMinLoci: number(flags.mergeFragments, 'merge-fragments'),
    minFrequency: number(flags.minFrequency, 'min-frequency'),
    calibrations: flags.calibrations
      ? (JSON.parse(readText(flags.calibrations)) as Record<string, ScoreCalibration>)
      : undefined,
  };
}

function fmt(x: number | null): string {
  if (x === null) return '-Inf';
  return x.toFixed(3);
}

function humanSolution(s: DviSolution): string {
  const victims = s.victims.map((v) => v.id);
  const lines = [`case ${s.caseId}: ${s.victims.length} victims, ${s.missing.length} missing persons`];
  if (s.undisputed.length > 0) {
    lines.push('undisputed:');
    for (const u of s.undisputed)
      lines.push(`  ${u.victim} = ${u.missing} (${u.family})  LR ${u.LR.toExponential(3)}`);
  }
  lines.push(`assignments (${s.assignments.length} of ${s.assignmentsTotal}):`);
  lines.push(`  ${[...victims, 'loglik', 'LR'].join('\t')}`);
  for (const row of s.assignments.slice(0, 30)) {
    const lr = row.LR as number | null;
    lines.push(
      `  ${[...victims.map((v) => String(row[v])), fmt(row.loglik as number | null), lr === null ? 'Inf' : lr.toPrecision(4)].join('\t')}`,
    );
  }
  lines.push('identifications:');
  for (const id of s.identifications) {
    lines.push(
      `  ${id.victim} = ${id.missing} (${id.family}) ${id.method}  log10 LR ${id.combinedLog10LR.toFixed(2)}  posterior ${id.posterior.toFixed(4)}  log10 GLR ${id.log10GLR === null ? 'inf' : id.log10GLR.toFixed(2)}${id.conclusive ? '  conclusive' : ''}`,
    );
  }
  return lines.join('\n');
}

export function register(groups: CommandGroups): void {
  const { dvi, bench } = groups;
  const withSolveFlags = (c: ReturnType<typeof dvi.command>) =>
    c
      .option('--json', 'print one JSON document')
      .option('--threshold <lr>', 'LR threshold of undisputed and conclusive identifications (default 10000)')
      .option('--limit <lr>', 'only pairings with LR above this enter the joint search (default 0: all)')
      .option('--ignore-sex', 'allow pairings whatever the sexes')
      .option('--no-undisputed', 'skip the undisputed step')
      .option('--merge-fragments <loci>', 'merge PM items identical at >= this many shared loci (fragments)')
      .option(
        '--max-assignments <n>',
        'largest component enumeration before its limit is raised (default 100000)',
      )
      .option('--max-listed <n>', 'best assignments listed (default 1000)')
      .option('--min-frequency <p>', 'frequency of alleles missing from the database (default 0.001)')
      .option('--frequencies <file>', 'Familias frequency text file replacing the case database')
      .option('--freq <name>', 'shipped frequency table replacing the case database (e.g. nist1036)')
      .option('--population <p>', 'population of the shipped table')
      .option(
        '--mutation <spec>',
        'mutation model for every locus: equal:R, proportional:R, stepwise:R:RANGE[:R2]',
      )
      .option('--calibrations <file>', 'JSON {modality: ScoreCalibration} for fingerprint/face scores')
      .option(
        '--biometrics <file>',
        'JSON naming AM/PM fingerprint and face files per victim and missing person, compared by the engines',
      );

  withSolveFlags(
    dvi
      .command('solve <case>')
      .description(
        'solve a DVI case (.json in our format or Familias .fam): pairwise LRs, undisputed, joint',
      ),
  ).action(
    action(async (file: string, flags: SolveFlags) => {
      const solution = solveDvi(await caseToSolve(file, flags), solveOptions(flags));
      emit(
        flags,
        {
          assignments: solution.assignments,
          identifications: solution.identifications,
          undisputed: solution.undisputed,
          fragments: solution.fragments,
          assignmentsTotal: solution.assignmentsTotal,
          components: solution.components,
          posteriors: solution.posteriors,
          exclusions: {
            sex: solution.pairwise.filter((p) => p.excluded === 'sex').length,
            dna: solution.pairwise
              .filter((p) => p.excluded === 'dna')
              .map((p) => ({ victim: p.victim, missing: p.missing, family: p.family })),
          },
          assumptions: solution.assumptions,
        },
        () => humanSolution(solution),
      );
    }),
  );

  withSolveFlags(
    dvi
      .command('report <case>')
      .description('identification report per victim, as JSON or printable HTML')
      .option('--victim <id>', 'only this victim (default: every victim)')
      .option('--html <file>', 'write the HTML page(s) to this file ("-" for stdout)'),
  ).action(
    action(async (file: string, flags: SolveFlags & { victim?: string; html?: string }) => {
      const solution = solveDvi(await caseToSolve(file, flags), solveOptions(flags));
      const ids = flags.victim ? [flags.victim] : solution.victims.map((v) => v.id);
      const reports = ids.map((id) => buildIdentificationReport(solution, id));
      if (flags.html) {
        const html = reports.map(renderReportHtml).join('\n');
        if (flags.html === '-') {
          process.stdout.write(html);
          return;
        }
        writeFileSync(flags.html, html);
      }
      emit(flags, { reports }, () =>
        reports
          .map(
            (r) =>
              `${r.victim.id}: ${r.status}${r.identification ? ` = ${r.identification.missing} (${r.identification.method}, log10 LR ${r.identification.combinedLog10LR.toFixed(2)}, driven by ${r.drivers.join(', ') || 'none'})` : ''}`,
          )
          .concat(flags.html ? [`HTML written to ${flags.html}`] : [])
          .join('\n'),
      );
    }),
  );

  dvi
    .command('kinship <file>')
    .description('likelihood of each pedigree hypothesis of a Familias kinship file (.fam)')
    .option('--json', 'print one JSON document')
    .action(
      action((file: string, flags: { json?: boolean }) => {
        const parsed = parseFamiliasFile(readText(file), basename(file));
        if (parsed.kind !== 'kinship') {
          throw new IdmError('IDM_BAD_CASE', `${file} is a DVI case; use "idmatch dvi solve"`);
        }
        const hypotheses = solveKinship(parsed.kinship);
        emit(flags, { hypotheses, notes: parsed.notes }, () =>
          hypotheses
            .map(
              (h) =>
                `${h.name}\tloglik ${fmt(h.loglik)}\tLR vs best ${h.LRvsBest.toPrecision(4)}\tposterior (flat) ${h.posteriorFlat.toFixed(4)}`,
            )
            .join('\n'),
        );
      }),
    );

  dvi
    .command('simulate')
    .description('simulate a DVI incident (seeded) and write it as a case JSON')
    .option('--seed <n>', 'random seed', '1')
    .option('--victims <n>', 'number of victims', '20')
    .option('--families <n>', 'number of reference families', '10')
    .option('--loci <n>', 'number of loci', '20')
    .option('--out <file>', 'write the case here (default stdout)')
    .option('--json', 'print one JSON document')
    .action(
      action(
        (flags: {
          seed: string;
          victims: string;
          families: string;
          loci: string;
          out?: string;
          json?: boolean;
        }) => {
          const { dvi: simulated, truth } = simulateIncident({
            seed: number(flags.seed, 'seed'),
            victims: number(flags.victims, 'victims') ?? 20,
            families: number(flags.families, 'families') ?? 10,
            loci: number(flags.loci, 'loci'),
          });
          const doc = { ...toDviCaseJson(simulated), truth };
          if (flags.out) {
            writeFileSync(flags.out, `${JSON.stringify(doc, null, 1)}\n`);
            emit(
              flags,
              { written: flags.out, victims: simulated.victims.length },
              () => `wrote ${flags.out}`,
            );
          } else {
            process.stdout.write(`${JSON.stringify(doc, null, 1)}\n`);
          }
        },
      ),
    );

  bench
    .command('dvi')
    .description('DVI benchmark: simulated incident solved in full; time, memory, correctness')
    .option('--victims <n>', 'victims', '500')
    .option('--families <n>', 'reference families', '300')
    .option('--loci <n>', 'loci', '21')
    .option('--seed <n>', 'seed', '1')
    .option('--fingers <k>', 'also solve with K simulated fingerprints per body and per missing person', '0')
    .option('--am-prints <share>', 'share of missing persons with ante-mortem prints', '0.5')
    .option('--json', 'print one JSON document')
    .action(
      action(
        async (flags: { victims: string; families: string; loci: string; seed: string; fingers: string; amPrints: string; json?: boolean }) => {
          const { runDviBench, formatDviBench } = await import('../../bench/dvi.js');
          const result = runDviBench({
            victims: number(flags.victims, 'victims') ?? 500,
            families: number(flags.families, 'families') ?? 300,
            loci: number(flags.loci, 'loci') ?? 21,
            seed: number(flags.seed, 'seed'),
            fingers: number(flags.fingers, 'fingers'),
            amPrintShare: number(flags.amPrints, 'am-prints'),
            log: flags.json ? undefined : (line) => process.stderr.write(`${line}\n`),
          });
          emit(flags, result, () => formatDviBench(result));
        },
      ),
    );
}
