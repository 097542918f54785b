import { linkedSubjectIds } from '../engine/dvi/caseJson.js';
import type { BiometricRecord } from '../engine/dvi/modalities.js';
import type { SubjectLinks } from '../engine/dvi/types.js';
import type { FingerPosition, FingerprintTemplate } from '../engine/fingerprint/types.js';
import type { Queryable } from '../store/database.js';
import { liveTemplatesOfSubjects, type SubjectTemplate } from '../store/templates.js';
import { bytesToEmbedding } from './face-gallery.js';
import { FACE_EXTRACTOR_VERSION } from './handlers/enrol.js';

/** The AM and PM biometric records of a case's linked subjects, ready for `biometricScores`. */
export interface CaseBiometrics {
  pm: Record<string, BiometricRecord>;
  am: Record<string, BiometricRecord>;
  /** What was read, for the audit trail and the solve summary. */
  templates: { fingerprint: number; face: number };
  /** Face embeddings left out because another model made them (their cosines are not comparable). */
  skippedFaces: number;
}

function addTemplate(record: BiometricRecord, template: SubjectTemplate): boolean {
  if (template.modality === 'fingerprint') {
    const parsed = JSON.parse(new TextDecoder().decode(template.data)) as FingerprintTemplate;
    // A tenprint card is stored a template per finger with the position in the row's meta.
    const stored = template.meta.position;
    const position = typeof stored === 'number' && stored > 0 ? (stored as FingerPosition) : parsed.position;
    record.fingerprints = [...(record.fingerprints ?? []), { ...parsed, position: position || undefined }];
    return true;
  }
  if (template.extractorVersion !== FACE_EXTRACTOR_VERSION) return false;
  record.faceEmbeddings = [...(record.faceEmbeddings ?? []), bytesToEmbedding(template.data)];
  return true;
}

/**
 * Reads the live fingerprint and face templates of every subject linked to a case's victims and
 * missing persons. A deleted subject simply contributes nothing: its evidence is gone from the case.
 */
export async function loadCaseBiometrics(db: Queryable, links: SubjectLinks | undefined): Promise<CaseBiometrics> {
  const result: CaseBiometrics = { pm: {}, am: {}, templates: { fingerprint: 0, face: 0 }, skippedFaces: 0 };
  if (!links) return result;
  const templates = await liveTemplatesOfSubjects(db, linkedSubjectIds(links), ['fingerprint', 'face']);
  const bySubject = new Map<string, SubjectTemplate[]>();
  for (const template of templates) bySubject.set(template.subjectId, [...(bySubject.get(template.subjectId) ?? []), template]);
  for (const side of ['pm', 'am'] as const) {
    for (const [person, subjects] of Object.entries(links[side])) {
      const record: BiometricRecord = {};
      for (const template of subjects.flatMap((id) => bySubject.get(id) ?? [])) {
        if (addTemplate(record, template)) result.templates[template.modality as 'fingerprint' | 'face'] += 1;
        else result.skippedFaces += 1;
      }
      if (record.fingerprints || record.faceEmbeddings) result[side][person] = record;
    }
  }
  return result;
}
