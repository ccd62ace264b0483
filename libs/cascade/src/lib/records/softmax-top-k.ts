import { CascadeError, CascadeErrorCode } from '../errors';

/**
 * Turns a batch of logits (`[n, classes]`, row-major) into top-k classes and float32 softmax
 * probabilities, best first, written at sample `offset` of the output arrays (stride k).
 * Softmax is computed in float64 with the row maximum subtracted and stored as float32, so it
 * matches PyTorch's float32 softmax to within a few ulps and never overflows. Equal
 * probabilities keep the lower class index first. A non-finite logit is an error (a broken
 * model), named by its sample.
 */
export function softmaxTopK(
  logits: Float32Array,
  n: number,
  classes: number,
  k: number,
  out: {
    readonly topClasses: Int32Array;
    readonly topProbs: Float32Array;
    readonly offset: number;
  },
  keyOf: (i: number) => string = (i) => `#${i}`,
): void {
  if (logits.length !== n * classes)
    throw new CascadeError(
      CascadeErrorCode.LogitsInvalid,
      `Logits hold ${logits.length} values, not ${n} samples × ${classes} classes.`,
    );
  const exps = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    const row = i * classes;
    let max = -Infinity;
    for (let j = 0; j < classes; j++) {
      const z = logits[row + j];
      if (!Number.isFinite(z))
        throw new CascadeError(
          CascadeErrorCode.LogitsInvalid,
          `The model produced a non-finite logit (${z}) for sample '${keyOf(i)}', class ${j}; check the model and its preprocessing.`,
        );
      if (z > max) max = z;
    }
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += exps[j] = Math.exp(logits[row + j] - max);
    // Partial selection sort over k (k is small, ≤ 5 in practice; classes up to ~22k). Order
    // by the logits themselves: exp() can map distinct logits to equal probabilities, and the
    // top-1 class must be the logits' argmax, as PyTorch reports it.
    for (let t = 0; t < k; t++) {
      let arg = -1;
      for (let j = 0; j < classes; j++) {
        if (exps[j] < 0) continue;
        if (arg < 0 || logits[row + j] > logits[row + arg]) arg = j;
      }
      const at = (out.offset + i) * k + t;
      out.topClasses[at] = arg;
      out.topProbs[at] = exps[arg] / sum;
      exps[arg] = -1;
    }
  }
}
