// The `tinysaver` command, run through its built entry (bin/tinysaver.js → dist/main.js), against
// a real farm: s3rver, the local Redis under a queue prefix of its own, and the built API and
// worker as child processes. Zoo models go in by presigned upload (--file) and by URI, a search
// runs to the end, and every exit code is checked where a script would see it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type ModelView, type SearchResultsDocument, type SearchView } from '@tinysaver/contracts';
import { startS3rver, type S3rverHarness } from '@tinysaver/storage/testing';
import {
  appMain,
  farmEnv,
  freePort,
  obliterateQueues,
  startApp,
  type AppProcess,
} from '@tinysaver/testkit';

jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'apps', 'cli', 'bin', 'tinysaver.js');
const ZOO = join(ROOT, 'fixtures', 'zoo');
const KEY = 'acme-key-0123456789abcdef';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface ZooModel {
  name: string;
  sha256: string;
  preprocess: Record<string, unknown>;
}

let s3: S3rverHarness;
let bucket: string;
let queuePrefix: string;
let api: AppProcess;
let worker: AppProcess | undefined;
let apiUrl: string;
let scratch: string;
let zoo: ZooModel[];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin/tinysaver.js …` with only the environment given here (no inherited key). */
function tinysaver(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', TINYSAVER_API: apiUrl, TINYSAVER_KEY: KEY, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Fails with what the command printed, so a wrong exit code explains itself. */
function expectExit(run: Run, code: number): void {
  if (run.code !== code) {
    throw new Error(
      `expected exit ${code}, got ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`,
    );
  }
}

const preprocessOf = (name: string) => JSON.stringify(zoo.find((m) => m.name === name)!.preprocess);
const zooFile = (name: string) => join(ZOO, 'models', `${name}.onnx`);

async function put(key: string, body: Uint8Array): Promise<string> {
  await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return `s3://${bucket}/${key}`;
}

/** One bundled shard of a split under a prefix of its own (no manifest: --classes says 10). */
async function putShard(split: 'selection' | 'evaluation', shard: number): Promise<string> {
  const file = `${split}-${String(shard).padStart(6, '0')}.tar.gz`;
  const bytes = await readFile(join(ROOT, 'fixtures', 'datasets', `fashion-mnist-${split}`, file));
  await put(`farm/datasets/${split}-${shard}/${file}`, bytes);
  return `s3://${bucket}/farm/datasets/${split}-${shard}`;
}

beforeAll(async () => {
  zoo = (JSON.parse(await readFile(join(ZOO, 'manifest.json'), 'utf8')) as { models: ZooModel[] })
    .models;
  scratch = await mkdtemp(join(tmpdir(), 'tinysaver-cli-'));
  s3 = await startS3rver();
  bucket = await s3.createBucket();
  queuePrefix = `cli-test-${randomBytes(5).toString('hex')}`;
  const env = farmEnv({ redisUrl: REDIS_URL, queuePrefix, s3Endpoint: s3.endpoint, bucket });
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  api = startApp(appMain('api'), {
    ...env,
    API_KEYS: `acme:${KEY}`,
    HOST: '127.0.0.1',
    PORT: String(port),
  });
  await api.waitFor(/api listening/, 60_000);
  worker = startApp(appMain('worker'), { ...env, SEARCH_POLL_MS: '200' });
});

afterAll(async () => {
  await worker?.kill('SIGKILL');
  await api?.kill('SIGTERM');
  await obliterateQueues(REDIS_URL, queuePrefix);
  await s3?.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe('tinysaver against a real farm', () => {
  let searchId: string;

  it('models add --file uploads through the presigned URL and waits until ready', async () => {
    const linear = await tinysaver([
      'models',
      'add',
      'linear',
      '--file',
      zooFile('linear'),
      '--preprocess',
      preprocessOf('linear'),
      '--wait',
      '--json',
    ]);
    expectExit(linear, 0);
    const view = JSON.parse(linear.stdout) as ModelView;
    expect(view).toMatchObject({
      name: 'linear',
      status: 'ready',
      sha256: zoo.find((m) => m.name === 'linear')!.sha256,
      uri: `s3://${bucket}/farm/tenants/acme/uploads/models/linear.onnx`,
    });
    expect(view.profile).toMatchObject({ classes: 10 });

    // The same preprocessing from individual flags; human output.
    const mlp = await tinysaver([
      'models',
      'add',
      'mlp-64',
      '--file',
      zooFile('mlp-64'),
      '--input-size',
      '1,28,28',
      '--mean',
      '0.5',
      '--std',
      '0.5',
      '--crop-pct',
      '1',
      '--interpolation',
      'bilinear',
      '--channels',
      'L',
      '--wait',
    ]);
    expectExit(mlp, 0);
    expect(mlp.stdout).toMatch(/^Model mlp-64: ready\n/);
    expect(mlp.stdout).toContain(`sha256      ${zoo.find((m) => m.name === 'mlp-64')!.sha256}`);
    expect(mlp.stderr).toMatch(/Uploading .*mlp-64\.onnx \([\d,]+ bytes\)/);
  });

  it('models add --uri registers an object already in the bucket', async () => {
    const uri = await put('farm/uploads/cnn-tiny.onnx', await readFile(zooFile('cnn-tiny')));
    const run = await tinysaver([
      'models',
      'add',
      'cnn-tiny',
      '--uri',
      uri,
      '--preprocess',
      preprocessOf('cnn-tiny'),
      '--wait',
      '--json',
    ]);
    expectExit(run, 0);
    expect(JSON.parse(run.stdout)).toMatchObject({ name: 'cnn-tiny', uri, status: 'ready' });

    const list = await tinysaver(['models', 'list']);
    expectExit(list, 0);
    for (const name of ['linear', 'mlp-64', 'cnn-tiny'])
      expect(list.stdout).toMatch(new RegExp(`^${name} +ready `, 'm'));
  });

  it('exits 1 for a model the worker finds invalid', async () => {
    const notes = join(scratch, 'notes.onnx');
    await writeFile(notes, 'not an onnx model');
    const run = await tinysaver([
      'models',
      'add',
      'notes',
      '--file',
      notes,
      '--input-size',
      '1,28,28',
      '--wait',
    ]);
    expectExit(run, 1);
    expect(run.stdout).toMatch(/^Model notes: invalid/);
    expect(run.stderr).toMatch(/model 'notes' is invalid: \[[a-z-]+\]/);
  });

  it('datasets add registers bundled shards; a second add is refused with exit 3', async () => {
    const sel = await tinysaver([
      'datasets',
      'add',
      'sel',
      '--uri',
      await putShard('selection', 0),
      '--classes',
      '10',
    ]);
    expectExit(sel, 0);
    expect(sel.stdout).toMatch(/^Dataset sel\n/);
    const evalUri = await putShard('evaluation', 1);
    const evaluation = await tinysaver([
      'datasets',
      'add',
      'eval',
      '--uri',
      evalUri,
      '--classes',
      '10',
      '--json',
    ]);
    expectExit(evaluation, 0);
    expect(JSON.parse(evaluation.stdout)).toMatchObject({ name: 'eval', numClasses: 10 });

    const list = await tinysaver(['datasets', 'list', '--json']);
    expectExit(list, 0);
    const { datasets } = JSON.parse(list.stdout) as { datasets: { name: string }[] };
    expect(datasets.map((d) => d.name).sort()).toEqual(['eval', 'sel']);

    const again = await tinysaver(['datasets', 'add', 'eval', '--uri', evalUri, '--classes', '10']);
    expectExit(again, 3);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/refused the request \(409 dataset-exists\)/);
  });

  it('search start --watch follows the search to completion; --json prints one document', async () => {
    const run = await tinysaver([
      'search',
      'start',
      '--bases',
      'cnn-tiny',
      '--savers',
      'all-cheaper',
      '--selection',
      'sel',
      '--evaluation',
      'eval',
      '--budgets',
      '0.5,1',
      '--top-k',
      '2',
      '--watch',
      '--json',
    ]);
    expectExit(run, 0);
    const view = JSON.parse(run.stdout) as SearchView;
    expect(view).toMatchObject({
      status: 'completed',
      progress: { done: 6, total: 6, phase: 'done' },
    });
    searchId = view.id;
    // Not a terminal: plain progress lines on stderr, the last one the end.
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^search ${searchId}  queued · records 0/6 \\(0%\\)`));
    expect(lines[lines.length - 1]).toMatch(/ completed · records 6\/6 \(100%\) /);
  });

  it('search results, status and list read the completed search', async () => {
    const json = await tinysaver(['search', 'results', searchId, '--json']);
    expectExit(json, 0);
    const results = JSON.parse(json.stdout) as SearchResultsDocument;
    expect(results.budgets).toEqual([0.5, 1]);
    expect(results.bases.map((b) => b.model)).toEqual(['cnn-tiny']);
    expect(results.bases[0].savers.map((s) => s.model).sort()).toEqual(['linear', 'mlp-64']);

    const table = await tinysaver(['search', 'results', searchId]);
    expectExit(table, 0);
    const best = results.bases[0].savers[0];
    const budget = best.budgets[0];
    expect(table.stdout).toContain('τ@0.5pt  SAVED@0.5pt  DROP@0.5pt');
    const row = table.stdout.split('\n').find((l) => l.startsWith('cnn-tiny '))!;
    expect(row).toContain(` ${best.model} `);
    expect(row).toContain(budget.threshold.toFixed(3));
    expect(row).toContain(`${(100 * (1 - budget.evaluation.relativeCost)).toFixed(1)}%`);

    const status = await tinysaver(['search', 'status', searchId]);
    expectExit(status, 0);
    expect(status.stdout).toMatch(new RegExp(`^Search ${searchId}: completed`));

    const list = await tinysaver(['search', 'list']);
    expectExit(list, 0);
    expect(list.stdout).toMatch(new RegExp(`^${searchId} +completed +6/6 `, 'm'));
  });

  it('report writes the search’s HTML report', async () => {
    const out = join(scratch, 'report.html');
    const run = await tinysaver(['report', searchId, '--out', out]);
    expectExit(run, 0);
    expect(run.stdout).toMatch(/^Wrote .*report\.html \([\d,]+ bytes\)\./);
    expect((await readFile(out, 'utf8')).toLowerCase()).toContain('<html');
  });

  it('exits 3 with the code for a bad key, 4 for an API that does not answer, 2 without a key', async () => {
    const badKey = await tinysaver(['models', 'list', '--key', 'not-a-key']);
    expectExit(badKey, 3);
    expect(badKey.stderr).toMatch(/\(401 invalid-api-key\)/);

    const down = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await tinysaver(['search', 'list', '--json'], { TINYSAVER_API: down });
    expectExit(unreachable, 4);
    expect(unreachable.stdout).toBe('');
    expect(unreachable.stderr).toContain(`cannot reach the API at ${down} (ECONNREFUSED)`);

    const noKey = await tinysaver(['models', 'list'], { TINYSAVER_KEY: '' });
    expectExit(noKey, 2);
    expect(noKey.stderr).toMatch(/--key KEY or set TINYSAVER_KEY/);

    const badFlag = await tinysaver(['search', 'start', '--bases', 'cnn-tiny', '--nope']);
    expectExit(badFlag, 2);
    expect(badFlag.stderr).toBe(
      "tinysaver search start: unknown option '--nope'.\nRun 'tinysaver search --help' for the options.\n",
    );
  });

  it('search cancel stops a search; status then exits 1 and a second cancel exits 3', async () => {
    // Without a worker nothing runs the search's job: it stays queued until cancelled.
    await worker?.kill('SIGTERM');
    worker = undefined;
    const start = await tinysaver([
      'search',
      'start',
      '--bases',
      'mlp-64',
      '--selection',
      'sel',
      '--evaluation',
      'eval',
    ]);
    expectExit(start, 0);
    const id = /^Search (\S+): queued/.exec(start.stdout)?.[1];
    expect(id).toBeDefined();

    const cancel = await tinysaver(['search', 'cancel', id!]);
    expectExit(cancel, 0);
    expect(cancel.stdout.trim()).toBe(`Search ${id}: cancelled.`);

    const status = await tinysaver(['search', 'status', id!, '--watch', '--json']);
    expectExit(status, 1);
    expect(JSON.parse(status.stdout)).toMatchObject({ id, status: 'cancelled' });
    expect(status.stderr).toContain(`search ${id} cancelled`);

    const again = await tinysaver(['search', 'cancel', id!]);
    expectExit(again, 3);
    expect(again.stderr).toMatch(/\(409 search-ended\)/);
    const results = await tinysaver(['search', 'results', id!]);
    expectExit(results, 3);
    expect(results.stderr).toMatch(/\(409 search-not-completed\)/);
  });
});
