import { FarmApiError } from '@tinysaver/client';
import { modelView } from '../testing/documents';
import { fakeIo, sequence } from '../testing/fake-io';
import { modelsCommand, preprocessFromFlags } from './models';

describe('preprocessFromFlags', () => {
  it('builds the body from the individual flags', () => {
    expect(
      preprocessFromFlags({
        'input-size': '1,28,28',
        mean: '0.5',
        std: '0.5',
        'crop-pct': '1',
        interpolation: 'bicubic',
        channels: 'L',
        layout: 'NHWC',
      }),
    ).toEqual({
      inputSize: [1, 28, 28],
      mean: [0.5],
      std: [0.5],
      cropPct: 1,
      interpolation: 'bicubic',
      channels: 'L',
      layout: 'NHWC',
    });
    expect(preprocessFromFlags({ 'input-size': '3,224,224' })).toEqual({
      inputSize: [3, 224, 224],
    });
  });

  it('takes --preprocess JSON as it is, alone', () => {
    expect(preprocessFromFlags({ preprocess: '{"inputSize":[3,224,224],"cropPct":0.95}' })).toEqual(
      {
        inputSize: [3, 224, 224],
        cropPct: 0.95,
      },
    );
    expect(() => preprocessFromFlags({ preprocess: '{}', mean: '0.5' })).toThrow(
      /drop --mean or put them in the JSON/,
    );
    expect(() => preprocessFromFlags({ preprocess: '[1]' })).toThrow(/takes a JSON object/);
    expect(() => preprocessFromFlags({ preprocess: '{x' })).toThrow(/--preprocess is not JSON/);
  });

  it('asks for the preprocessing, and for three whole numbers', () => {
    expect(() => preprocessFromFlags({})).toThrow(/--input-size C,H,W .* or --preprocess JSON/);
    expect(() => preprocessFromFlags({ 'input-size': '3,224' })).toThrow(/three whole numbers/);
    expect(() => preprocessFromFlags({ 'input-size': '3,224,x' })).toThrow(/--input-size/);
    expect(() => preprocessFromFlags({ 'input-size': '1,2,2', mean: 'a' })).toThrow(/--mean/);
  });
});

const ONNX = new Uint8Array([8, 1, 2, 3]);

describe('tinysaver models add --file', () => {
  const client = () => ({
    registerModel: jest.fn().mockResolvedValue(
      modelView({
        status: 'awaiting-upload',
        upload: { method: 'PUT', url: 'http://s3/presigned', expiresAt: '2025-01-01T01:00:00Z' },
      }),
    ),
    uploadModel: jest.fn().mockResolvedValue(undefined),
    model: jest
      .fn()
      .mockImplementation(
        sequence(
          modelView({ status: 'awaiting-upload' }),
          modelView({ status: 'profiling' }),
          modelView({ status: 'ready' }),
        ),
      ),
  });

  it('registers without a URI, uploads to the presigned URL, waits, and prints one JSON document', async () => {
    const api = client();
    const io = fakeIo(api, { files: { 'm.onnx': ONNX } });
    const code = await modelsCommand(
      ['add', 'cnn-tiny', '--file', 'm.onnx', '--input-size', '1,28,28', '--wait', '--json'],
      io,
    );
    expect(code).toBe(0);
    expect(api.registerModel).toHaveBeenCalledWith({
      name: 'cnn-tiny',
      uri: undefined,
      preprocess: { inputSize: [1, 28, 28] },
    });
    expect(api.uploadModel).toHaveBeenCalledWith(
      expect.objectContaining({ url: 'http://s3/presigned' }),
      ONNX,
    );
    expect(api.model).toHaveBeenCalledTimes(3);
    expect(io.stdout).toHaveLength(1);
    expect(JSON.parse(io.stdout[0])).toMatchObject({ name: 'cnn-tiny', status: 'ready' });
  });

  it('stops after the upload registers when not asked to wait', async () => {
    const api = client();
    const io = fakeIo(api, { files: { 'm.onnx': ONNX } });
    expect(
      await modelsCommand(['add', 'cnn-tiny', '--file', 'm.onnx', '--input-size', '1,28,28'], io),
    ).toBe(0);
    expect(api.model).toHaveBeenCalledTimes(2);
    expect(io.stdout[0]).toMatch(/^Model cnn-tiny: profiling\n/);
    expect(io.stderr).toEqual([
      'Uploading m.onnx (4 bytes)…',
      'model cnn-tiny: awaiting-upload  0:00',
    ]);
  });

  it('exits 4 when S3 fails the upload, saying the model awaits its file', async () => {
    const api = client();
    api.uploadModel.mockRejectedValue(new FarmApiError(503, 'SlowDown', 'Reduce your rate.'));
    const io = fakeIo(api, { files: { 'm.onnx': ONNX } });
    const code = await modelsCommand(
      ['add', 'cnn-tiny', '--file', 'm.onnx', '--input-size', '1,28,28', '--json'],
      io,
    );
    expect(code).toBe(4);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toEqual([
      "tinysaver models add: 'cnn-tiny' stays registered, awaiting its file; 'tinysaver models show cnn-tiny --json' gives a fresh upload URL.",
      'tinysaver models add: the API is unavailable (503 SlowDown): Reduce your rate.',
    ]);
  });

  it('exits 1 when the profile finds the model invalid', async () => {
    const api = {
      registerModel: jest.fn().mockResolvedValue(modelView()),
      model: jest.fn().mockResolvedValue(
        modelView({
          status: 'invalid',
          reason: { code: 'not-onnx', message: 'Not an ONNX file.' },
        }),
      ),
    };
    const io = fakeIo(api);
    const code = await modelsCommand(
      [
        'add',
        'x',
        '--uri',
        's3://b/farm/x.onnx',
        '--preprocess',
        '{"inputSize":[1,28,28]}',
        '--wait',
      ],
      io,
    );
    expect(code).toBe(1);
    expect(io.stderr).toContain(
      "tinysaver models: model 'cnn-tiny' is invalid: [not-onnx] Not an ONNX file.",
    );
  });

  it('exits 2 on bad command lines without calling the API', async () => {
    const api = client();
    const cases: [string[], RegExp][] = [
      [['add', 'x', '--input-size', '1,2,2'], /exactly one of --uri .* or --file/],
      [
        ['add', 'x', '--uri', 's3://b/k', '--file', 'm.onnx', '--input-size', '1,2,2'],
        /exactly one/,
      ],
      [['add', 'x', '--uri', 's3://b/k'], /--input-size C,H,W/],
      [['add', '--uri', 's3://b/k', '--input-size', '1,2,2'], /missing <name>/],
      [
        ['add', 'x', '--file', 'missing.onnx', '--input-size', '1,2,2'],
        /cannot read --file 'missing.onnx' \(no such file\)/,
      ],
      [
        ['add', 'x', '--uri', 's3://b/k', '--input-size', '1,2,2', '--bogus'],
        /unknown option '--bogus'/,
      ],
      [['remove', 'x'], /unknown subcommand 'remove'/],
      [[], /Usage: tinysaver models/],
    ];
    for (const [args, message] of cases) {
      const io = fakeIo(api);
      expect(await modelsCommand(args, io)).toBe(2);
      expect(io.stderr.join('\n')).toMatch(message);
      expect(io.stdout).toEqual([]);
    }
    expect(api.registerModel).not.toHaveBeenCalled();
  });

  it('exits 2 naming --key and TINYSAVER_KEY when no key is given', async () => {
    const io = fakeIo(client(), { env: {} });
    expect(await modelsCommand(['list'], io)).toBe(2);
    expect(io.stderr[0]).toMatch(
      /^tinysaver models list: no API key: pass --key KEY or set TINYSAVER_KEY/,
    );
  });

  it('exits 3 with the code when the API refuses', async () => {
    const api = {
      registerModel: jest
        .fn()
        .mockRejectedValue(
          new FarmApiError(409, 'model-exists', "A model named 'x' is already registered."),
        ),
    };
    const io = fakeIo(api);
    expect(
      await modelsCommand(['add', 'x', '--uri', 's3://b/k', '--input-size', '1,2,2'], io),
    ).toBe(3);
    expect(io.stderr).toEqual([
      "tinysaver models add: the API refused the request (409 model-exists): A model named 'x' is already registered.",
    ]);
  });
});

describe('tinysaver models list|show', () => {
  it('prints the API document with --json and a table otherwise', async () => {
    const api = { models: jest.fn().mockResolvedValue([modelView({ status: 'ready' })]) };
    const json = fakeIo(api);
    expect(await modelsCommand(['list', '--json'], json)).toBe(0);
    expect(JSON.parse(json.stdout.join('\n'))).toEqual({
      models: [modelView({ status: 'ready' })],
    });
    const human = fakeIo(api);
    expect(await modelsCommand(['list'], human)).toBe(0);
    expect(human.stdout[0].split('\n')[2]).toMatch(/^cnn-tiny {2}ready/);
  });

  it('shows one model, exiting 1 when it is invalid', async () => {
    const api = {
      model: jest
        .fn()
        .mockResolvedValue(modelView({ status: 'invalid', reason: { code: 'c', message: 'm' } })),
    };
    const io = fakeIo(api);
    expect(await modelsCommand(['show', 'cnn-tiny'], io)).toBe(1);
    expect(io.stdout[0]).toContain('reason      [c] m');
  });

  it('prints help on stdout with exit 0', async () => {
    const io = fakeIo({});
    expect(await modelsCommand(['add', '--help'], io)).toBe(0);
    expect(io.stdout[0]).toMatch(/^Usage: tinysaver models/);
  });
});
