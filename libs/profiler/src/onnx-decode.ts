// Decodes the ONNX protobuf messages the profiler needs. Field numbers were checked against
// onnx.proto (onnx 1.12, Debian python3-onnx; 1.18 adds only fields skipped here); fields not
// listed here are skipped unread.
import { ProfilerError } from './errors';
import type {
  DeclaredDim,
  OnnxAttribute,
  OnnxGraph,
  OnnxModel,
  OnnxNode,
  OnnxOpset,
  OnnxTensor,
  OnnxValueInfo,
} from './onnx-model';
import { emptyAttribute } from './onnx-model';
import {
  ProtoReader,
  WIRE_I32,
  WIRE_LEN,
  WIRE_VARINT,
  WireFormatError,
  readRepeatedDouble,
  readRepeatedFloat,
  readRepeatedVarint,
} from './protobuf-reader';

/**
 * ModelProto fields and their wire types: a known field with another wire type means the bytes
 * are not a ModelProto. Fields not listed (configuration = 26 since onnx 1.18, and whatever
 * later versions add) are accepted with any valid wire type, as protobuf readers do.
 */
const MODEL_FIELDS: ReadonlyMap<number, number> = new Map([
  [1, WIRE_VARINT], // ir_version
  [2, WIRE_LEN], // producer_name
  [3, WIRE_LEN], // producer_version
  [4, WIRE_LEN], // domain
  [5, WIRE_VARINT], // model_version
  [6, WIRE_LEN], // doc_string
  [7, WIRE_LEN], // graph
  [8, WIRE_LEN], // opset_import
  [14, WIRE_LEN], // metadata_props
  [20, WIRE_LEN], // training_info
  [25, WIRE_LEN], // functions
]);

/**
 * Decodes a serialized ModelProto. Throws ProfilerError NOT_ONNX for bytes that are not a
 * ModelProto and TRUNCATED for one cut short.
 */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  if (bytes.length === 0) {
    throw new ProfilerError(
      'NOT_ONNX',
      'The file is empty: export the model again with torch.onnx.export or tf2onnx.',
    );
  }
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    throw new ProfilerError(
      'NOT_ONNX',
      'The file is a ZIP archive (a PyTorch checkpoint?), not ONNX: export it with torch.onnx.export first.',
    );
  }
  checkTopLevel(bytes);
  try {
    return readModel(new ProtoReader(bytes));
  } catch (error) {
    if (error instanceof WireFormatError) {
      // The top level was sound, so a broken inner message means a damaged file, not another format.
      throw new ProfilerError(
        error.kind === 'truncated' ? 'TRUNCATED' : 'NOT_ONNX',
        error.kind === 'truncated'
          ? `The ONNX file is cut short (${error.message}): copy or download it again.`
          : `The ONNX file is corrupt (${error.message} inside the graph): export it again.`,
      );
    }
    throw error;
  }
}

/**
 * Walks the top-level fields first: other formats (text, images, archives, random bytes) fail
 * here on a field number or wire type ModelProto does not have, which tells "not ONNX" apart
 * from "an ONNX file cut short" (sound fields, then one that runs past the end).
 */
function checkTopLevel(bytes: Uint8Array): void {
  const reader = new ProtoReader(bytes);
  let knownFields = 0;
  let sawGraph = false;
  let sawIrVersion = false;
  while (!reader.done) {
    let field: number;
    try {
      const tag = reader.readTag();
      field = tag.field;
      const expected = MODEL_FIELDS.get(tag.field);
      if (expected !== undefined && expected !== tag.wire) {
        throw new WireFormatError('malformed', `field ${tag.field}/${tag.wire}`, reader.offset);
      }
      reader.skip(tag.wire);
    } catch (error) {
      if (!(error instanceof WireFormatError)) throw error;
      // Only a sound known field makes a cut-short ModelProto likelier than random bytes.
      if (error.kind === 'truncated' && knownFields > 0) {
        throw new ProfilerError(
          'TRUNCATED',
          `The ONNX file is cut short at byte ${bytes.length} (${error.message}): copy or download it again.`,
        );
      }
      throw new ProfilerError(
        'NOT_ONNX',
        'The file is not an ONNX model (its bytes are not a protobuf ModelProto): pass a .onnx file exported with torch.onnx.export or tf2onnx.',
      );
    }
    if (MODEL_FIELDS.has(field)) knownFields++;
    if (field === 7) sawGraph = true;
    if (field === 1) sawIrVersion = true;
  }
  if (!sawGraph || !sawIrVersion) {
    throw new ProfilerError(
      'NOT_ONNX',
      `The file is a protobuf message but not an ONNX model (${sawGraph ? 'no ir_version' : 'no graph'}): pass a .onnx file exported with torch.onnx.export or tf2onnx.`,
    );
  }
}

function readModel(reader: ProtoReader): OnnxModel {
  const model: OnnxModel = {
    irVersion: 0,
    producerName: '',
    producerVersion: '',
    opsetImport: [],
    graph: emptyGraph(),
  };
  while (!reader.done) {
    const { field, wire } = reader.readTag();
    if (field === 1 && wire === WIRE_VARINT) model.irVersion = reader.readVarint();
    else if (field === 2 && wire === WIRE_LEN) model.producerName = reader.readString();
    else if (field === 3 && wire === WIRE_LEN) model.producerVersion = reader.readString();
    else if (field === 7 && wire === WIRE_LEN) model.graph = readGraph(sub(reader));
    else if (field === 8 && wire === WIRE_LEN) model.opsetImport.push(readOpset(sub(reader)));
    else reader.skip(wire);
  }
  return model;
}

function sub(reader: ProtoReader): ProtoReader {
  return new ProtoReader(reader.readBytes());
}

function readOpset(reader: ProtoReader): OnnxOpset {
  const opset: OnnxOpset = { domain: '', version: 0 };
  while (!reader.done) {
    const { field, wire } = reader.readTag();
    if (field === 1 && wire === WIRE_LEN) opset.domain = reader.readString();
    else if (field === 2 && wire === WIRE_VARINT) opset.version = reader.readVarint();
    else reader.skip(wire);
  }
  return opset;
}

function emptyGraph(): OnnxGraph {
  return { name: '', nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [] };
}

export function readGraph(reader: ProtoReader): OnnxGraph {
  const graph = emptyGraph();
  while (!reader.done) {
    const { field, wire } = reader.readTag();
    if (wire !== WIRE_LEN) {
      reader.skip(wire);
      continue;
    }
    switch (field) {
      case 1:
        graph.nodes.push(readNode(sub(reader)));
        break;
      case 2:
        graph.name = reader.readString();
        break;
      case 5:
        graph.initializers.push(readTensor(sub(reader)));
        break;
      case 11:
        graph.inputs.push(readValueInfo(sub(reader)));
        break;
      case 12:
        graph.outputs.push(readValueInfo(sub(reader)));
        break;
      case 13:
        graph.valueInfo.push(readValueInfo(sub(reader)));
        break;
      default:
        reader.skip(wire);
    }
  }
  return graph;
}

function readNode(reader: ProtoReader): OnnxNode {
  const node: OnnxNode = {
    name: '',
    opType: '',
    domain: '',
    inputs: [],
    outputs: [],
    attributes: [],
  };
  while (!reader.done) {
    const { field, wire } = reader.readTag();
    if (wire !== WIRE_LEN) {
      reader.skip(wire);
      continue;
    }
    switch (field) {
      case 1:
        node.inputs.push(reader.readString());
        break;
      case 2:
        node.outputs.push(reader.readString());
        break;
      case 3:
        node.name = reader.readString();
        break;
      case 4:
        node.opType = reader.readString();
        break;
      case 5:
        node.attributes.push(readAttribute(sub(reader)));
        break;
      case 7:
        node.domain = reader.readString();
        break;
      default:
        reader.skip(wire);
    }
  }
  return node;
}

function readAttribute(reader: ProtoReader): OnnxAttribute {
  const attr: OnnxAttribute = emptyAttribute();
  while (!reader.done) {
    const { field, wire } = reader.readTag();
    switch (field) {
      case 1:
        if (reader.accepts(wire, WIRE_LEN)) attr.name = reader.readString();
        break;
      case 20:
        if (reader.accepts(wire, WIRE_VARINT)) attr.type = reader.readVarint();
        break;
      case 2:
        if (reader.accepts(wire, WIRE_I32)) attr.f = reader.readFixed32Float();
        break;
      case 3:
        if (reader.accepts(wire, WIRE_VARINT)) attr.i = reader.readVarint();
        break;
      case 4:
        if (reader.accepts(wire, WIRE_LEN)) attr.s = reader.readBytes();
        break;
      case 5:
        if (reader.accepts(wire, WIRE_LEN)) attr.t = readTensor(sub(reader));
        break;
      case 6:
        if (reader.accepts(wire, WIRE_LEN)) attr.g = readGraph(sub(reader));
        break;
      case 7:
        readRepeatedFloat(reader, wire, attr.floats);
        break;
      case 8:
        readRepeatedVarint(reader, wire, attr.ints);
        break;
      case 9:
        if (reader.accepts(wire, WIRE_LEN)) attr.strings.push(reader.readBytes());
        break;
      case 10:
        if (reader.accepts(wire, WIRE_LEN)) attr.tensors.push(readTensor(sub(reader)));
        break;
      case 11:
        if (reader.accepts(wire, WIRE_LEN)) attr.graphs.push(readGraph(sub(reader)));
        break;
      default:
        reader.skip(wire);
    }
  }
  return attr;
}

export function readTensor(reader: ProtoReader): OnnxTensor {
  const tensor: OnnxTensor = {
    name: '',
    dims: [],
    dataType: 0,
    floatData: [],
    int32Data: [],
    int64Data: [],
    doubleData: [],
    uint64Data: [],
    external: false,
  };
  while (!reader.done) {
    const { field, wire } = reader.readTag();
    switch (field) {
      case 1:
        readRepeatedVarint(reader, wire, tensor.dims);
        break;
      case 2:
        if (reader.accepts(wire, WIRE_VARINT)) tensor.dataType = reader.readVarint();
        break;
      case 4:
        readRepeatedFloat(reader, wire, tensor.floatData);
        break;
      case 5:
        readRepeatedVarint(reader, wire, tensor.int32Data);
        break;
      case 7:
        readRepeatedVarint(reader, wire, tensor.int64Data);
        break;
      case 8:
        if (reader.accepts(wire, WIRE_LEN)) tensor.name = reader.readString();
        break;
      case 9:
        if (reader.accepts(wire, WIRE_LEN)) tensor.rawData = reader.readBytes();
        break;
      case 10:
        readRepeatedDouble(reader, wire, tensor.doubleData);
        break;
      case 11:
        readRepeatedVarint(reader, wire, tensor.uint64Data);
        break;
      case 13:
        if (wire === WIRE_LEN) {
          const entry = readStringEntry(sub(reader));
          if (entry.key === 'location') tensor.externalLocation = entry.value;
        } else reader.skip(wire);
        break;
      case 14:
        if (reader.accepts(wire, WIRE_VARINT)) tensor.external = reader.readVarint() === 1;
        break;
      default:
        reader.skip(wire);
    }
  }
  return tensor;
}

function readStringEntry(reader: ProtoReader): { key: string; value: string } {
  const entry = { key: '', value: '' };
  while (!reader.done) {
    const { field, wire } = reader.readTag();
    if (field === 1 && wire === WIRE_LEN) entry.key = reader.readString();
    else if (field === 2 && wire === WIRE_LEN) entry.value = reader.readString();
    else reader.skip(wire);
  }
  return entry;
}

function readValueInfo(reader: ProtoReader): OnnxValueInfo {
  const info: OnnxValueInfo = { name: '' };
  while (!reader.done) {
    const { field, wire } = reader.readTag();
    if (field === 1 && wire === WIRE_LEN) info.name = reader.readString();
    else if (field === 2 && wire === WIRE_LEN) {
      const tensorType = readTypeProto(sub(reader));
      if (tensorType) info.tensorType = tensorType;
    } else reader.skip(wire);
  }
  return info;
}

/** TypeProto: only tensor_type (field 1) is read; sequences, maps and optionals stay untyped. */
function readTypeProto(reader: ProtoReader): OnnxValueInfo['tensorType'] {
  let result: OnnxValueInfo['tensorType'];
  while (!reader.done) {
    const { field, wire } = reader.readTag();
    if (field === 1 && wire === WIRE_LEN) result = readTensorType(sub(reader));
    else reader.skip(wire);
  }
  return result;
}

function readTensorType(reader: ProtoReader): NonNullable<OnnxValueInfo['tensorType']> {
  const type: NonNullable<OnnxValueInfo['tensorType']> = { elemType: 0 };
  while (!reader.done) {
    const { field, wire } = reader.readTag();
    if (field === 1 && wire === WIRE_VARINT) type.elemType = reader.readVarint();
    else if (field === 2 && wire === WIRE_LEN) type.shape = readShape(sub(reader));
    else reader.skip(wire);
  }
  return type;
}

function readShape(reader: ProtoReader): DeclaredDim[] {
  const dims: DeclaredDim[] = [];
  while (!reader.done) {
    const { field, wire } = reader.readTag();
    if (field === 1 && wire === WIRE_LEN) dims.push(readDimension(sub(reader)));
    else reader.skip(wire);
  }
  return dims;
}

function readDimension(reader: ProtoReader): DeclaredDim {
  let dim: DeclaredDim = null;
  while (!reader.done) {
    const { field, wire } = reader.readTag();
    if (field === 1 && wire === WIRE_VARINT) dim = reader.readVarint();
    else if (field === 2 && wire === WIRE_LEN) dim = reader.readString() || null;
    else reader.skip(wire);
  }
  return dim;
}
