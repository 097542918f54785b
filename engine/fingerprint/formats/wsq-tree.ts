/**
 * The WSQ subband structure (FBI IAFIS-IC-0110, "Wavelet Scalar Quantization", clauses on the wavelet packet
 * decomposition): a fixed 5-level wavelet packet that splits the image into 64 subbands, of which the 60
 * lowest-frequency ones are coded.
 *
 * Each decomposition node splits its rectangle once in x and once in y into four quadrants. When the
 * node "inverts" a direction, the highpass half comes first in that direction (spectral inversion keeps
 * neighbouring subbands ordered by frequency). A half of an odd length N is ceil(N/2) for the lowpass and
 * floor(N/2) for the highpass, so the first quadrant's size depends on the node's inversion flags.
 *
 * Tree (quadrants TL, TR, BL, BR; a TR quadrant inverts x, a BL inverts y, a BR both):
 *   node 0 (image)      -> node 1, node 2, node 3, BR discarded (subbands 60-63 are never coded)
 *   node 1              -> node 14, node 4, node 5, subband 51
 *   node 2, node 3      -> subbands 52-55, 56-59
 *   node 4 / 5 / 14     -> four child nodes each (6-9, 10-13, 15-18), each split into four subbands
 *   node 15             -> node 19, subbands 4, 5, 6
 *   node 19             -> subbands 0-3
 * The decoder undoes the nodes in reverse order of their numbers; the encoder applies them in order.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WaveletNode extends Rect {
  /** Highpass half first in x (rows) / in y (columns). */
  invertX: boolean;
  invertY: boolean;
}

export interface WsqTree {
  /** Decomposition nodes, indexed 0-19. */
  nodes: WaveletNode[];
  /** The 64 subbands in coding order; only 0-59 carry data. */
  subbands: Rect[];
}

export const CODED_SUBBANDS = 60;

function halves(length: number, invert: boolean): [number, number] {
  const low = Math.ceil(length / 2);
  const high = length - low;
  return invert ? [high, low] : [low, high];
}

function quadrants(node: WaveletNode): [Rect, Rect, Rect, Rect] {
  const [w0, w1] = halves(node.width, node.invertX);
  const [h0, h1] = halves(node.height, node.invertY);
  return [
    { x: node.x, y: node.y, width: w0, height: h0 },
    { x: node.x + w0, y: node.y, width: w1, height: h0 },
    { x: node.x, y: node.y + h0, width: w0, height: h1 },
    { x: node.x + w0, y: node.y + h0, width: w1, height: h1 },
  ];
}

/** The quadrant's own inversion follows its position: TR inverts x, BL inverts y, BR both. */
function childNode(rect: Rect, quadrant: number): WaveletNode {
  return { ...rect, invertX: quadrant === 1 || quadrant === 3, invertY: quadrant === 2 || quadrant === 3 };
}

export function buildWsqTree(width: number, height: number): WsqTree {
  const nodes: WaveletNode[] = new Array(20);
  const subbands: Rect[] = new Array(64);
  nodes[0] = { x: 0, y: 0, width, height, invertX: false, invertY: false };
  const q0 = quadrants(nodes[0]);
  nodes[1] = childNode(q0[0], 0);
  nodes[2] = childNode(q0[1], 1);
  nodes[3] = childNode(q0[2], 2);
  const discarded = quadrants(childNode(q0[3], 3));
  for (let i = 0; i < 4; i++) subbands[60 + i] = discarded[i];

  const q1 = quadrants(nodes[1]);
  nodes[14] = childNode(q1[0], 0);
  nodes[4] = childNode(q1[1], 1);
  nodes[5] = childNode(q1[2], 2);
  subbands[51] = q1[3];
  quadrants(nodes[2]).forEach((r, i) => {
    subbands[52 + i] = r;
  });
  quadrants(nodes[3]).forEach((r, i) => {
    subbands[56 + i] = r;
  });

  // Nodes 4, 5 and 14: four child nodes, each split into four subbands.
  const families: Array<[parent: number, firstChild: number, firstSubband: number]> = [
    [4, 6, 19],
    [5, 10, 35],
    [14, 15, 3],
  ];
  for (const [parent, firstChild, firstSubband] of families) {
    quadrants(nodes[parent]).forEach((rect, i) => {
      nodes[firstChild + i] = childNode(rect, i);
      quadrants(nodes[firstChild + i]).forEach((sub, j) => {
        subbands[firstSubband + i * 4 + j] = sub;
      });
    });
  }
  // Node 15's first quadrant is split once more (node 19) into subbands 0-3; its other three are 4-6.
  const q15 = quadrants(nodes[15]);
  nodes[19] = childNode(q15[0], 0);
  quadrants(nodes[19]).forEach((r, i) => {
    subbands[i] = r;
  });
  return { nodes, subbands };
}
