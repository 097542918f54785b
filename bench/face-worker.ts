/**
 * A benchmark worker thread laid out like the service's pool: its own ONNX Runtime sessions (one
 * intra-op thread) and pipeline; analyses the JPEGs it is sent until the deadline and reports the
 * count of photos and of photos in which a face was found.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { createFacePipeline } from '../engine/face/pipeline.js';
import { loadDefaultModels } from '../models/load.js';

interface Job {
  images: Uint8Array[];
  seconds: number;
}

const models = await loadDefaultModels({ intraOpThreads: 1 });
const pipeline = createFacePipeline(models);
const job = workerData as Job;
// warm-up, as the single-thread run: one pass over the photos (ONNX Runtime's arenas, the JIT)
for (const image of job.images) await pipeline.analyse(image);
parentPort?.postMessage({ ready: true });
parentPort?.once('message', async () => {
  const start = performance.now();
  let images = 0;
  let faces = 0;
  while (performance.now() - start < job.seconds * 1000) {
    const result = await pipeline.analyse(job.images[images % job.images.length]);
    images++;
    if (result.faces.length > 0) faces++;
  }
  parentPort?.postMessage({ images, faces, ms: performance.now() - start });
  await models.release();
});
