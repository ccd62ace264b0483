import { FIRST_BATCH_IMAGES, planBatches } from './batch-plan';

const counts = (images: number, batch: number) => planBatches(images, batch).map((b) => b.count);

describe('planBatches', () => {
  it('ramps up from a small first batch to the batch size, then keeps it', () => {
    expect(FIRST_BATCH_IMAGES).toBe(8);
    expect(counts(1000, 128)).toEqual([8, 16, 32, 64, 128, 128, 128, 128, 128, 128, 112]);
  });

  it('covers every image exactly once, in order', () => {
    for (const [images, batch] of [
      [1, 1],
      [2500, 1],
      [256, 32],
      [7, 64],
      [300, 5],
      [1000, 4096],
    ]) {
      const plan = planBatches(images, batch);
      let next = 0;
      for (const { start, count } of plan) {
        expect(start).toBe(next);
        expect(count).toBeGreaterThan(0);
        expect(count).toBeLessThanOrEqual(batch);
        next += count;
      }
      expect(next).toBe(images);
    }
  });

  it('uses the batch size from the start when it is small', () => {
    expect(counts(10, 4)).toEqual([4, 4, 2]);
    expect(counts(3, 1)).toEqual([1, 1, 1]);
  });

  it('plans nothing for no images and refuses a batch size that is not positive', () => {
    expect(planBatches(0, 64)).toEqual([]);
    expect(() => planBatches(10, 0)).toThrow(RangeError);
  });
});
