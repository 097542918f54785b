/**
 * PM-PM direct matching: fragments of one body typed separately. Two PM items are taken to be the same
 * person when their genotypes agree at every locus both are typed at and they share at least
 * `minSharedLoci` loci (and their sexes do not conflict); groups are closed transitively. A group
 * becomes one victim whose id joins the item ids with "+", whose profile is the union of the items'
 * loci, and whose sex is the known one. One body can then be assigned to one missing person only once.
 */
import type { Genotype, Sex, Victim } from './types.js';

export interface FragmentGroup {
  id: string;
  items: string[];
}

const same = (a: Genotype, b: Genotype) =>
  (a[0] === b[0] && a[1] === b[1]) || (a[0] === b[1] && a[1] === b[0]);

export function mergeFragments(
  victims: readonly Victim[],
  minSharedLoci = 8,
): { victims: Victim[]; groups: FragmentGroup[] } {
  const parent = victims.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  for (let i = 0; i < victims.length; i++) {
    for (let j = i + 1; j < victims.length; j++) {
      const a = victims[i];
      const b = victims[j];
      if (a.sex !== 'U' && b.sex !== 'U' && a.sex !== b.sex) continue;
      let shared = 0;
      let agree = true;
      for (const [locus, g] of Object.entries(a.profile)) {
        const h = b.profile[locus];
        if (!h) continue;
        shared++;
        if (!same(g, h)) {
          agree = false;
          break;
        }
      }
      if (agree && shared >= minSharedLoci) parent[find(j)] = find(i);
    }
  }
  const byRoot = new Map<number, number[]>();
  victims.forEach((_, i) => {
    const r = find(i);
    byRoot.set(r, [...(byRoot.get(r) ?? []), i]);
  });
  const merged: Victim[] = [];
  const groups: FragmentGroup[] = [];
  for (const members of byRoot.values()) {
    if (members.length === 1) {
      merged.push(victims[members[0]]);
      continue;
    }
    const items = members.map((i) => victims[i]);
    const id = items.map((v) => v.id).join('+');
    const sex: Sex = items.find((v) => v.sex !== 'U')?.sex ?? 'U';
    const profile: Record<string, Genotype> = {};
    for (const v of items) for (const [locus, g] of Object.entries(v.profile)) profile[locus] ??= g;
    merged.push({ id, sex, profile });
    groups.push({ id, items: items.map((v) => v.id) });
  }
  return { victims: merged, groups };
}
