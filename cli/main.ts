import { Command } from 'commander';

import type { CommandGroups } from './groups.js';

const program = new Command('idmatch')
  .description('IDMatch: fingerprint, face and DNA matching with disaster victim identification')
  .showHelpAfterError();

const groups: CommandGroups = {
  program,
  bench: program.command('bench').description('benchmarks (accuracy and speed)'),
  dna: program.command('dna').description('STR profiles: enrol, search, statistics, kinship'),
  dvi: program.command('dvi').description('disaster victim identification'),
  fp: program.command('fp').description('fingerprints: decode, extract, compare, search'),
  face: program.command('face').description('faces: detect, embed, compare, search'),
  nist: program.command('nist').description('ANSI/NIST-ITL transactions'),
};

// Each area registers its own commands; one line per module keeps this file a table of contents.
const registrars: Array<Promise<{ register(groups: CommandGroups): void }>> = [
  import('./commands/fp-extract.js'),
  import('./commands/fp-segment.js'),
  import('./commands/fp-formats.js'),
  import('./commands/fp-match.js'),
  import('./commands/fp-identify.js'),
  import('./commands/service.js'),
  import('./commands/dna-store.js'),
  import('./commands/demo.js'),
  import('./commands/dna-stats.js'),
  import('./commands/dvi.js'),
  import('./commands/bench-index.js'),
  import('./commands/face.js'),
];

for (const module of await Promise.all(registrars)) module.register(groups);

await program.parseAsync(process.argv);
