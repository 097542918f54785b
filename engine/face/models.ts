/**
 * What the face pipeline needs from its models: open ONNX Runtime sessions and how to feed them. The
 * sessions are created by models/load.ts (which reads files); the engine only runs them.
 */
import type { InferenceSession } from 'onnxruntime-node';

/**
 * How an image becomes a model input: pixels (0..255) of the given colour order, resized to
 * width x height, then `(pixel - mean) / std` per channel, laid out NHWC or NCHW.
 */
export interface InputSpec {
  name: string;
  width: number;
  height: number;
  layout: 'NHWC' | 'NCHW';
  colour: 'RGB' | 'BGR';
  mean: [number, number, number];
  std: [number, number, number];
}

/**
 * `dlib-3point`: face-api's dlib-style chip (eye centres and mouth centre; 150x150 for the default
 * recogniser). `arcface-5point`: the InsightFace 112x112 five-point template (eyes, nose tip, mouth corners).
 */
export type AlignmentKind = 'dlib-3point' | 'arcface-5point';

export interface LoadedModel {
  name: string;
  session: InferenceSession;
  input: InputSpec;
  sha256: string;
}

export interface LoadedRecogniser extends LoadedModel {
  alignment: AlignmentKind;
  embeddingSize: number;
}

export interface LoadedModels {
  detector: LoadedModel;
  landmarker: LoadedModel;
  recogniser: LoadedRecogniser;
  release(): Promise<void>;
}
