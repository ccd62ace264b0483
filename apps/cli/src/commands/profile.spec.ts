import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runProfile } from './profile';

// A minimal protobuf encoder, enough for one ONNX classifier: the CLI is tested on real bytes
// without reaching into the profiler library's test helpers.
function varint(v: number): number[] {
  const out: number[] = [];
  do {
    out.push((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v = Math.floor(v / 128);
  } while (v > 0);
  return out;
}
const field = (n: number, payload: number[] | string): number[] => {
  const bytes = typeof payload === 'string' ? [...Buffer.from(payload)] : payload;
  return [...varint(n * 8 + 2), ...varint(bytes.length), ...bytes];
};
const int = (n: number, v: number): number[] => [...varint(n * 8), ...varint(v)];
const valueInfo = (name: string, dims: (number | string)[]) => [
  ...field(1, name),
  ...field(
    2,
    field(1, [
      ...int(1, 1),
      ...field(
        2,
        dims.flatMap((d) => field(1, typeof d === 'number' ? int(1, d) : field(2, d))),
      ),
    ]),
  ),
];

/** x [N,3,H,W] -> Conv(4 filters, 1x1) -> GlobalAveragePool -> Flatten -> y [N,4]. */
function tinyModel(spatial: number | string = 8): Uint8Array {
  const weight = [
    ...field(1, [4, 3, 1, 1]),
    ...int(2, 1),
    ...field(8, 'w'),
    ...field(9, new Array<number>(48).fill(0)),
  ];
  const node = (op: string, inputs: string[], output: string) =>
    field(1, [...inputs.flatMap((i) => field(1, i)), ...field(2, output), ...field(4, op)]);
  const graph = [
    ...node('Conv', ['x', 'w'], 'c'),
    ...node('GlobalAveragePool', ['c'], 'g'),
    ...node('Flatten', ['g'], 'y'),
    ...field(5, weight),
    ...field(11, valueInfo('x', ['N', 3, spatial, spatial])),
    ...field(12, valueInfo('y', ['N', 4])),
  ];
  return Uint8Array.from([...int(1, 8), ...field(7, graph), ...field(8, int(2, 17))]);
}

describe('tinysaver profile', () => {
  let dir: string;
  let out: jest.SpyInstance;
  let err: jest.SpyInstance;
  const stdout = () => out.mock.calls.map((c: unknown[]) => String(c[0])).join('\n');
  const stderr = () => err.mock.calls.map((c: unknown[]) => String(c[0])).join('\n');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tinysaver-profile-'));
    writeFileSync(join(dir, 'tiny.onnx'), tinyModel());
    writeFileSync(join(dir, 'symbolic.onnx'), tinyModel('S'));
    writeFileSync(join(dir, 'garbage.onnx'), 'this is not a model');
    const bytes = tinyModel();
    writeFileSync(join(dir, 'truncated.onnx'), bytes.subarray(0, bytes.length - 10));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    out = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('prints the profile as JSON', async () => {
    expect(await runProfile([join(dir, 'tiny.onnx'), '--json'])).toBe(0);
    const profile = JSON.parse(stdout()) as {
      macs: number;
      params: number;
      outputs: { shape: number[] }[];
    };
    // 1x1 conv, 3 -> 4 channels over 8x8: 4 * 64 * 3 = 768 MACs.
    expect(profile.macs).toBe(768);
    expect(profile.params).toBe(12);
    expect(profile.outputs[0].shape).toEqual([1, 4]);
    expect(stderr()).toBe('');
  });

  it('prints a readable table by default', async () => {
    expect(await runProfile([join(dir, 'tiny.onnx')])).toBe(0);
    expect(stdout()).toMatch(/MACs\s+768 \(768\) per image/);
    expect(stdout()).toMatch(/Conv\s+1\s+768/);
  });

  it('uses --input-size for symbolic sizes and says when it is needed', async () => {
    expect(await runProfile([join(dir, 'symbolic.onnx')])).toBe(1);
    expect(stderr()).toMatch(/--input-size 3,224,224.*\[INPUT_SIZE_REQUIRED\]/);
    err.mockClear();
    expect(
      await runProfile([join(dir, 'symbolic.onnx'), '--input-size', '3,16,16', '--json']),
    ).toBe(0);
    expect((JSON.parse(stdout()) as { macs: number }).macs).toBe(4 * 256 * 3);
  });

  it('reports an unexpected profiler exception as an internal error, exit 1', async () => {
    const file = join(dir, 'tiny.onnx');
    const broken = () => {
      throw new RangeError('Invalid array length');
    };
    expect(await runProfile([file], broken)).toBe(1);
    expect(stderr()).toBe(
      `tinysaver profile: ${file}: internal error (Invalid array length); please report it with the model.`,
    );
  });

  it.each([
    ['garbage.onnx', /not an ONNX model/],
    ['truncated.onnx', /cut short/],
    ['missing.onnx', /cannot read .*no such file/],
  ])('fails with one sentence for %s', async (name, pattern) => {
    expect(await runProfile([join(dir, name)])).toBe(1);
    expect(out).not.toHaveBeenCalled();
    expect(err).toHaveBeenCalledTimes(1);
    expect(stderr()).toMatch(pattern);
  });

  it.each([
    [[], /needs one model file/],
    [['a.onnx', 'b.onnx'], /takes one model file/],
    [['a.onnx', '--input-size', '3,224'], /three positive integers/],
    [['a.onnx', '--bogus'], /Unknown option '--bogus'/],
  ])('rejects bad arguments %j with exit code 2', async (args, pattern) => {
    expect(await runProfile(args)).toBe(2);
    expect(stderr()).toMatch(pattern);
  });

  it('runs through the real command (node_modules/.bin/tinysaver)', () => {
    const root = resolve(__dirname, '../../../..');
    const bin = join(root, 'node_modules/.bin/tinysaver');
    const ok = spawnSync(bin, ['profile', join(dir, 'tiny.onnx'), '--json'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    expect((JSON.parse(ok.stdout) as { macs: number }).macs).toBe(768);
    const bad = spawnSync(bin, ['profile', join(dir, 'garbage.onnx')], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);
});
