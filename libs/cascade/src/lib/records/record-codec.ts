import { CascadeError, CascadeErrorCode } from '../errors';
import { crc32 } from './crc32';
import type { ModelRecord, Provenance, ShardRef } from './model-record';
import { correctCount, validateRecord } from './model-record';

/**
 * Binary record format, version 1 (all integers little-endian):
 *
 *   0  magic "TSRECORD" (8 bytes)
 *   8  u32 format version
 *  12  u32 header JSON byte length H
 *  16  u32 sample count N
 *  20  u32 top-k K
 *  24  u32 total key bytes B
 *  28  header JSON (UTF-8), zero-padded to a multiple of 4
 *      u32[N] key byte lengths, then the keys' UTF-8 bytes, zero-padded to a multiple of 4
 *      i32[N] labels, i32[N*K] top classes, f32[N*K] top probabilities
 *      u32 CRC-32 of every byte before it
 *
 * The header JSON carries identity (model sha256 and name, dataset, shards with ETags),
 * numClasses, macsPerSample, the correct count (checked on decode) and provenance.
 */
export const RECORD_MAGIC = 'TSRECORD';
export const RECORD_FORMAT_VERSION = 1;
const FIXED_HEADER_BYTES = 28;

interface RecordHeaderJson {
  model: { sha256: string; name: string };
  dataset: string;
  shards: ShardRef[];
  numClasses: number;
  macsPerSample: number;
  correct: number;
  provenance: Provenance;
}

/** What the reader expected to get; any difference is an error, never a silent mix-up. */
export interface RecordExpectation {
  readonly modelSha256?: string;
  readonly dataset?: string;
  readonly shards?: readonly Pick<ShardRef, 'id' | 'etag'>[];
}

const pad4 = (n: number) => (n + 3) & ~3;

export function encodeRecord(record: ModelRecord): Uint8Array {
  validateRecord(record);
  const n = record.keys.length;
  const { k } = record;
  const encoder = new TextEncoder();
  const header: RecordHeaderJson = {
    model: { sha256: record.model.sha256, name: record.model.name },
    dataset: record.dataset,
    shards: record.shards.map(({ id, etag, count }) => ({ id, etag, count })),
    numClasses: record.numClasses,
    macsPerSample: record.macsPerSample,
    correct: correctCount(record),
    provenance: record.provenance,
  };
  const headerBytes = encoder.encode(JSON.stringify(header));
  const keyBytes = record.keys.map((key) => encoder.encode(key));
  const totalKeyBytes = keyBytes.reduce((sum, b) => sum + b.length, 0);
  const size =
    FIXED_HEADER_BYTES +
    pad4(headerBytes.length) +
    4 * n +
    pad4(totalKeyBytes) +
    4 * n +
    8 * n * k +
    4;

  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(encoder.encode(RECORD_MAGIC), 0);
  view.setUint32(8, RECORD_FORMAT_VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  view.setUint32(16, n, true);
  view.setUint32(20, k, true);
  view.setUint32(24, totalKeyBytes, true);
  let at = FIXED_HEADER_BYTES;
  out.set(headerBytes, at);
  at += pad4(headerBytes.length);
  for (const b of keyBytes) {
    view.setUint32(at, b.length, true);
    at += 4;
  }
  for (const b of keyBytes) {
    out.set(b, at);
    at += b.length;
  }
  at = pad4(at);
  for (let i = 0; i < n; i++, at += 4) view.setInt32(at, record.labels[i], true);
  for (let i = 0; i < n * k; i++, at += 4) view.setInt32(at, record.topClasses[i], true);
  for (let i = 0; i < n * k; i++, at += 4) view.setFloat32(at, record.topProbs[i], true);
  view.setUint32(at, crc32(out, 0, at), true);
  return out;
}

function fail(code: CascadeErrorCode, what: string, fix: string): CascadeError {
  return new CascadeError(code, `${what}. ${fix}`);
}

const RECOMPUTE = 'Delete the stored record so the farm recomputes it.';

export function decodeRecord(bytes: Uint8Array, expect: RecordExpectation = {}): ModelRecord {
  // Compare as much of the magic as there is, so a short non-record is still called what it is.
  const magicSeen = new TextDecoder().decode(bytes.subarray(0, Math.min(8, bytes.length)));
  if (!RECORD_MAGIC.startsWith(magicSeen))
    throw fail(
      CascadeErrorCode.RecordNotARecord,
      'These bytes are not a TinySaver record (wrong magic)',
      'Point the reader at a record object, not a model, shard or JSON file.',
    );
  if (bytes.length < FIXED_HEADER_BYTES + 4)
    throw fail(
      CascadeErrorCode.RecordTruncated,
      `Record is ${bytes.length} bytes, shorter than its fixed header`,
      `The object was cut short in transfer. ${RECOMPUTE}`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== RECORD_FORMAT_VERSION)
    throw fail(
      CascadeErrorCode.RecordVersion,
      `Record format version ${version} is not supported (this build reads ${RECORD_FORMAT_VERSION})`,
      'Upgrade the reader, or recompute the record with this version.',
    );
  const headerLength = view.getUint32(12, true);
  const n = view.getUint32(16, true);
  const k = view.getUint32(20, true);
  const totalKeyBytes = view.getUint32(24, true);
  const expected =
    FIXED_HEADER_BYTES + pad4(headerLength) + 4 * n + pad4(totalKeyBytes) + 4 * n + 8 * n * k + 4;
  if (bytes.length < expected)
    throw fail(
      CascadeErrorCode.RecordTruncated,
      `Record is ${bytes.length} bytes but its header describes ${expected} (${n} samples, top-${k})`,
      `The object was cut short or its header is corrupt. ${RECOMPUTE}`,
    );
  if (bytes.length > expected)
    throw fail(
      CascadeErrorCode.RecordCorrupt,
      `Record is ${bytes.length} bytes but its header describes ${expected}`,
      `Extra bytes follow the record, or its header is corrupt. ${RECOMPUTE}`,
    );
  const stored = view.getUint32(expected - 4, true);
  const actual = crc32(bytes, 0, expected - 4);
  if (stored !== actual)
    throw fail(
      CascadeErrorCode.RecordChecksum,
      `Record checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)})`,
      `The bytes were altered after writing. ${RECOMPUTE}`,
    );

  const decoder = new TextDecoder('utf-8', { fatal: true });
  let header: RecordHeaderJson;
  try {
    header = JSON.parse(
      decoder.decode(bytes.subarray(FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + headerLength)),
    ) as RecordHeaderJson;
  } catch {
    throw fail(CascadeErrorCode.RecordCorrupt, 'Record header is not valid JSON', RECOMPUTE);
  }
  let at = FIXED_HEADER_BYTES + pad4(headerLength);
  const keyLengths = new Array<number>(n);
  let keyTotal = 0;
  for (let i = 0; i < n; i++, at += 4) keyTotal += keyLengths[i] = view.getUint32(at, true);
  if (keyTotal !== totalKeyBytes)
    throw fail(
      CascadeErrorCode.RecordCorrupt,
      'Record key lengths disagree with the header',
      RECOMPUTE,
    );
  const keys = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    keys[i] = decoder.decode(bytes.subarray(at, at + keyLengths[i]));
    at += keyLengths[i];
  }
  at = pad4(at);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++, at += 4) labels[i] = view.getInt32(at, true);
  const topClasses = new Int32Array(n * k);
  for (let i = 0; i < n * k; i++, at += 4) topClasses[i] = view.getInt32(at, true);
  const topProbs = new Float32Array(n * k);
  for (let i = 0; i < n * k; i++, at += 4) topProbs[i] = view.getFloat32(at, true);

  const record: ModelRecord = {
    model: { sha256: header.model?.sha256, name: header.model?.name },
    dataset: header.dataset,
    shards: header.shards,
    numClasses: header.numClasses,
    k,
    macsPerSample: header.macsPerSample,
    keys,
    labels,
    topClasses,
    topProbs,
    provenance: header.provenance ?? {},
  };
  if (typeof record.model.sha256 !== 'string' || !Array.isArray(record.shards))
    throw fail(
      CascadeErrorCode.RecordCorrupt,
      'Record header lacks model or shard identity',
      RECOMPUTE,
    );
  validateRecord(record);
  if (correctCount(record) !== header.correct)
    throw fail(
      CascadeErrorCode.RecordCorrupt,
      `Record says ${header.correct} correct but its samples give ${correctCount(record)}`,
      RECOMPUTE,
    );
  checkExpectation(record, expect);
  return record;
}

function checkExpectation(record: ModelRecord, expect: RecordExpectation): void {
  const mismatch = (what: string) =>
    fail(
      CascadeErrorCode.RecordMismatch,
      `Record of model "${record.model.name}" on "${record.dataset}" is not the one asked for: ${what}`,
      'Read the record stored under the key of this (model, shard) pair; a stale or misplaced object must be recomputed.',
    );
  if (expect.modelSha256 !== undefined && expect.modelSha256 !== record.model.sha256)
    throw mismatch(`model sha256 ${record.model.sha256}, expected ${expect.modelSha256}`);
  if (expect.dataset !== undefined && expect.dataset !== record.dataset)
    throw mismatch(`dataset "${record.dataset}", expected "${expect.dataset}"`);
  if (expect.shards !== undefined) {
    const got = record.shards.map((s) => `${s.id}@${s.etag}`).join(', ');
    const want = expect.shards.map((s) => `${s.id}@${s.etag}`).join(', ');
    if (got !== want) throw mismatch(`shards [${got}], expected [${want}]`);
  }
}
