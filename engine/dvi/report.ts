/**
 * Identification report per victim: the evidence per modality with its LR, the competing candidates,
 * the assumptions (frequency database, mutation models, thresholds, prior), the workflow status and the
 * sign-off; as plain JSON and as a self-contained printable HTML page.
 */
import { IdmError } from '../errors.js';
import type { DviSolution, Identification } from './solve.js';
import type { AuditEntry, IdentificationRecord, IdentificationStatus } from './workflow.js';

export interface EvidenceLine {
  modality: string;
  log10LR: number;
  /** The comparison score the LR was calibrated from (fingerprint match score, face similarity); none for DNA. */
  score: number | null;
  /** What this line of evidence does to the identification. */
  effect: 'supports' | 'neutral' | 'opposes';
}

export interface CandidateLine {
  missing: string;
  family: string;
  dnaLR: number;
  combinedLog10LR: number | null;
  posterior: number | null;
  excluded: 'sex' | 'dna' | null;
}

export interface IdentificationReport {
  caseId: string;
  victim: { id: string; sex: string };
  generatedAt: string;
  status: IdentificationStatus | 'unidentified';
  identification: Identification | null;
  evidence: EvidenceLine[];
  drivers: string[];
  candidates: CandidateLine[];
  assumptions: DviSolution['assumptions'];
  audit: AuditEntry[];
  signOff: { confirmedBy: string; confirmedAt: string; releasedBy?: string; releasedAt?: string } | null;
}

export function buildIdentificationReport(
  solution: DviSolution,
  victimId: string,
  record?: IdentificationRecord,
  generatedAt: string = new Date().toISOString(),
): IdentificationReport {
  const victim = solution.victims.find((v) => v.id === victimId);
  if (!victim) throw new IdmError('IDM_NOT_FOUND', `victim ${victimId} is not in case ${solution.caseId}`);
  const identification = solution.identifications.find((i) => i.victim === victimId) ?? null;
  if (
    record &&
    (record.victim !== victimId || (identification && record.missing !== identification.missing))
  ) {
    throw new IdmError(
      'IDM_CONFLICT',
      `workflow record ${record.victim}=${record.missing} does not match this report`,
    );
  }
  const evidence: EvidenceLine[] = identification
    ? Object.entries(identification.log10LR).map(([modality, log10LR]) => ({
        modality,
        log10LR,
        score: identification.scores?.[modality] ?? null,
        effect: log10LR > 0.5 ? 'supports' : log10LR < -0.5 ? 'opposes' : 'neutral',
      }))
    : [];
  const posterior = new Map(
    solution.posteriors.filter((p) => p.victim === victimId).map((p) => [p.missing, p.probability] as const),
  );
  const candidates = solution.pairwise
    .filter((p) => p.victim === victimId)
    .map((p) => ({
      missing: p.missing,
      family: p.family,
      dnaLR: p.dnaLR,
      combinedLog10LR: p.combinedLog10LR,
      posterior: posterior.get(p.missing) ?? null,
      excluded: p.excluded,
    }))
    .sort(
      (a, b) =>
        (b.combinedLog10LR ?? Number.NEGATIVE_INFINITY) - (a.combinedLog10LR ?? Number.NEGATIVE_INFINITY),
    )
    .slice(0, 10);
  const audit = record?.audit ?? [];
  const confirmed = [...audit].reverse().find((e) => e.to === 'confirmed');
  const released = [...audit].reverse().find((e) => e.to === 'released');
  return {
    caseId: solution.caseId,
    victim,
    generatedAt,
    status: record?.status ?? (identification ? 'candidate' : 'unidentified'),
    identification,
    evidence,
    drivers: identification?.drivers ?? [],
    candidates,
    assumptions: solution.assumptions,
    audit,
    signOff: confirmed
      ? {
          confirmedBy: confirmed.actor,
          confirmedAt: confirmed.at,
          releasedBy: released?.actor,
          releasedAt: released?.at,
        }
      : null,
  };
}

const esc = (s: unknown) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function fmtLR(log10: number | null): string {
  if (log10 === null || !Number.isFinite(log10)) return log10 === null ? '0' : String(log10);
  if (Math.abs(log10) < 4) return (10 ** log10).toPrecision(3);
  return `10^${log10.toFixed(2)}`;
}

/** A printable HTML page of the report (no scripts, no external resources). */
export function renderReportHtml(report: IdentificationReport): string {
  const id = report.identification;
  const rows = (cells: unknown[][]) =>
    cells.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('');
  const a = report.assumptions;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Identification report ${esc(report.victim.id)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #999;padding:.25em .6em;text-align:left}th{background:#eee}h1{font-size:1.4em}
.status{font-weight:bold;text-transform:uppercase}@media print{body{margin:0}}</style></head><body>
<h1>DVI identification report: victim ${esc(report.victim.id)}</h1>
<p>Case ${esc(report.caseId)} &middot; generated ${esc(report.generatedAt)} &middot; status <span class="status">${esc(report.status)}</span></p>
${
  id
    ? `<h2>Identification</h2><table><tr><th>Victim</th><th>Missing person</th><th>Family</th><th>Method</th><th>Combined LR</th><th>Posterior</th><th>Generalised LR</th><th>Conclusive</th></tr>
${rows([[report.victim.id, id.missing, id.family, id.method, fmtLR(id.combinedLog10LR), id.posterior.toFixed(4), id.log10GLR === null ? 'no alternative' : fmtLR(id.log10GLR), id.conclusive ? 'yes' : 'no']])}</table>
<h2>Evidence per modality</h2><table><tr><th>Modality</th><th>Score</th><th>LR</th><th>log10 LR</th><th>Effect</th></tr>
${rows(report.evidence.map((e) => [e.modality, e.score === null ? '' : e.score.toFixed(3), fmtLR(e.log10LR), e.log10LR.toFixed(2), e.effect]))}</table>
<p>Driven by: ${esc(report.drivers.join(', ') || 'no single modality')}</p>`
    : '<h2>No identification</h2><p>No missing person is assigned to this victim in the best joint solution.</p>'
}
<h2>Candidates</h2><table><tr><th>Missing person</th><th>Family</th><th>DNA LR</th><th>Combined LR</th><th>Posterior</th><th>Excluded</th></tr>
${rows(report.candidates.map((c) => [c.missing, c.family, c.dnaLR.toPrecision(3), fmtLR(c.combinedLog10LR), c.posterior === null ? '' : c.posterior.toFixed(4), c.excluded ?? '']))}</table>
<h2>Assumptions</h2><table>
${rows([
  ['Allele frequency database', a.frequencyDatabase],
  ['Identification threshold (LR)', a.threshold],
  ['Pairing limit (LR)', a.limit],
  ['Sex used for exclusion', a.ignoreSex ? 'no' : 'yes'],
  ['Prior', a.prior],
  ...Object.entries(a.mutationModels).map(([locus, m]) => [`Mutation model ${locus}`, m]),
  ...a.alleleAdjustments.map((x) => ['Allele adjustment', x]),
])}</table>
<h2>Audit trail and sign-off</h2><table><tr><th>When</th><th>Who</th><th>From</th><th>To</th><th>Why</th></tr>
${rows(report.audit.map((e) => [e.at, e.actor, e.from ?? '', e.to, e.reason]))}</table>
<p>${report.signOff ? `Confirmed by ${esc(report.signOff.confirmedBy)} at ${esc(report.signOff.confirmedAt)}${report.signOff.releasedBy ? `; released by ${esc(report.signOff.releasedBy)} at ${esc(report.signOff.releasedAt)}` : ''}.` : 'Not signed off.'}</p>
</body></html>
`;
}
