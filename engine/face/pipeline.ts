/**
 * The face pipeline, bytes in, plain data out: decode -> detect -> 68 landmarks -> similarity alignment
 * -> quality -> embedding (L2-normalised). One pipeline per worker thread, over that thread's sessions.
 *
 * Tight crops (mugshot crops, the `characters` set) often defeat the SSD detector because the face
 * fills the frame. Such images get a second detection on a padded canvas and, if that also fails, the
 * whole crop is taken as the face and flagged `whole-crop`. Other images with no face return no faces.
 */
import { type DecodedImage, type DecodeOptions, decodeImage } from './decode.js';
import { type Box, type Detection, detectFaces } from './detect.js';
import { embedChips } from './embed.js';
import { alignmentTransform } from './align.js';
import { detectLandmarks } from './landmarks.js';
import type { LoadedModels } from './models.js';
import { faceParameters as P } from './parameters.js';
import { type FaceQuality, assessQuality } from './quality.js';
import type { RgbImage } from './decode.js';
import { warpRgb } from './warp.js';

export interface AnalysedFace {
  /** In original-image pixels (after EXIF orientation). */
  box: { x: number; y: number; width: number; height: number };
  /** Detector confidence; 0 for a `whole-crop` face. */
  score: number;
  /** 68 points [x, y] in original-image pixels, iBUG 300-W order. */
  landmarks: number[][];
  quality: FaceQuality;
  /** L2-normalised embedding. */
  embedding: Float32Array;
}

export interface FaceAnalysis {
  width: number;
  height: number;
  faces: AnalysedFace[];
}

export interface PipelineOptions extends DecodeOptions {
  minDetectionScore?: number;
  /** `auto`: small, roughly square images count as tight crops; `always`/`never` force it. */
  cropMode?: 'auto' | 'always' | 'never';
}

export interface AnalyseOptions {
  maxFaces?: number;
}

export interface FacePipeline {
  analyse(imageBytes: Uint8Array, options?: AnalyseOptions): Promise<FaceAnalysis>;
  /** The same on an already decoded image (benchmarks, tests). */
  analyseDecoded(image: DecodedImage, options?: AnalyseOptions): Promise<FaceAnalysis>;
  /**
   * The aligned recogniser inputs (RGB chips) for faces given by their landmarks in original-image pixels,
   * as analyse() builds them: for inspection, drawing and tests (analyse() does not keep them).
   */
  alignedChips(image: DecodedImage, landmarks: number[][][]): RgbImage[];
}

/** A detector-like box around 68 landmarks: their bounding box, widened upwards to take in the forehead. */
function landmarkBox(points: Array<{ x: number; y: number }>): Box {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const y0 = Math.min(...ys);
  const y1 = Math.max(...ys);
  const h = y1 - y0;
  return {
    x: x0,
    y: y0 - h * P.landmarkBoxForehead,
    width: x1 - x0,
    height: h * (1 + P.landmarkBoxForehead),
  };
}

function isTightCrop(img: RgbImage, mode: PipelineOptions['cropMode']): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  const long = Math.max(img.width, img.height);
  const aspect = img.width / img.height;
  return long <= P.cropMaxLongSide && aspect >= P.cropAspect[0] && aspect <= P.cropAspect[1];
}

export function createFacePipeline(models: LoadedModels, options: PipelineOptions = {}): FacePipeline {
  const minScore = options.minDetectionScore ?? P.minDetectionScore;

  const chipsFor = (img: RgbImage, landmarks: Array<Array<{ x: number; y: number }>>): RgbImage[] => {
    const spec = models.recogniser.input;
    return landmarks.map((l) =>
      warpRgb(img, alignmentTransform(models.recogniser.alignment, l, spec), spec.width, spec.height),
    );
  };

  async function analyseDecoded(
    image: DecodedImage,
    analyseOptions: AnalyseOptions = {},
  ): Promise<FaceAnalysis> {
    const maxFaces = Math.max(1, Math.min(analyseOptions.maxFaces ?? P.maxFaces, 1000));
    const img = image.working;
    const crop = isTightCrop(img, options.cropMode);
    // Tight crops: the detector is tried on padded canvases first (the face then looks like a face in a
    // photo), then unpadded, then with wider borders; other images get one unpadded pass.
    const paddings = crop ? P.cropPaddings : [0];
    let detections: Detection[] = [];
    const extraFlags: string[] = [];
    for (const padding of paddings) {
      detections = await detectFaces(models.detector, img, {
        minScore: crop ? Math.min(minScore, P.cropMinDetectionScore) : minScore,
        iou: P.nmsIou,
        maxFaces,
        padding,
      });
      if (detections.length > 0) {
        if (padding > 0) extraFlags.push('padded-detection');
        break;
      }
    }
    if (detections.length === 0 && crop) {
      // A tight crop is tighter than the detector boxes the landmark net was trained on: widen it.
      const grow = P.wholeCropExpand;
      const box = {
        x: (img.width * (1 - grow)) / 2,
        y: (img.height * (1 - grow)) / 2,
        width: img.width * grow,
        height: img.height * grow,
      };
      detections = [{ box, score: 0 }];
      extraFlags.push('whole-crop');
    }
    if (detections.length === 0) return { width: image.width, height: image.height, faces: [] };

    let landmarks = await detectLandmarks(
      models.landmarker,
      img,
      detections.map((d) => d.box),
    );
    if (extraFlags.includes('whole-crop')) {
      // No detector box: re-run the landmark net on the box the landmarks themselves span, so that its
      // input is framed the way it was trained (a detector-like box), a few times.
      for (let pass = 1; pass < P.wholeCropLandmarkPasses; pass++) {
        const boxes = landmarks.map(landmarkBox);
        landmarks = await detectLandmarks(models.landmarker, img, boxes);
        detections = detections.map((d, i) => ({ ...d, box: boxes[i] }));
      }
    }
    const chips = chipsFor(img, landmarks);
    const embeddings = await embedChips(models.recogniser, chips);
    const k = image.scale;
    const toOriginal = (b: Box) => ({ x: b.x * k, y: b.y * k, width: b.width * k, height: b.height * k });
    const faces = detections.map((d, i) => {
      const quality = assessQuality(landmarks[i], chips[i], k);
      quality.flags.push(...extraFlags);
      return {
        box: toOriginal(d.box),
        score: d.score,
        landmarks: landmarks[i].map((p) => [p.x * k, p.y * k]),
        quality,
        embedding: embeddings[i],
      };
    });
    return { width: image.width, height: image.height, faces };
  }

  return {
    analyseDecoded,
    async analyse(imageBytes, analyseOptions) {
      return analyseDecoded(await decodeImage(imageBytes, options), analyseOptions);
    },
    alignedChips(image, landmarks) {
      const k = image.scale;
      return chipsFor(
        image.working,
        landmarks.map((l) => l.map(([x, y]) => ({ x: x / k, y: y / k }))),
      );
    },
  };
}

/**
 * Whether a face may be enrolled: never below the quality floor; a `whole-crop` fallback face (no detection
 * in a tight crop) is accepted unless `acceptWholeCrop: false`, as tight crops must still be embedded.
 */
export function isEnrolable(face: AnalysedFace, options: { acceptWholeCrop?: boolean } = {}): boolean {
  if (face.quality.flags.includes('below-quality-floor')) return false;
  return options.acceptWholeCrop !== false || !face.quality.flags.includes('whole-crop');
}

/** The largest enrolable face of a photo (the subject of a portrait or a mugshot), or null. */
export function largestEnrolableFace(faces: readonly AnalysedFace[]): AnalysedFace | null {
  let largest: AnalysedFace | null = null;
  for (const face of faces) {
    if (!isEnrolable(face)) continue;
    if (!largest || face.box.width * face.box.height > largest.box.width * largest.box.height) largest = face;
  }
  return largest;
}
