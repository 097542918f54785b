import type { Restriction, SubjectCategory } from '../store/subjects.js';

export interface PartitionedEntry {
  agencyId: string;
  category: SubjectCategory;
  restriction: Restriction;
}

export interface PartitionFilters {
  categories?: SubjectCategory[];
  agencies?: string[];
}

/**
 * Whether a gallery entry may appear in a candidate list for the searching agency: a subject restricted
 * to its agency never appears in another agency's list, and the request's partition filters apply.
 */
export function visibleTo(entry: PartitionedEntry, agencyId: string, filters: PartitionFilters): boolean {
  if (entry.restriction === 'agency' && entry.agencyId !== agencyId) return false;
  if (filters.categories && !filters.categories.includes(entry.category)) return false;
  if (filters.agencies && !filters.agencies.includes(entry.agencyId)) return false;
  return true;
}
