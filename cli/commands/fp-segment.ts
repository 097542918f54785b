/**
 * `idmatch fp segment`: the fingertips of a slap (a four-finger or two-thumb plain impression) cut out
 * with their finger positions, and for a tenprint card the sequence check of its rolled prints.
 */
import { IdmError } from '../../engine/errors.js';
import { type FingerprintReading, readFingerprints } from '../../engine/fingerprint/input.js';
import { slapFingers } from '../../engine/fingerprint/slap.js';
import type { CommandGroups } from '../groups.js';
import { parsePositive, readInputFile } from '../inputs.js';
import { action, emit } from '../output.js';

interface SegmentOptions {
  position?: string;
  ppi?: string;
  json?: boolean;
}

function slapPosition(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || !slapFingers(n))
    throw new IdmError('IDM_VALIDATION', `--position must be a slap position code (11-15), got ${value}`);
  return n;
}

function report(reading: FingerprintReading) {
  return {
    fingers: reading.prints
      .filter((p) => p.slap)
      .map((p) => ({
        position: p.position,
        slap: p.slap?.position,
        box: p.slap?.box,
        minutiae: p.template.minutiae.length,
        quality: p.template.quality,
      })),
    sequence: reading.sequence ?? [],
    skipped: reading.skipped,
  };
}

function human(path: string, r: ReturnType<typeof report>): string {
  const lines = [`${path}: ${r.fingers.length} fingertip(s) cut from slaps`];
  for (const f of r.fingers) {
    const b = f.box;
    lines.push(
      `  slap ${f.slap} -> finger ${String(f.position).padStart(2)}  box ${b?.x},${b?.y} ${b?.width}x${b?.height}  ${f.minutiae} minutiae, quality ${f.quality}`,
    );
  }
  if (r.sequence.length > 0) lines.push('sequence check against the rolled prints:');
  for (const s of r.sequence) {
    const other = s.bestOther ? `, best other finger ${s.bestOther.position} at ${s.bestOther.score.toFixed(2)}` : '';
    lines.push(`  finger ${String(s.position).padStart(2)}: ${s.verdict.padEnd(12)} score ${s.score.toFixed(2)} (FMR ${s.fmr.toExponential(1)})${other}`);
  }
  for (const s of r.skipped) lines.push(`  skipped record ${s.record}: ${s.reason}`);
  return lines.join('\n');
}

export function register(groups: CommandGroups): void {
  groups.fp
    .command('segment <input>')
    .description('fingertips of slap images with their finger positions (an ANSI/NIST transaction, or an image with --position 11-15), and the sequence check of a tenprint card')
    .option('--position <code>', 'slap position code of a plain image: 13 right four, 14 left four, 15 both thumbs, 11/12 right/left thumb')
    .option('--ppi <n>', 'scan resolution of a plain image that carries none')
    .option('--json', 'machine-readable output')
    .action(
      action(async (path: string, options: SegmentOptions) => {
        const reading = await readFingerprints(readInputFile(path), {
          position: slapPosition(options.position),
          ppi: parsePositive(options.ppi, '--ppi'),
        });
        const result = report(reading);
        if (result.fingers.length === 0 && reading.source !== 'ansi-nist')
          throw new IdmError('IDM_VALIDATION', 'a plain image needs --position 11-15 to be segmented as a slap');
        emit(options, result, () => human(path, result));
      }),
    );
}
