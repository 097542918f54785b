/** Deterministic STR profiles for the service tests (real allele designations, simulated people). */
export const CODIS20 = [
  'CSF1PO', 'D3S1358', 'D5S818', 'D7S820', 'D8S1179', 'D13S317', 'D16S539', 'D18S51', 'D21S11', 'FGA',
  'TH01', 'TPOX', 'vWA', 'D1S1656', 'D2S441', 'D2S1338', 'D10S1248', 'D12S391', 'D19S433', 'D22S1045',
];

const LADDER: Record<string, string[]> = {
  TH01: ['6', '7', '8', '9', '9.3', '10'],
  D21S11: ['27', '28', '29', '30', '30.2', '31', '31.2', '32.2'],
  FGA: ['19', '20', '21', '22', '22.2', '23', '24', '25'],
};

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomProfile(seed: number, loci: string[] = CODIS20): { loci: Record<string, string[]> } {
  const random = mulberry32(seed);
  const out: Record<string, string[]> = {};
  for (const locus of loci) {
    const ladder = LADDER[locus] ?? Array.from({ length: 9 }, (_, i) => String(8 + i));
    const a = ladder[Math.floor(random() * ladder.length)];
    const b = ladder[Math.floor(random() * ladder.length)];
    out[locus] = a === b ? [a] : [a, b];
  }
  return { loci: out };
}
