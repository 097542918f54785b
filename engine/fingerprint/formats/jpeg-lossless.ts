/**
 * Lossless JPEG (ITU-T T.81 Annex H, process 14, frame marker SOF3) decoding, which libjpeg and therefore
 * sharp do not implement but ANSI/NIST-ITL allows for fingerprint images (CGA "JPEGL").
 *
 * Each sample is predicted from its decoded neighbours (a left, b above, c above-left) by the scan's predictor
 * 1-7; the Huffman-coded value is the category SSSS of the difference, followed by SSSS raw bits. The first
 * line predicts from the left, the first column from above, and the very first sample (and the first after
 * every restart marker) from 2^(P - Pt - 1). Components must be full resolution (sampling factors 1).
 */
import { IdmError } from '../../errors.js';
import type { GrayImage } from '../types.js';

function fail(message: string): never {
  throw new IdmError('IDM_BAD_IMAGE', `lossless JPEG: ${message}`);
}

export function isLosslessJpeg(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return false;
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1];
    if (marker === 0xc3) return true;
    if (
      marker === 0xda ||
      (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
    ) {
      return false;
    }
    at += 2 + ((bytes[at + 2] << 8) | bytes[at + 3]);
  }
  return false;
}

interface Huffman {
  maxCode: Int32Array;
  minCode: Int32Array;
  pointer: Int32Array;
  values: Uint8Array;
}

function buildHuffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxCode = new Int32Array(18).fill(-1);
  const minCode = new Int32Array(18);
  const pointer = new Int32Array(18);
  let code = 0;
  let index = 0;
  for (let length = 1; length <= 16; length++) {
    const n = counts[length - 1];
    if (n > 0) {
      pointer[length] = index;
      minCode[length] = code;
      code += n;
      index += n;
      maxCode[length] = code - 1;
      if (code > 1 << length) fail(`Huffman table has too many codes of length ${length}`);
    }
    code <<= 1;
  }
  return { maxCode, minCode, pointer, values };
}

interface Component {
  id: number;
  table: number;
}

export function decodeLosslessJpeg(
  bytes: Uint8Array,
  maxPixels = 40_000_000,
): GrayImage & { precision: number } {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) fail('missing SOI marker');
  const tables: Array<Huffman | undefined> = [];
  let width = 0;
  let height = 0;
  let precision = 8;
  let ppi = 0;
  let frameIds: number[] = [];
  let planes: Uint16Array[] = [];
  let restartInterval = 0;
  let at = 2;
  const u16 = (p: number) => {
    if (p + 2 > bytes.length) fail('truncated segment');
    return (bytes[p] << 8) | bytes[p + 1];
  };
  for (;;) {
    if (at + 2 > bytes.length) fail('stream ends before EOI');
    if (bytes[at] !== 0xff) fail(`expected a marker at byte ${at}`);
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd9) break;
    const length = u16(at + 2);
    const body = at + 4;
    const end = at + 2 + length;
    if (length < 2 || end > bytes.length) fail(`segment 0xFF${marker.toString(16)} overruns the stream`);
    if (marker === 0xc3) {
      precision = bytes[body];
      height = u16(body + 1);
      width = u16(body + 3);
      const count = bytes[body + 5];
      if (precision < 2 || precision > 16) fail(`sample precision ${precision}`);
      if (width === 0 || height === 0) fail(`frame size ${width}x${height} (DNL is not supported)`);
      if (count < 1 || count > 4 || body + 6 + 3 * count > end) fail(`${count} components`);
      if (width * height * count > maxPixels) {
        throw new IdmError(
          'IDM_IMAGE_TOO_LARGE',
          `lossless JPEG ${width}x${height} exceeds the limit of ${maxPixels} pixels`,
        );
      }
      frameIds = [];
      for (let c = 0; c < count; c++) {
        if (bytes[body + 6 + 3 * c + 1] !== 0x11) fail('subsampled components are not supported');
        frameIds.push(bytes[body + 6 + 3 * c]);
      }
      planes = frameIds.map(() => new Uint16Array(width * height));
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      fail(`frame type 0xFF${marker.toString(16)} is not lossless (SOF3)`);
    } else if (marker === 0xc4) {
      let p = body;
      while (p < end) {
        const id = bytes[p] & 0x0f;
        const counts = bytes.subarray(p + 1, p + 17);
        if (p + 17 > end) fail('truncated Huffman table');
        let total = 0;
        for (const n of counts) total += n;
        if (p + 17 + total > end || total > 256) fail('Huffman table overruns its segment');
        tables[id] = buildHuffman(counts, bytes.slice(p + 17, p + 17 + total));
        p += 17 + total;
      }
    } else if (marker === 0xdd) {
      restartInterval = u16(body);
    } else if (
      marker === 0xe0 &&
      length >= 16 &&
      String.fromCharCode(...bytes.subarray(body, body + 5)) === 'JFIF\0'
    ) {
      const units = bytes[body + 7];
      const density = u16(body + 8);
      ppi = units === 1 ? density : units === 2 ? density * 2.54 : 0;
    } else if (marker === 0xda) {
      if (!planes.length) fail('scan before the frame header');
      const count = bytes[body];
      const components: Component[] = [];
      for (let c = 0; c < count; c++) {
        const index = frameIds.indexOf(bytes[body + 1 + 2 * c]);
        if (index < 0) fail('scan names an unknown component');
        components.push({ id: index, table: bytes[body + 2 + 2 * c] >> 4 });
      }
      const predictor = bytes[body + 1 + 2 * count];
      const pointTransform = bytes[body + 3 + 2 * count] & 0x0f;
      if (predictor < 1 || predictor > 7) fail(`predictor ${predictor}`);
      at = decodeScan(bytes, end, components, predictor, pointTransform, {
        width,
        height,
        precision,
        planes,
        tables,
        restartInterval,
      });
      continue;
    }
    at = end;
  }
  if (!planes.length) fail('no frame');
  const shift = Math.max(0, precision - 8);
  const pixels = new Uint8Array(width * height);
  if (planes.length >= 3) {
    for (let i = 0; i < pixels.length; i++) {
      pixels[i] = Math.round(
        0.299 * (planes[0][i] >> shift) + 0.587 * (planes[1][i] >> shift) + 0.114 * (planes[2][i] >> shift),
      );
    }
  } else {
    for (let i = 0; i < pixels.length; i++) pixels[i] = planes[0][i] >> shift;
  }
  return { width, height, ppi: ppi >= 150 ? ppi : 500, pixels, precision };
}

interface ScanState {
  width: number;
  height: number;
  precision: number;
  planes: Uint16Array[];
  tables: Array<Huffman | undefined>;
  restartInterval: number;
}

/** Decodes one scan starting at `start`; returns the offset of the marker that ends it. */
function decodeScan(
  bytes: Uint8Array,
  start: number,
  components: Component[],
  predictor: number,
  pointTransform: number,
  state: ScanState,
): number {
  const { width, height, precision, planes, restartInterval } = state;
  const huffman = components.map(
    (c) => state.tables[c.table] ?? fail(`Huffman table ${c.table} is not defined`),
  );
  let at = start;
  let bitBuffer = 0;
  let bitCount = 0;
  let hitMarker = false;
  const bit = (): number => {
    if (bitCount === 0) {
      if (hitMarker || at >= bytes.length) fail('entropy-coded data ends early');
      let byte = bytes[at];
      if (byte === 0xff) {
        const next = bytes[at + 1];
        if (next === 0x00) {
          at += 2;
        } else {
          // A marker: feed zeros (T.81 F.2.2.5) and stop at the marker.
          hitMarker = true;
          byte = 0;
        }
      } else {
        at++;
      }
      bitBuffer = byte;
      bitCount = 8;
    }
    bitCount--;
    return (bitBuffer >> bitCount) & 1;
  };
  const receive = (count: number): number => {
    let v = 0;
    for (let i = 0; i < count; i++) v = (v << 1) | bit();
    return v;
  };
  const decodeCategory = (table: Huffman): number => {
    let code = bit();
    let length = 1;
    while (code > table.maxCode[length]) {
      if (length >= 16) fail('invalid Huffman code');
      code = (code << 1) | bit();
      length++;
    }
    return table.values[table.pointer[length] + code - table.minCode[length]];
  };
  const modulus = 1 << 16;
  const initial = 1 << (precision - pointTransform - 1);
  let sinceRestart = 0;
  let firstOfInterval = true;
  let intervalStartRow = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (restartInterval > 0 && sinceRestart === restartInterval) {
        // Byte-align and skip the RSTn marker; prediction restarts.
        bitCount = 0;
        hitMarker = false;
        while (
          at + 1 < bytes.length &&
          !(bytes[at] === 0xff && bytes[at + 1] >= 0xd0 && bytes[at + 1] <= 0xd7)
        )
          at++;
        if (at + 1 >= bytes.length) fail('missing restart marker');
        at += 2;
        sinceRestart = 0;
        firstOfInterval = true;
        intervalStartRow = y;
      }
      const i = y * width + x;
      for (let c = 0; c < components.length; c++) {
        const plane = planes[components[c].id];
        const category = decodeCategory(huffman[c]);
        if (category > 16) fail(`difference category ${category}`);
        let diff = 0;
        if (category === 16) diff = 32768;
        else if (category > 0) {
          diff = receive(category);
          if (diff < 1 << (category - 1)) diff -= (1 << category) - 1;
        }
        // T.81 H.1.2.1: 2^(P-Pt-1) for the first sample of the scan or restart interval, the left neighbour on
        // the interval's first line, the upper neighbour in the first column, the selected predictor elsewhere.
        let prediction: number;
        if (firstOfInterval) prediction = initial;
        else if (y === intervalStartRow) prediction = plane[i - 1];
        else if (x === 0) prediction = plane[i - width];
        else {
          const a = plane[i - 1];
          const b = plane[i - width];
          const cc = plane[i - width - 1];
          prediction =
            predictor === 1
              ? a
              : predictor === 2
                ? b
                : predictor === 3
                  ? cc
                  : predictor === 4
                    ? a + b - cc
                    : predictor === 5
                      ? a + ((b - cc) >> 1)
                      : predictor === 6
                        ? b + ((a - cc) >> 1)
                        : (a + b) >> 1;
        }
        plane[i] = ((((prediction + diff) % modulus) + modulus) % modulus) << 0;
      }
      firstOfInterval = false;
      sinceRestart++;
    }
  }
  // Point transform: samples were coded shifted right by Pt.
  if (pointTransform > 0)
    for (const c of components)
      for (let i = 0; i < planes[c.id].length; i++) planes[c.id][i] <<= pointTransform;
  // Move to the next marker.
  if (!hitMarker) {
    while (at + 1 < bytes.length && !(bytes[at] === 0xff && bytes[at + 1] !== 0x00 && bytes[at + 1] !== 0xff))
      at++;
  }
  return at;
}
