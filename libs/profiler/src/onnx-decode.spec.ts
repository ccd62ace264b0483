import fc from 'fast-check';
import { ProfilerError } from './errors';
import { decodeModel } from './onnx-decode';
import { buildModel, int64, INT64, weight } from './testing/onnx-builder';
import { ProtoWriter } from './testing/protobuf-writer';
import { tensorValues } from './tensor-values';

const model = () =>
  buildModel({
    opset: 13,
    inputs: [{ name: 'x', shape: ['batch', 3, 8, 8] }],
    outputs: [{ name: 'y', shape: ['batch', 10] }],
    initializers: [
      weight('w', [10, 192]),
      int64('shape', [1, -1]),
      int64('typed', [5, -7], 'typed'),
    ],
    nodes: [
      { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['flat'] },
      {
        op: 'Gemm',
        inputs: ['flat', 'w'],
        outputs: ['y'],
        attrs: { transB: 1, alpha: { f: 0.5 } },
      },
    ],
  });

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProfilerError) return error.code;
    throw error;
  }
  return 'no error';
}

describe('decodeModel', () => {
  it('decodes the model, graph, nodes, attributes, initializers and value infos', () => {
    const m = decodeModel(model());
    expect(m.irVersion).toBe(8);
    expect(m.producerName).toBe('tinysaver-tests');
    expect(m.opsetImport).toEqual([{ domain: '', version: 13 }]);
    expect(m.graph.inputs).toEqual([
      { name: 'x', tensorType: { elemType: 1, shape: ['batch', 3, 8, 8] } },
    ]);
    expect(m.graph.nodes.map((n) => [n.opType, n.inputs, n.outputs])).toEqual([
      ['Reshape', ['x', 'shape'], ['flat']],
      ['Gemm', ['flat', 'w'], ['y']],
    ]);
    const attrs = m.graph.nodes[1].attributes;
    expect(attrs.find((a) => a.name === 'transB')?.i).toBe(1);
    expect(attrs.find((a) => a.name === 'alpha')?.f).toBe(0.5);
    const [w, shape, typed] = m.graph.initializers;
    expect(w.dims).toEqual([10, 192]);
    expect(w.rawData).toHaveLength(10 * 192 * 4);
    expect(shape.dataType).toBe(INT64);
    expect(tensorValues(shape)).toEqual([1, -1]);
    expect(tensorValues(typed)).toEqual([5, -7]);
  });

  it('marks external tensors and refuses to read their values', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 3, 4, 4] }],
      outputs: [{ name: 'y' }],
      initializers: [{ name: 'big', dims: [4], dataType: INT64, external: 'weights.bin' }],
      nodes: [],
    });
    const t = decodeModel(bytes).graph.initializers[0];
    expect(t.external).toBe(true);
    expect(t.externalLocation).toBe('weights.bin');
    expect(codeOf(() => tensorValues(t))).toBe('EXTERNAL_DATA');
  });

  it('says NOT_ONNX for empty files, text, ZIP archives and protobufs that are not models', () => {
    expect(codeOf(() => decodeModel(new Uint8Array()))).toBe('NOT_ONNX');
    expect(codeOf(() => decodeModel(new TextEncoder().encode('hello, world')))).toBe('NOT_ONNX');
    expect(codeOf(() => decodeModel(Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0])))).toBe('NOT_ONNX');
    // A valid protobuf with ModelProto-compatible fields but no graph.
    expect(codeOf(() => decodeModel(new ProtoWriter().int(1, 8).string(2, 'x').finish()))).toBe(
      'NOT_ONNX',
    );
    expect(() => decodeModel(new TextEncoder().encode('hello'))).toThrow(
      /not an ONNX model.*torch\.onnx\.export/,
    );
  });

  it('accepts top-level fields newer than its table, such as configuration (26, onnx 1.18)', () => {
    const extra = new ProtoWriter()
      .message(26, (c) => c.string(1, 'device'))
      .int(99, 1)
      .finish();
    const m = decodeModel(Uint8Array.from([...model(), ...extra]));
    expect(m.graph.nodes).toHaveLength(2);
  });

  it('says NOT_ONNX when a known field has the wrong wire type', () => {
    // graph (7) written as a varint instead of a message.
    const bytes = new ProtoWriter().int(1, 8).int(7, 3).finish();
    expect(codeOf(() => decodeModel(bytes))).toBe('NOT_ONNX');
  });

  it('says TRUNCATED for a model cut inside its graph', () => {
    const bytes = model();
    for (const cut of [bytes.length - 1, Math.floor(bytes.length / 2), 20]) {
      expect(codeOf(() => decodeModel(bytes.subarray(0, cut)))).toBe('TRUNCATED');
    }
    expect(() => decodeModel(bytes.subarray(0, 30))).toThrow(/cut short.*again/);
  });

  it('never fails on random bytes with anything but a ProfilerError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(['NOT_ONNX', 'TRUNCATED', 'no error']).toContain(codeOf(() => decodeModel(bytes)));
      }),
    );
  });

  it('reports flipped bytes inside the graph as a ProfilerError, not a crash', () => {
    const bytes = model();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: bytes.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        (at, value) => {
          const copy = Uint8Array.from(bytes);
          copy[at] = value;
          expect(['NOT_ONNX', 'TRUNCATED', 'no error']).toContain(codeOf(() => decodeModel(copy)));
        },
      ),
    );
  });
});
