/** Types shared across the DVI engine: loci, people, pedigrees, cases and solutions. */
import type { SexMutationModels } from './mutation.js';

export type Sex = 'M' | 'F' | 'U';

/** An unordered genotype at one locus, as allele designations (`["9", "9.3"]`). */
export type Genotype = readonly [string, string];

/** Genotypes of one person, by locus name. Loci not listed are untyped. */
export type Profile = Readonly<Record<string, Genotype>>;

/** One locus of the frequency database: alleles, their frequencies (same order) and mutation models. */
export interface Locus {
  name: string;
  alleles: string[];
  frequencies: number[];
  mutation?: SexMutationModels;
}

/** The markers a case is computed with, and the name of their source (for the report's assumptions). */
export interface LocusDatabase {
  name: string;
  loci: Locus[];
}

/** A pedigree member. Parents are ids of other members of the same pedigree, or null for founders. */
export interface PedigreeMember {
  id: string;
  sex: Sex;
  father: string | null;
  mother: string | null;
  /** Typed genotypes of this member (reference relatives). */
  profile?: Profile;
}

export interface Pedigree {
  members: PedigreeMember[];
}

/** Scores from other modalities comparing one PM item with one missing person's AM data. */
export interface ModalityScore {
  modality: 'fingerprint' | 'face' | string;
  victim: string;
  missing: string;
  score: number;
  /** log10 LR from the modality engine's own calibration; when absent, `solveDvi` calibrates `score`. */
  log10LR?: number;
}

/** A post-mortem item: a victim or fragment with its DNA profile. */
export interface Victim {
  id: string;
  sex: Sex;
  profile: Profile;
}

/** A reference family: a pedigree with typed relatives and one or more missing members. */
export interface ReferenceFamily {
  id: string;
  pedigree: Pedigree;
  /** Ids of pedigree members who are missing persons (untyped in the pedigree). */
  missing: string[];
  /** Direct references (personal effects, prior profiles) of missing members, by missing-member id. */
  directReferences?: Record<string, Profile[]>;
}

/**
 * Enrolled subjects of the store linked to the people of a case: PM items (victim id -> subjects
 * holding that body's fingerprints and photos) and missing persons (missing id -> subjects holding
 * their ante-mortem prints and photos). The solver compares their templates at solve time.
 */
export interface SubjectLinks {
  pm: Record<string, string[]>;
  am: Record<string, string[]>;
}

export interface DviCase {
  id: string;
  description?: string;
  database: LocusDatabase;
  victims: Victim[];
  families: ReferenceFamily[];
  /** Scores of other modalities (fingerprint, face) between victims and missing persons. */
  scores?: ModalityScore[];
  /** Store subjects whose fingerprints and faces are compared when the case is solved by the service. */
  subjects?: SubjectLinks;
}

/** A kinship case: typed persons and competing pedigrees over them (Familias "pedigrees"). */
export interface KinshipCase {
  database: LocusDatabase;
  hypotheses: Array<{ name: string; pedigree: Pedigree }>;
}
