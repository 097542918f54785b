import { MessageChannel } from 'node:worker_threads';

import { linkedSubjectIds } from '../../engine/dvi/caseJson.js';
import type { DviProgress, DviSolution } from '../../engine/dvi/solve.js';
import type { ModalityScore, SubjectLinks } from '../../engine/dvi/types.js';
import { createIdentification } from '../../engine/dvi/workflow.js';
import { IdmError } from '../../engine/errors.js';
import { appendAuditIn } from '../../store/audit.js';
import { getDviCase, putIdentification, saveSolution } from '../../store/dvi-cases.js';
import { type CaseBiometrics, loadCaseBiometrics } from '../dvi-biometrics.js';
import type { DviSolveJob } from '../jobs.js';
import type { JobLike, WorkerRuntime } from '../runtime.js';

const STAGE_SHARE: Record<DviProgress['stage'], [number, number]> = {
  compile: [0, 5],
  pairwise: [5, 60],
  undisputed: [60, 65],
  joint: [65, 95],
  done: [95, 95],
};

export interface DviSolveSummary {
  caseId: string;
  victims: number;
  missing: number;
  identifications: DviSolution['identifications'];
  undisputed: DviSolution['undisputed'];
  assignmentsTotal: number;
  topAssignments: DviSolution['assignments'];
  assumptions: DviSolution['assumptions'];
  /** Templates of linked subjects compared by the fingerprint and face engines in this solve. */
  biometrics: CaseBiometrics['templates'] & { skippedFaces: number };
}


/**
 * The linked subjects' fingerprint and face scores, the victims split over the pool's threads: at 500
 * victims with ten fingers each against hundreds of missing persons these comparisons outweigh the
 * DNA solve, and they are independent per victim.
 */
async function scoreInParallel(runtime: WorkerRuntime, biometrics: CaseBiometrics): Promise<ModalityScore[]> {
  const victims = Object.entries(biometrics.pm);
  if (victims.length === 0 || Object.keys(biometrics.am).length === 0) return [];
  const shares = Math.min(victims.length, Math.max(1, runtime.pool.threads));
  const tasks = Array.from({ length: shares }, (_, share) =>
    runtime.pool.run({
      name: 'dvi.biometrics',
      pm: Object.fromEntries(victims.filter((_, i) => i % shares === share)),
      am: biometrics.am,
    }),
  );
  return (await Promise.all(tasks)).flat();
}

/**
 * Solves a stored DVI case in the pool, stores the solution and opens a workflow record (status
 * candidate) for every identification; records a human already moved on are left as they are.
 */
export async function runDviSolveJob(job: JobLike<DviSolveJob>, runtime: WorkerRuntime): Promise<DviSolveSummary> {
  const { db } = runtime;
  const stored = await getDviCase(db, job.data.caseId);
  if (!stored) throw new IdmError('IDM_NOT_FOUND', `no DVI case ${job.data.caseId}`);
  const links = stored.document.subjects as SubjectLinks | undefined;
  const biometrics = await loadCaseBiometrics(db, links);
  const scores = await scoreInParallel(runtime, biometrics);
  const channel = new MessageChannel();
  channel.port1.on('message', (progress: DviProgress) => {
    const [from, to] = STAGE_SHARE[progress.stage];
    const share = progress.total > 0 ? progress.done / progress.total : 1;
    void job.updateProgress(Math.round(from + (to - from) * share));
  });
  let solution: DviSolution;
  try {
    solution = await runtime.pool.run(
      {
        name: 'dvi.solve',
        document: stored.document,
        caseId: stored.id,
        options: job.data.options,
        scores,
        progress: channel.port2,
      },
      [channel.port2],
    );
  } finally {
    channel.port1.close();
  }
  const actor = { id: `system:${runtime.source}`, scopes: [] };
  await db.transaction(async (tx) => {
    await saveSolution(tx, stored.id, solution);
    for (const identification of solution.identifications) {
      const record = createIdentification(
        stored.id,
        identification.victim,
        identification.missing,
        actor,
        `${identification.method} identification, log10 LR ${identification.combinedLog10LR.toFixed(2)}`,
      );
      await putIdentification(tx, record, true);
    }
    await appendAuditIn(tx, {
      agencyId: job.data.actor.agencyId,
      keyId: job.data.actor.keyId,
      requestId: job.data.actor.requestId,
      action: 'dvi.solve',
      resourceType: 'case',
      resourceId: stored.id,
      outcome: 'success',
      source: runtime.source,
      details: {
        jobId: job.id,
        identifications: solution.identifications.map((i) => `${i.victim}=${i.missing}`),
        assumptions: solution.assumptions,
        // The linked subjects' templates this solve read: the audit trail of a view by the system.
        linkedSubjects: linkedSubjectIds(links),
        templatesCompared: biometrics.templates,
      },
    });
  });
  await job.updateProgress(100);
  return {
    caseId: stored.id,
    victims: solution.victims.length,
    missing: solution.missing.length,
    identifications: solution.identifications,
    undisputed: solution.undisputed,
    assignmentsTotal: solution.assignmentsTotal,
    topAssignments: solution.assignments.slice(0, 20),
    assumptions: solution.assumptions,
    biometrics: { ...biometrics.templates, skippedFaces: biometrics.skippedFaces },
  };
}
