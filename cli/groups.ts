import type { Command } from 'commander';

/** The command groups every CLI module may add sub-commands to. */
export interface CommandGroups {
  program: Command;
  bench: Command;
  dna: Command;
  dvi: Command;
  fp: Command;
  face: Command;
  nist: Command;
}
