/** Public surface of the DVI engine (pure: text and plain data in, plain data out). */
export {
  type CalibrationOptions,
  fitScoreCalibration,
  type ScoreCalibration,
  scoreLog10LR,
} from './calibration.js';
export { parseDviCaseJson, toDviCaseJson } from './caseJson.js';
export { type FamiliasImport, parseFamiliasFile, parseFamiliasFrequencies } from './familias.js';
export { type FragmentGroup, mergeFragments } from './fragments.js';
export { databaseFromRecord, defaultMinFrequency } from './frequencies.js';
export { kinshipLR, pedigreeLikelihoods, solveKinship } from './kinship.js';
export { type BiometricRecord, biometricScores } from './modalities.js';
export {
  describeMutationModel,
  type MutationModel,
  mutationMatrix,
  overallMutationRate,
  type SexMutationModels,
} from './mutation.js';
export { buildIdentificationReport, type IdentificationReport, renderReportHtml } from './report.js';
export {
  type SimulatedIncident,
  type SimulationOptions,
  seededRandom,
  simulateIncident,
} from './simulate.js';
export {
  type AssignmentRow,
  type DviProgress,
  type DviSolution,
  type Identification,
  type PairwiseEntry,
  type SolveOptions,
  solveDvi,
} from './solve.js';
export type * from './types.js';
export {
  type Actor,
  availableTransitions,
  confirmScope,
  createIdentification,
  type IdentificationRecord,
  type IdentificationStatus,
  transition,
} from './workflow.js';
