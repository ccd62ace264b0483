/** One inference batch of a task: images [start, start + count). */
export interface PlannedBatch {
  readonly start: number;
  readonly count: number;
}

/** Images in a task's first batch (or fewer when the batch size is smaller). */
export const FIRST_BATCH_IMAGES = 8;

/**
 * A task's batches: the first small, each next twice the last up to `batchSize`. Inference waits
 * only for the first batch's decode (the rest is decoded while the previous batch is inferred),
 * so a full first batch of 128 put every job's start ~0.3 s behind on two cores; doubling keeps
 * each next decode (2n images) shorter than the inference it hides behind (n images) wherever
 * decoding an image costs less than half of inferring it.
 */
export function planBatches(images: number, batchSize: number): PlannedBatch[] {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const plan: PlannedBatch[] = [];
  let size = Math.min(batchSize, FIRST_BATCH_IMAGES);
  for (let start = 0; start < images; start += plan[plan.length - 1].count) {
    plan.push({ start, count: Math.min(size, images - start) });
    size = Math.min(batchSize, size * 2);
  }
  return plan;
}
