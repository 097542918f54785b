/**
 * The identification workflow of one victim-missing person pairing, as a pure state machine:
 *
 *   candidate -> proposed -> confirmed -> released
 *   candidate | proposed -> rejected;  proposed -> candidate (sent back);  confirmed -> proposed (revoked)
 *
 * Confirming (and revoking a confirmation) needs the `dvi:confirm` scope. By default the confirmer
 * must differ from whoever proposed (four-eyes principle of DVI reconciliation, INTERPOL DVI Guide
 * 2018, reconciliation board). Every transition is appended to the audit trail with who, why and when;
 * the record is never mutated, a new one is returned.
 */
import { IdmError } from '../errors.js';

export type IdentificationStatus = 'candidate' | 'proposed' | 'confirmed' | 'released' | 'rejected';

export const confirmScope = 'dvi:confirm';

export interface Actor {
  id: string;
  scopes: readonly string[];
}

export interface AuditEntry {
  from: IdentificationStatus | null;
  to: IdentificationStatus;
  actor: string;
  reason: string;
  at: string;
}

export interface IdentificationRecord {
  caseId: string;
  victim: string;
  missing: string;
  status: IdentificationStatus;
  audit: AuditEntry[];
}

export interface TransitionOptions {
  /** ISO time of the transition; default now. */
  at?: string;
  /** Require the confirmer to differ from the proposer. Default true. */
  fourEyes?: boolean;
}

const allowed: Record<IdentificationStatus, IdentificationStatus[]> = {
  candidate: ['proposed', 'rejected'],
  proposed: ['confirmed', 'candidate', 'rejected'],
  confirmed: ['released', 'proposed'],
  released: [],
  rejected: [],
};

/** Transitions that need the `dvi:confirm` scope. */
const needsConfirmScope = (from: IdentificationStatus, to: IdentificationStatus) =>
  to === 'confirmed' || (from === 'confirmed' && to === 'proposed');

function checkWho(actor: Actor, reason: string): void {
  if (!actor || typeof actor.id !== 'string' || actor.id.trim() === '') {
    throw new IdmError('IDM_VALIDATION', 'a workflow transition needs the id of who makes it');
  }
  if (typeof reason !== 'string' || reason.trim() === '') {
    throw new IdmError('IDM_VALIDATION', 'a workflow transition needs a reason');
  }
}

/** A new record in status `candidate`, created by `actor`. */
export function createIdentification(
  caseId: string,
  victim: string,
  missing: string,
  actor: Actor,
  reason: string,
  options: TransitionOptions = {},
): IdentificationRecord {
  checkWho(actor, reason);
  const at = options.at ?? new Date().toISOString();
  return {
    caseId,
    victim,
    missing,
    status: 'candidate',
    audit: [{ from: null, to: 'candidate', actor: actor.id, reason, at }],
  };
}

/** The transitions open to `actor` from the record's status. */
export function availableTransitions(record: IdentificationRecord, actor: Actor): IdentificationStatus[] {
  return allowed[record.status].filter(
    (to) => !needsConfirmScope(record.status, to) || actor.scopes.includes(confirmScope),
  );
}

/** Applies a transition or throws IDM_BAD_TRANSITION / IDM_FORBIDDEN_SCOPE. */
export function transition(
  record: IdentificationRecord,
  to: IdentificationStatus,
  actor: Actor,
  reason: string,
  options: TransitionOptions = {},
): IdentificationRecord {
  checkWho(actor, reason);
  const from = record.status;
  if (!allowed[from]?.includes(to)) {
    throw new IdmError('IDM_BAD_TRANSITION', `cannot go from ${from} to ${to}`, {
      from,
      to,
      allowed: allowed[from] ?? [],
    });
  }
  if (needsConfirmScope(from, to) && !actor.scopes.includes(confirmScope)) {
    throw new IdmError('IDM_FORBIDDEN_SCOPE', `${from} -> ${to} needs the ${confirmScope} scope`, {
      scope: confirmScope,
    });
  }
  if (to === 'confirmed' && (options.fourEyes ?? true)) {
    const proposer = [...record.audit].reverse().find((e) => e.to === 'proposed')?.actor;
    if (proposer === actor.id) {
      throw new IdmError(
        'IDM_BAD_TRANSITION',
        `${actor.id} proposed this identification and cannot also confirm it`,
      );
    }
  }
  const at = options.at ?? new Date().toISOString();
  return { ...record, status: to, audit: [...record.audit, { from, to, actor: actor.id, reason, at }] };
}
