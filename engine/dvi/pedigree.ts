/**
 * Pedigree validation and compilation to index form: members by index, parents as indices (-1 for
 * founders), a member with one known parent gets an untyped placeholder for the other (as pedtools and
 * Familias do), and cycles of ancestry are refused.
 */
import { IdmError } from '../errors.js';
import type { Pedigree, PedigreeMember, Sex } from './types.js';

export interface CompiledPedigree {
  ids: string[];
  sex: Sex[];
  father: Int32Array;
  mother: Int32Array;
  indexOf: Map<string, number>;
}

/** Prefix of the ids of parents added because only the other parent was given. */
export const addedParentPrefix = '_added_';

export function compilePedigree(pedigree: Pedigree, label = 'pedigree'): CompiledPedigree {
  const members: PedigreeMember[] = pedigree.members.map((m) => ({ ...m }));
  const indexOf = new Map<string, number>();
  members.forEach((m, i) => {
    if (typeof m.id !== 'string' || m.id === '') {
      throw new IdmError('IDM_BAD_PEDIGREE', `${label}: member ${i + 1} has no id`);
    }
    if (indexOf.has(m.id))
      throw new IdmError('IDM_BAD_PEDIGREE', `${label}: member id ${m.id} appears twice`);
    indexOf.set(m.id, i);
  });
  // Complete half-specified parent pairs with placeholders.
  const originalCount = members.length;
  for (let i = 0; i < originalCount; i++) {
    const m = members[i];
    if ((m.father === null) !== (m.mother === null)) {
      const role = m.father === null ? 'father' : 'mother';
      const id = `${addedParentPrefix}${role}_of_${m.id}`;
      members.push({ id, sex: role === 'father' ? 'M' : 'F', father: null, mother: null });
      indexOf.set(id, members.length - 1);
      if (role === 'father') m.father = id;
      else m.mother = id;
    }
  }
  const n = members.length;
  const father = new Int32Array(n).fill(-1);
  const mother = new Int32Array(n).fill(-1);
  members.forEach((m, i) => {
    for (const [role, parentId, arr] of [
      ['father', m.father, father],
      ['mother', m.mother, mother],
    ] as const) {
      if (parentId === null || parentId === undefined) continue;
      const p = indexOf.get(parentId);
      if (p === undefined) {
        throw new IdmError('IDM_BAD_PEDIGREE', `${label}: ${role} ${parentId} of ${m.id} is not a member`);
      }
      if (p === i) throw new IdmError('IDM_BAD_PEDIGREE', `${label}: ${m.id} is its own ${role}`);
      const parentSex = members[p].sex;
      if ((role === 'father' && parentSex === 'F') || (role === 'mother' && parentSex === 'M')) {
        throw new IdmError(
          'IDM_BAD_PEDIGREE',
          `${label}: ${role} ${parentId} of ${m.id} has sex ${parentSex}`,
        );
      }
      arr[i] = p;
    }
  });
  // Ancestry cycle check (depth-first, colour marking).
  const state = new Uint8Array(n);
  const visit = (i: number, path: string[]): void => {
    if (state[i] === 2) return;
    if (state[i] === 1) {
      throw new IdmError(
        'IDM_BAD_PEDIGREE',
        `${label}: ${members[i].id} is its own ancestor (${path.join(' <- ')})`,
      );
    }
    state[i] = 1;
    for (const p of [father[i], mother[i]]) if (p >= 0) visit(p, [...path, members[p].id]);
    state[i] = 2;
  };
  for (let i = 0; i < n; i++) visit(i, [members[i].id]);
  return { ids: members.map((m) => m.id), sex: members.map((m) => m.sex), father, mother, indexOf };
}
