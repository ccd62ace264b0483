// A minimal reader for the protobuf wire format (https://protobuf.dev/programming-guides/encoding/).
// Hand-written so the pure library needs no protobuf runtime and no .proto file at run time; it
// reads exactly what ONNX uses: varints, 32/64-bit fixed values and length-delimited fields.
// Sub-messages and bytes are returned as views into the input (no copies), so a 500 MB model's
// weights are never duplicated.

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** Why a read failed; the ONNX decoder turns these into user-facing ProfilerErrors. */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';

  constructor(
    /** `truncated`: a field runs past the end; `malformed`: bytes no protobuf writer produces. */
    readonly kind: 'truncated' | 'malformed',
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export interface FieldTag {
  field: number;
  wire: number;
}

const TWO_POW_32 = 4294967296;

export class ProtoReader {
  private pos: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  readTag(): FieldTag {
    const at = this.pos;
    const tag = this.readVarint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 0 || tag < 0) {
      throw new WireFormatError('malformed', `field number 0 at byte ${at}`, at);
    }
    if (wire !== WIRE_VARINT && wire !== WIRE_I64 && wire !== WIRE_LEN && wire !== WIRE_I32) {
      // Groups (3, 4) are deprecated and never used by ONNX; 6 and 7 do not exist.
      throw new WireFormatError('malformed', `unsupported wire type ${wire} at byte ${at}`, at);
    }
    return { field, wire };
  }

  /**
   * A varint read as a signed 64-bit integer (two's complement, as int64 fields are encoded),
   * returned as a JS number: exact up to 2^53, which covers every dimension and index in a
   * model; larger values (INT64_MAX as a Slice end) come back rounded, which is harmless there.
   */
  readVarint(): number {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) {
        throw new WireFormatError('truncated', 'varint runs past the end', this.pos);
      }
      const b = this.bytes[this.pos++];
      if (i < 4) {
        lo |= (b & 0x7f) << (7 * i);
      } else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else {
        hi |= (b & 0x7f) << (7 * i - 32);
      }
      if ((b & 0x80) === 0) {
        return (hi | 0) * TWO_POW_32 + (lo >>> 0);
      }
    }
    throw new WireFormatError('malformed', 'varint longer than 10 bytes', this.pos);
  }

  readFixed32Float(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  readFixed64Double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A length-delimited field's payload, as a view into the input. */
  readBytes(): Uint8Array {
    const len = this.readVarint();
    if (len < 0) {
      throw new WireFormatError('malformed', `negative length at byte ${this.pos}`, this.pos);
    }
    this.need(len);
    const out = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  readString(): string {
    return utf8.decode(this.readBytes());
  }

  /**
   * True when a known field arrived with the wire type its schema gives; otherwise skips the
   * value (a writer we do not understand), so callers read a field in one guarded line.
   */
  accepts(wire: number, expected: number): boolean {
    if (wire === expected) return true;
    this.skip(wire);
    return false;
  }

  /** Skips the value of a field whose number the caller does not use. */
  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.readVarint();
        return;
      case WIRE_I64:
        this.need(8);
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.readBytes();
        return;
      case WIRE_I32:
        this.need(4);
        this.pos += 4;
        return;
      default:
        throw new WireFormatError('malformed', `unsupported wire type ${wire}`, this.pos);
    }
  }

  private need(n: number): void {
    if (this.pos + n > this.end) {
      throw new WireFormatError(
        'truncated',
        `field needs ${n} bytes at byte ${this.pos}, only ${this.end - this.pos} left`,
        this.pos,
      );
    }
  }
}

const utf8 = new TextDecoder('utf-8');

/** Reads a repeated varint field that may be packed (proto3 default) or one value per tag. */
export function readRepeatedVarint(reader: ProtoReader, wire: number, into: number[]): void {
  if (wire === WIRE_LEN) {
    const bytes = reader.readBytes();
    const inner = new ProtoReader(bytes);
    while (!inner.done) into.push(inner.readVarint());
  } else if (wire === WIRE_VARINT) {
    into.push(reader.readVarint());
  } else {
    reader.skip(wire);
  }
}

/** Reads a repeated float (fixed32) field, packed or not. */
export function readRepeatedFloat(reader: ProtoReader, wire: number, into: number[]): void {
  if (wire === WIRE_LEN) {
    const bytes = reader.readBytes();
    if (bytes.length % 4 !== 0) {
      throw new WireFormatError('malformed', 'packed float field is not a multiple of 4', 0);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < bytes.length; i += 4) into.push(view.getFloat32(i, true));
  } else if (wire === WIRE_I32) {
    into.push(reader.readFixed32Float());
  } else {
    reader.skip(wire);
  }
}

/** Reads a repeated double (fixed64) field, packed or not. */
export function readRepeatedDouble(reader: ProtoReader, wire: number, into: number[]): void {
  if (wire === WIRE_LEN) {
    const bytes = reader.readBytes();
    if (bytes.length % 8 !== 0) {
      throw new WireFormatError('malformed', 'packed double field is not a multiple of 8', 0);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < bytes.length; i += 8) into.push(view.getFloat64(i, true));
  } else if (wire === WIRE_I64) {
    into.push(reader.readFixed64Double());
  } else {
    reader.skip(wire);
  }
}
