/**
 * Every tuning constant of the face pipeline, named and explained (in the manner of SourceAFIS's
 * Parameters): change them here, not inline.
 */
export const faceParameters = {
  /** Decoding: inputs above this many pixels are refused (IDM_IMAGE_TOO_LARGE) before decoding. */
  maxInputPixels: 100_000_000,
  /** Decoded images are shrunk (on load, by libvips) so that the long side is at most this; faces stay large enough. */
  workingLongSide: 2048,
  /**
   * Detection: minimum SSD score and NMS IoU (face-api defaults are 0.5 and 0.5). At 0.3 every annotated
   * face of compreface-samples is found with no false positive (0.5 misses 5 of 37 group faces).
   */
  minDetectionScore: 0.3,
  nmsIou: 0.5,
  /** A face count above this is cut (highest scores first); 50-face group photos fit. */
  maxFaces: 100,
  /**
   * Tight crops (mugshot crops, the `characters` set): an image whose long side is at most this and whose
   * aspect ratio is within `cropAspect` is treated as a face crop. Such crops get a second detection on a
   * padded canvas and, failing that, the whole crop is used as the face (flag `whole-crop`).
   */
  cropMaxLongSide: 400,
  cropAspect: [0.6, 1.67] as [number, number],
  /**
   * Borders tried in turn on each side of a tight crop (fractions of its long side) until a face is found.
   * On the 40 `characters` crops the unpadded detector finds 10 faces, a 0.25 border 33, then 0.5 and 1.0
   * the rest; the unpadded pass stays second so that a small photo taken for a crop loses nothing.
   */
  cropPaddings: [0.25, 0, 0.5, 1.0, 2.0] as number[],
  /** Whole-crop fallback: the crop is taken as this much of the face box (the landmark net's first input is the crop grown by this factor). */
  wholeCropExpand: 1.25,
  /** Whole-crop fallback: landmark passes, each on the box around the previous pass's landmarks. */
  wholeCropLandmarkPasses: 3,
  /** Detection threshold on tight crops (never above minDetectionScore). */
  cropMinDetectionScore: 0.3,
  /**
   * Whole-crop landmark refinement: the 68 points span brows to chin; SSD boxes also take in part of the
   * forehead, so the landmark span is extended upwards by this fraction of its height.
   */
  landmarkBoxForehead: 0.2,
  /**
   * dlib-3point alignment (face-api FaceLandmarks.alignDlib): the chip side is the mean eye-to-mouth
   * distance / 0.45, and the centroid of (left eye, right eye, mouth) sits at (0.5, 0.43) of the chip.
   */
  dlibEyeMouthOverSide: 0.45,
  dlibCentroid: [0.5, 0.43] as [number, number],
  /** InsightFace ArcFace 112x112 template: left eye, right eye, nose tip, left and right mouth corners. */
  arcfaceTemplate112: [
    [38.2946, 51.6963],
    [73.5318, 51.5014],
    [56.0252, 71.7366],
    [41.5493, 92.3655],
    [70.7299, 92.2041],
  ] as Array<[number, number]>,
  /** Quality: inter-ocular distance (px in the original image) mapped linearly from 0 at `minEyeDistance` to 1 at `goodEyeDistance`. */
  minEyeDistance: 12,
  goodEyeDistance: 40,
  /** Mean absolute Laplacian of the aligned grey chip that counts as fully sharp. */
  goodSharpness: 6,
  /** |yaw proxy| (nose offset between the eyes, -1..1) at which the pose score reaches 0. */
  maxYawProxy: 0.6,
  /** Mean brightness (0..1) outside [dark, bright] is penalised. */
  darkBrightness: 0.2,
  brightBrightness: 0.85,
  /** Sub-scores below this raise a flag. */
  flagBelow: 0.35,
  /** A face whose overall quality is below this is flagged `below-quality-floor` and must not be enrolled. */
  qualityFloor: 0.25,
} as const;
