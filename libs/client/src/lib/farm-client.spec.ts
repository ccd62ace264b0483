import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FarmApiError, FarmClient } from './farm-client';

/** A loopback server answering with `handler`; records what it was sent. */
interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

let server: Server;
let base: string;
let seen: Seen[];
let handler: (req: IncomingMessage, res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks).toString(),
      });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
});

const answer =
  (status: number, body: string, type = 'application/json') =>
  (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };

describe('FarmClient', () => {
  const client = () => new FarmClient({ api: `${base}/`, key: 'k-123' });

  it('sends the key as a Bearer token and unwraps listings', async () => {
    handler = answer(200, JSON.stringify({ datasets: [{ name: 'sel' }] }));
    await expect(client().datasets()).resolves.toEqual([{ name: 'sel' }]);
    expect(seen[0]).toMatchObject({
      method: 'GET',
      url: '/v1/datasets',
      authorization: 'Bearer k-123',
    });
  });

  it('reads one dataset by its encoded name', async () => {
    handler = answer(200, JSON.stringify({ name: 'a b' }));
    await expect(client().dataset('a b')).resolves.toEqual({ name: 'a b' });
    expect(seen[0].url).toBe('/v1/datasets/a%20b');
  });

  it("turns the API's error document into a FarmApiError with its status and code", async () => {
    handler = answer(409, JSON.stringify({ error: { code: 'model-exists', message: 'taken' } }));
    const error = await client()
      .registerModel({ name: 'm', preprocess: { inputSize: [1, 2, 2] } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FarmApiError);
    expect(error).toMatchObject({ status: 409, code: 'model-exists', message: 'taken' });
    expect(JSON.parse(seen[0].body)).toEqual({ name: 'm', preprocess: { inputSize: [1, 2, 2] } });
  });

  it('keeps the raw text of an error that is not the API’s JSON', async () => {
    handler = answer(502, '<html>bad gateway</html>', 'text/html');
    await expect(client().models()).rejects.toMatchObject({
      status: 502,
      code: 'http-502',
      message: '<html>bad gateway</html>',
    });
  });

  it('returns the report as text', async () => {
    handler = answer(200, '<!doctype html><p>report</p>', 'text/html');
    await expect(client().report('s1')).resolves.toBe('<!doctype html><p>report</p>');
    expect(seen[0].url).toBe('/v1/searches/s1/report');
  });

  describe('uploadModel', () => {
    const upload = () => ({
      method: 'PUT' as const,
      url: `${base}/bucket/key.onnx?X-Amz-Signature=abc`,
      expiresAt: '2100-01-01T00:00:00.000Z',
    });

    it('PUTs the bytes to the presigned URL without the API key', async () => {
      handler = answer(200, '');
      await client().uploadModel(upload(), new TextEncoder().encode('onnx bytes'));
      expect(seen[0]).toMatchObject({
        method: 'PUT',
        url: '/bucket/key.onnx?X-Amz-Signature=abc',
        authorization: undefined,
        body: 'onnx bytes',
      });
    });

    it("names S3's error code when the upload is refused", async () => {
      handler = answer(
        403,
        '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
        'application/xml',
      );
      await expect(client().uploadModel(upload(), new Uint8Array([1]))).rejects.toMatchObject({
        status: 403,
        code: 'AccessDenied',
        message: 'Uploading to the presigned URL failed: Request has expired',
      });
    });
  });
});
