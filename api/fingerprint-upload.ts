import { IdmError } from '../engine/errors.js';
import { parseTransaction } from '../engine/fingerprint/formats/ansi-nist.js';
import { parseMinutiaeRecord } from '../engine/fingerprint/formats/minutiae-record.js';
import { detectImageFormat } from '../engine/fingerprint/image.js';

/**
 * Checks fingerprint bytes before anything is stored, cheaply: minutiae records and ANSI/NIST
 * transactions are parsed (their images are not decoded here), images are recognised by their magic
 * bytes. Returns the media type to store.
 */
export function checkFingerprintUpload(bytes: Uint8Array): string {
  if (bytes.length >= 4 && bytes[0] === 0x46 && bytes[1] === 0x4d && bytes[2] === 0x52 && bytes[3] === 0) {
    parseMinutiaeRecord(bytes);
    return 'application/x-minutiae-record';
  }
  if (bytes.length > 6 && String.fromCharCode(...bytes.subarray(0, 6)) === '1.001:') {
    parseTransaction(bytes);
    return 'application/x-ansi-nist-itl';
  }
  const format = detectImageFormat(bytes);
  if (!format) {
    throw new IdmError(
      'IDM_BAD_IMAGE',
      'not a fingerprint image (PNG, JPEG, TIFF, BMP, WSQ), an ISO/ANSI minutiae record or an ANSI/NIST transaction',
    );
  }
  return format === 'wsq' ? 'image/x-wsq' : `image/${format}`;
}
