import { describe, expect, it } from 'vitest';

import {
  CODIS_CORE_LOCI,
  canonicalAllele,
  canonicalLocus,
  parseNamedProfile,
  parseProfile,
} from '../engine/dna/profile.js';
import { IdmError } from '../engine/errors.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof IdmError ? error.code : 'not-idm';
  }
  return undefined;
}

describe('STR profiles', () => {
  it('lists the 20 CODIS core loci', () => {
    expect(CODIS_CORE_LOCI).toHaveLength(20);
    expect(new Set(CODIS_CORE_LOCI).size).toBe(20);
    expect(CODIS_CORE_LOCI).toContain('D22S1045');
    expect(CODIS_CORE_LOCI).not.toContain('Penta_D');
  });

  it('canonicalises locus aliases', () => {
    expect(canonicalLocus('VWA')).toBe('vWA');
    expect(canonicalLocus('vwa')).toBe('vWA');
    expect(canonicalLocus('Penta D')).toBe('Penta_D');
    expect(canonicalLocus('PentaD')).toBe('Penta_D');
    expect(canonicalLocus('PENTA_E')).toBe('Penta_E');
    expect(canonicalLocus('Amelogenin')).toBe('AMEL');
    expect(canonicalLocus('TH 01')).toBe('TH01');
    expect(canonicalLocus('d2s1338')).toBe('D2S1338');
    expect(canonicalLocus('D99S999')).toBeUndefined();
  });

  it('canonicalises allele designations', () => {
    expect(canonicalAllele('TH01', '9.3')).toBe('9.3');
    expect(canonicalAllele('TH01', 9)).toBe('9');
    expect(canonicalAllele('TH01', '09')).toBe('9');
    expect(canonicalAllele('FGA', '22.0')).toBe('22');
    expect(canonicalAllele('FGA', 'ol')).toBe('OL');
    expect(canonicalAllele('D21S11', '<24')).toBe('<24');
    expect(canonicalAllele('D21S11', '>38.2')).toBe('>38.2');
    expect(canonicalAllele('AMEL', 'x')).toBe('X');
    expect(canonicalAllele('AMEL', '12')).toBeUndefined();
    expect(canonicalAllele('TH01', 'X')).toBeUndefined();
    expect(canonicalAllele('TH01', '9.33')).toBeUndefined();
  });

  it('parses a profile: aliases, ladder order, homozygote stored once, mixtures kept', () => {
    const { id, profile } = parseNamedProfile({
      id: 'S1',
      loci: {
        D3S1358: ['16', '15'],
        VWA: ['17', '17'],
        TH01: ['9.3'],
        'Penta D': [12, 9],
        FGA: ['24', '21', '22.2'],
        AMEL: ['X', 'Y'],
        D8S1179: [],
      },
    });
    expect(id).toBe('S1');
    expect(profile.loci).toEqual({
      D3S1358: ['15', '16'],
      vWA: ['17'],
      TH01: ['9.3'],
      Penta_D: ['9', '12'],
      FGA: ['21', '22.2', '24'],
      AMEL: ['X', 'Y'],
    });
  });

  it('orders microvariants and off-ladder calls on the ladder', () => {
    const p = parseProfile({ loci: { D21S11: ['30', '29.2', '<24', 'OL', '>38'] } });
    expect(p.loci.D21S11).toEqual(['<24', '29.2', '30', '>38', 'OL']);
  });

  it('keeps peak heights aligned with the sorted alleles', () => {
    const p = parseProfile({
      loci: {
        TH01: [
          { allele: '9.3', height: 800 },
          { allele: '6', height: 1200 },
        ],
      },
    });
    expect(p.loci.TH01).toEqual(['6', '9.3']);
    expect(p.heights?.TH01).toEqual([1200, 800]);
  });

  it('rejects unknown loci, bad alleles and malformed documents with the right codes', () => {
    expect(codeOf(() => parseProfile({ loci: { D99S1: ['1', '2'] } }))).toBe('IDM_UNKNOWN_LOCUS');
    expect(codeOf(() => parseProfile({ loci: { TH01: ['nine'] } }))).toBe('IDM_BAD_ALLELE');
    expect(codeOf(() => parseProfile({ loci: { TH01: [true] } }))).toBe('IDM_BAD_ALLELE');
    expect(codeOf(() => parseProfile({ loci: { AMEL: ['Z'] } }))).toBe('IDM_BAD_ALLELE');
    expect(codeOf(() => parseProfile({ loci: {} }))).toBe('IDM_BAD_PROFILE');
    expect(codeOf(() => parseProfile([]))).toBe('IDM_BAD_PROFILE');
    expect(codeOf(() => parseProfile({ loci: { vWA: ['16'], VWA: ['17'] } }))).toBe('IDM_BAD_PROFILE');
    expect(codeOf(() => parseProfile({ loci: { TH01: { a: 1 } } }))).toBe('IDM_BAD_PROFILE');
  });

  it('names the locus and allele in the message', () => {
    try {
      parseProfile({ loci: { D3S1358: ['15', 'x7'] } });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('D3S1358');
      expect((error as Error).message).toContain('x7');
    }
  });
});
