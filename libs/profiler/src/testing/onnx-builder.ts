// Test-only ONNX model builder on top of ProtoWriter. Field numbers as in onnx.proto.
import { ProtoWriter } from './protobuf-writer';

export const FLOAT = 1;
export const INT32 = 6;
export const INT64 = 7;
export const BOOL = 9;

export interface TensorSpec {
  name?: string;
  dims: number[];
  dataType?: number;
  /** Values; int64 go to raw_data (as torch writes them) unless `field` says otherwise. */
  values?: number[];
  field?: 'raw' | 'typed';
  /** Mark as stored in an external file (data_location = EXTERNAL). */
  external?: string;
  /** Bytes written verbatim as raw_data, for data types the builder does not encode. */
  raw?: Uint8Array;
}

export type AttrSpec =
  number | number[] | string | { f: number } | { floats: number[] } | { tensor: TensorSpec };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrSpec>;
  name?: string;
  domain?: string;
}

export interface ValueSpec {
  name: string;
  elemType?: number;
  /** Omit for no shape; strings are symbolic dims, null an unknown dim. */
  shape?: (number | string | null)[];
}

export interface ModelSpec {
  irVersion?: number;
  opset?: number;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers?: TensorSpec[];
  nodes: NodeSpec[];
  /** opset_import entries; default one default-domain entry at `opset`. */
  opsetImports?: { domain: string; version: number }[];
}

export function writeTensor(w: ProtoWriter, t: TensorSpec): void {
  const dataType = t.dataType ?? FLOAT;
  w.packedVarints(1, t.dims);
  w.int(2, dataType);
  if (t.name) w.string(8, t.name);
  if (t.external) {
    w.message(13, (e) => e.string(1, 'location').string(2, t.external ?? ''));
    w.int(14, 1);
    return;
  }
  if (t.raw) {
    w.bytes(9, t.raw);
    return;
  }
  const values = t.values ?? new Array<number>(t.dims.reduce((a, b) => a * b, 1)).fill(0);
  if (dataType === FLOAT) {
    if (t.field === 'typed') w.packedFloats(4, values);
    else {
      const b = new Uint8Array(values.length * 4);
      values.forEach((v, i) => new DataView(b.buffer).setFloat32(i * 4, v, true));
      w.bytes(9, b);
    }
  } else if (dataType === INT64) {
    if (t.field === 'typed') w.packedVarints(7, values);
    else {
      const b = new Uint8Array(values.length * 8);
      values.forEach((v, i) => new DataView(b.buffer).setBigInt64(i * 8, BigInt(v), true));
      w.bytes(9, b);
    }
  } else {
    w.packedVarints(5, values);
  }
}

function writeAttr(w: ProtoWriter, name: string, a: AttrSpec): void {
  w.string(1, name);
  if (typeof a === 'number') w.int(3, a).int(20, 2);
  else if (typeof a === 'string') w.string(4, a).int(20, 3);
  else if (Array.isArray(a)) w.packedVarints(8, a).int(20, 7);
  else if ('f' in a) w.float(2, a.f).int(20, 1);
  else if ('floats' in a) w.packedFloats(7, a.floats).int(20, 6);
  else w.message(5, (t) => writeTensor(t, a.tensor)).int(20, 4);
}

function writeValue(w: ProtoWriter, v: ValueSpec): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tt) => {
      tt.int(1, v.elemType ?? FLOAT);
      if (v.shape) {
        const shape = v.shape;
        tt.message(2, (s) => {
          for (const d of shape) {
            s.message(1, (dim) => {
              if (typeof d === 'number') dim.int(1, d);
              else if (typeof d === 'string') dim.string(2, d);
            });
          }
        });
      }
    }),
  );
}

export function buildModel(spec: ModelSpec): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, spec.irVersion ?? 8);
  w.string(2, 'tinysaver-tests');
  w.message(7, (g) => {
    spec.nodes.forEach((n, i) =>
      g.message(1, (nw) => {
        n.inputs.forEach((x) => nw.string(1, x));
        n.outputs.forEach((x) => nw.string(2, x));
        nw.string(3, n.name ?? `${n.op}_${i}`);
        nw.string(4, n.op);
        for (const [k, v] of Object.entries(n.attrs ?? {}))
          nw.message(5, (aw) => writeAttr(aw, k, v));
        if (n.domain) nw.string(7, n.domain);
      }),
    );
    g.string(2, 'test-graph');
    for (const t of spec.initializers ?? []) g.message(5, (tw) => writeTensor(tw, t));
    for (const v of spec.inputs) g.message(11, (vw) => writeValue(vw, v));
    for (const v of spec.outputs) g.message(12, (vw) => writeValue(vw, v));
  });
  for (const o of spec.opsetImports ?? [{ domain: '', version: spec.opset ?? 17 }]) {
    w.message(8, (ow) => ow.string(1, o.domain).int(2, o.version));
  }
  return w.finish();
}

/** A float initializer of the given dims (zeros: values never matter for counting). */
export function weight(name: string, dims: number[]): TensorSpec {
  return { name, dims };
}

/** An int64 1-D initializer, as torch writes shape constants. */
export function int64(name: string, values: number[], field: 'raw' | 'typed' = 'raw'): TensorSpec {
  return { name, dims: [values.length], dataType: INT64, values, field };
}
