import { costOf, floats } from './testing/rule-harness';

describe('cost rules', () => {
  it('counts a depthwise Conv (group = C) as one kernel per channel', () => {
    const { shape, cost } = costOf('Conv', [floats(1, 8, 10, 10), floats(8, 1, 3, 3), floats(8)], {
      group: 8,
      pads: [1, 1, 1, 1],
    });
    expect(shape).toEqual([1, 8, 10, 10]);
    // 800 outputs x (1 input channel x 3 x 3); bias adds one FLOP per output.
    expect(cost).toEqual({ macs: 7200, flops: 2 * 7200 + 800 });
  });

  it('counts a grouped ConvTranspose with output_shape from the input side', () => {
    // Weight [C_in, C_out / group, k, k]: 4 inputs channels, 2 groups, 3 outputs per group.
    const { shape, cost } = costOf('ConvTranspose', [floats(1, 4, 5, 5), floats(4, 3, 3, 3)], {
      group: 2,
      strides: [2, 2],
      output_shape: [10, 10],
    });
    expect(shape).toEqual([1, 6, 10, 10]);
    // Each of 100 input elements scatters into 3 channels x 9 taps.
    expect(cost).toEqual({ macs: 2700, flops: 5400 });
  });

  it('reads Gemm transA as the shape rule does: any non-zero value transposes', () => {
    for (const transA of [1, 2]) {
      const { shape, cost } = costOf('Gemm', [floats(8, 2), floats(8, 5)], { transA });
      expect(shape).toEqual([2, 5]);
      expect(cost.macs).toBe(2 * 5 * 8);
    }
  });

  it('counts MatMul with 1-D operands as a vector product', () => {
    expect(costOf('MatMul', [floats(5), floats(5, 3)])).toEqual({
      shape: [3],
      cost: { macs: 15, flops: 30 },
    });
    expect(costOf('MatMul', [floats(4, 5), floats(5)]).cost.macs).toBe(20);
    expect(costOf('MatMul', [floats(5), floats(5)])).toEqual({
      shape: [],
      cost: { macs: 5, flops: 10 },
    });
  });

  it('counts Einsum with an ellipsis over the broadcast batch', () => {
    const { shape, cost } = costOf('Einsum', [floats(2, 3, 4), floats(4, 5)], {
      equation: '...ij,...jk->...ik',
    });
    expect(shape).toEqual([2, 3, 5]);
    expect(cost.macs).toBe(2 * 3 * 4 * 5);
  });

  it('counts a three-operand Einsum as a left-to-right chain of pairwise contractions', () => {
    // (ij,jk) over i,j,k = 24 keeps ik (k is still needed); (ik,kl) over i,k,l = 40.
    // A single loop over every index would be 2 x 120 = 240.
    const { shape, cost } = costOf('Einsum', [floats(2, 3), floats(3, 4), floats(4, 5)], {
      equation: 'ij,jk,kl->il',
    });
    expect(shape).toEqual([2, 5]);
    expect(cost.macs).toBe(24 + 40);
  });
});
