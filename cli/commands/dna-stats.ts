/**
 * `idmatch dna rmp|kinship|familial|import|frequencies` and `idmatch bench dna`: the DNA engine's
 * statistics, kinship, familial search and file formats from the command line. (`dna enrol|search`
 * go through the store and live with it.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

import type { Command } from 'commander';

import type { MutationModel } from '../../engine/dvi/mutation.js';
import { familialSearch } from '../../engine/dna/familial.js';
import {
  type ImportFormat,
  type ImportedProfile,
  exportProfiles,
  importProfiles,
} from '../../engine/dna/formats.js';
import {
  type FrequencyTable,
  listShippedFrequencies,
  parseFrequencyCsv,
  selectFrequencyTable,
  shippedFrequencyTable,
} from '../../engine/dna/frequencies.js';
import { ProfileDatabase } from '../../engine/dna/search.js';
import {
  DEFAULT_THETA,
  kinshipLr,
  parseRelationship,
  randomMatchProbability,
} from '../../engine/dna/stats.js';
import { IdmError } from '../../engine/errors.js';
import type { CommandGroups } from '../groups.js';
import { action, emit } from '../output.js';

/** The default shipped table: the NIST 1036 U.S. sample covers all 29 loci of common kits. */
export const DEFAULT_FREQUENCIES = 'nist1036';

/** `--freq NAME` (shipped) or `--freq FILE.csv` (long layout), with `--population P`. */
export function loadFrequencies(freq: string | undefined, population: string | undefined): FrequencyTable {
  const name = freq ?? DEFAULT_FREQUENCIES;
  if (name.toLowerCase().endsWith('.csv') || existsSync(name)) {
    if (!existsSync(name)) throw new IdmError('IDM_BAD_FREQUENCIES', `frequency file ${name} does not exist`);
    const db = parseFrequencyCsv(readFileSync(name, 'utf8'), basename(name));
    return selectFrequencyTable(db, population);
  }
  return shippedFrequencyTable(name, population);
}

/** Reads every profile of a file in any import format (JSON profile documents, GeneMapper, CMF). */
export function readProfileFile(path: string, format?: ImportFormat): ImportedProfile[] {
  if (!existsSync(path)) throw new IdmError('IDM_NOT_FOUND', `profile file ${path} does not exist`);
  return importProfiles(readFileSync(path, 'utf8'), { file: path, format }).profiles;
}

/** One profile from a file: the only one, or the one named by `id`. */
export function readOneProfile(path: string, id?: string): ImportedProfile {
  const profiles = readProfileFile(path);
  if (id !== undefined) {
    const found = profiles.find((p) => p.id === id);
    if (found === undefined) throw new IdmError('IDM_NOT_FOUND', `no profile "${id}" in ${path}`);
    return found;
  }
  if (profiles.length !== 1) {
    throw new IdmError(
      'IDM_VALIDATION',
      `${path} holds ${profiles.length} profiles; name one with --id (${profiles
        .slice(0, 5)
        .map((p) => p.id)
        .join(', ')}${profiles.length > 5 ? ', ...' : ''})`,
    );
  }
  return profiles[0];
}

function parseNumber(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new IdmError('IDM_VALIDATION', `--${name} must be a number in [${min}, ${max}], got "${text}"`);
  }
  return value;
}

/** `--mutation-model equal|proportional|stepwise|onestep|none --mutation-rate R [--mutation-range X]`. */
export function parseMutationModel(
  model: string | undefined,
  rate: string | undefined,
  range: string | undefined,
): MutationModel | undefined {
  if (model === undefined || model === 'none') return undefined;
  const r = parseNumber('mutation-rate', rate ?? '0.001', 0, 1) as number;
  switch (model) {
    case 'equal':
    case 'proportional':
    case 'onestep':
      return { kind: model, rate: r };
    case 'stepwise':
      return {
        kind: 'stepwise',
        rate: r,
        range: parseNumber('mutation-range', range ?? '0.5', 0, 1) as number,
      };
    default:
      throw new IdmError(
        'IDM_VALIDATION',
        `--mutation-model must be none, equal, proportional, stepwise or onestep, got "${model}"`,
      );
  }
}

function formatNumber(x: number): string {
  return x === 0 ? '0' : Math.abs(Math.log10(Math.abs(x))) > 4 ? x.toExponential(4) : x.toPrecision(6);
}

interface FreqOptions {
  json?: boolean;
  freq?: string;
  population?: string;
}

/** The model options kinship and familial search share: mutation, subpopulation, frequencies, output. */
function withKinshipModel(command: Command): Command {
  return command
    .option('--mutation-model <m>', 'none|equal|proportional|stepwise|onestep (parent-child transmissions)')
    .option('--mutation-rate <r>', 'mutation rate per meiosis (default 0.001)')
    .option('--mutation-range <x>', 'stepwise range: weight ratio of one more step (default 0.5)')
    .option('--theta <t>', 'subpopulation correction (Balding-Nichols); 0 = Hardy-Weinberg', '0')
    .option('--freq <name|file.csv>', `shipped database or long CSV (default ${DEFAULT_FREQUENCIES})`)
    .option('--population <p>', 'population of the frequency database')
    .option('--json', 'one JSON document on stdout');
}

export function register(groups: CommandGroups): void {
  const { dna, bench } = groups;

  dna
    .command('rmp')
    .description('random match probability (NRC II 4.1 / 4.10) and single-source LR of a profile')
    .argument('<profile>', 'profile file (JSON, GeneMapper CSV/TSV or CMF XML)')
    .option('--id <id>', 'profile to use when the file holds several')
    .option('--freq <name|file.csv>', `shipped database or long CSV (default ${DEFAULT_FREQUENCIES})`)
    .option('--population <p>', 'population of the frequency database')
    .option(
      '--theta <t>',
      `subpopulation correction (NRC II 4.10); 0 = Hardy-Weinberg (4.1)`,
      String(DEFAULT_THETA),
    )
    .option('--json', 'one JSON document on stdout')
    .action(
      action((file: string, options: FreqOptions & { id?: string; theta: string }) => {
        const table = loadFrequencies(options.freq, options.population);
        const theta = parseNumber('theta', options.theta, 0, 0.5) as number;
        const { id, profile } = readOneProfile(file, options.id);
        const result = randomMatchProbability(profile, table, theta);
        emit(options, { id, ...result }, () =>
          [
            `profile ${id}  frequencies ${result.frequencies}  theta ${theta}`,
            ...result.loci.map(
              (l) =>
                `  ${l.locus.padEnd(9)} ${l.alleles.join(',').padEnd(12)} ${l.statistic.padEnd(4)} ${formatNumber(l.rmp)}`,
            ),
            `RMP ${formatNumber(result.rmp)}  LR ${formatNumber(result.lr)}  (log10 LR ${result.log10Lr.toFixed(2)})`,
            result.skipped.length > 0 ? `skipped: ${result.skipped.join(', ')}` : '',
          ]
            .filter((s) => s !== '')
            .join('\n'),
        );
      }),
    );

  withKinshipModel(dna.command('kinship'))
    .description('kinship likelihood ratio of two profiles for a relationship against unrelated')
    .argument('<a>', 'profile file of A (the parent for parent-child with mutation)')
    .argument('<b>', 'profile file of B')
    .requiredOption(
      '--relation <r>',
      'parent-child|full-sibling|half-sibling|grandparent|avuncular|first-cousin|unrelated',
    )
    .option('--id-a <id>', 'profile of A when its file holds several')
    .option('--id-b <id>', 'profile of B when its file holds several')
    .action(
      action(
        (
          fileA: string,
          fileB: string,
          options: FreqOptions & {
            relation: string;
            idA?: string;
            idB?: string;
            mutationModel?: string;
            mutationRate?: string;
            mutationRange?: string;
            theta: string;
          },
        ) => {
          const table = loadFrequencies(options.freq, options.population);
          const theta = parseNumber('theta', options.theta, 0, 0.5) as number;
          const relationship = parseRelationship(options.relation);
          const mutation = parseMutationModel(
            options.mutationModel,
            options.mutationRate,
            options.mutationRange,
          );
          const a = readOneProfile(fileA, options.idA);
          const b = readOneProfile(fileB, options.idB);
          const result = kinshipLr(a.profile, b.profile, {
            relationship,
            frequencies: table,
            mutation,
            theta,
          });
          emit(options, { a: a.id, b: b.id, mutation: mutation ?? null, ...result }, () =>
            [
              `${a.id} vs ${b.id}: ${relationship} (IBD ${result.ibd.join(', ')})  frequencies ${result.frequencies}`,
              ...result.loci.map(
                (l) =>
                  `  ${l.locus.padEnd(9)} ${l.a.join(',').padEnd(10)} ${l.b.join(',').padEnd(10)} ${formatNumber(l.lr)}`,
              ),
              `LR ${formatNumber(result.lr)}  (log10 ${result.log10Lr.toFixed(2)})`,
            ].join('\n'),
          );
        },
      ),
    );

  withKinshipModel(dna.command('familial'))
    .description('rank the profiles of a file by kinship index to a probe (parent-child, full-sibling)')
    .argument('<probe>', 'probe profile file')
    .argument('<database>', 'file of profiles to rank (JSON, GeneMapper or CMF)')
    .option('--id <id>', 'probe profile when its file holds several')
    .option('--relation <r...>', 'relationships to rank by', ['parent-child', 'full-sibling'])
    .option('--threshold <lr>', 'minimum kinship index kept', '1')
    .option('--top <k>', 'candidates kept per relationship', '20')
    .option('--min-shared-loci <n>', 'loci compared a candidate needs')
    .action(
      action(
        (
          probeFile: string,
          databaseFile: string,
          options: FreqOptions & {
            id?: string;
            relation: string[];
            threshold: string;
            top: string;
            minSharedLoci?: string;
            mutationModel?: string;
            mutationRate?: string;
            mutationRange?: string;
            theta: string;
          },
        ) => {
          const table = loadFrequencies(options.freq, options.population);
          const probe = readOneProfile(probeFile, options.id);
          const db = new ProfileDatabase();
          for (const p of readProfileFile(databaseFile)) db.add(p.id, p.profile);
          const rankings = familialSearch(db, probe.profile, {
            frequencies: table,
            relationships: options.relation.map(parseRelationship),
            threshold: parseNumber('threshold', options.threshold, 0, Number.MAX_VALUE),
            topK: parseNumber('top', options.top, 0, 1e6),
            minSharedLoci: parseNumber('min-shared-loci', options.minSharedLoci, 0, 100),
            mutation: parseMutationModel(options.mutationModel, options.mutationRate, options.mutationRange),
            theta: parseNumber('theta', options.theta, 0, 0.5),
            exclude: [probe.id],
          });
          emit(options, { probe: probe.id, frequencies: table.name, database: db.size, rankings }, () =>
            rankings
              .map((r) =>
                [
                  `${r.relationship}: ${r.aboveThreshold} of ${r.scored} above threshold`,
                  ...r.candidates.map(
                    (c) =>
                      `  ${String(c.rank).padStart(3)} ${c.id.padEnd(16)} KI ${formatNumber(c.lr)}  loci ${c.sharedLoci}`,
                  ),
                ].join('\n'),
              )
              .join('\n'),
          );
        },
      ),
    );

  dna
    .command('import')
    .description(
      'read a profile file (GeneMapper CSV/TSV, JSON, CMF XML); print the profiles or convert them',
    )
    .argument('<file>', 'file to import')
    .option('--format <f>', 'genemapper|json|cmf (default: detected)')
    .option('--to <f>', 'write the profiles to stdout in this format: genemapper|json|cmf')
    .option('--json', 'one JSON document on stdout')
    .action(
      action((file: string, options: { json?: boolean; format?: string; to?: string }) => {
        const formats = ['genemapper', 'json', 'cmf'];
        for (const f of [options.format, options.to]) {
          if (f !== undefined && !formats.includes(f)) {
            throw new IdmError('IDM_VALIDATION', `format must be genemapper, json or cmf, got "${f}"`);
          }
        }
        const profiles = readProfileFile(file, options.format as ImportFormat | undefined);
        if (options.to !== undefined && !options.json) {
          process.stdout.write(exportProfiles(profiles, options.to as ImportFormat));
          return;
        }
        emit(
          options,
          {
            file,
            count: profiles.length,
            profiles: profiles.map((p) => ({ id: p.id, line: p.line, ...p.profile })),
          },
          () =>
            profiles
              .map((p) => `${p.id} (line ${p.line}): ${Object.keys(p.profile.loci).length} loci`)
              .concat(`${profiles.length} profile(s)`)
              .join('\n'),
        );
      }),
    );

  dna
    .command('frequencies')
    .description('list the shipped allele-frequency databases and their populations')
    .option('--json', 'one JSON document on stdout')
    .action(
      action((options: { json?: boolean }) => {
        const list = listShippedFrequencies();
        emit(options, { databases: list }, () =>
          list.map((d) => `${d.name}: ${d.populations.join(', ')}\n  ${d.citation}`).join('\n'),
        );
      }),
    );

  bench
    .command('dna')
    .description('DNA scale benchmark: enrolment, high/moderate search, familial search, memory')
    .option('--n <n>', 'profiles in the simulated database', '1000000')
    .option('--seed <s>', 'random seed', '1')
    .option('--probes <k>', 'probes per search kind', '5')
    .option('--json', 'one JSON document on stdout')
    .action(
      action(async (options: { json?: boolean; n: string; seed: string; probes: string }) => {
        const { runDnaBench, formatDnaBench } = await import('../../bench/dna.js');
        const result = runDnaBench({
          n: parseNumber('n', options.n, 100, 50_000_000) as number,
          seed: parseNumber('seed', options.seed, 0, 2 ** 31) as number,
          probes: parseNumber('probes', options.probes, 1, 1000) as number,
          log: options.json ? undefined : (line) => process.stderr.write(`${line}\n`),
        });
        emit(options, result, () => formatDnaBench(result));
      }),
    );
}
