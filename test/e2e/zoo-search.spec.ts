// End to end on the bundled zoo, through processes and REST only: `npm run demo`'s program runs
// twice (the second reuses every record), then a separate API and worker register the zoo for
// another tenant through REST, run a search and check it against libs/cascade applied to the
// records directly and against the zoo README's table (computed from PyTorch's outputs).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSearchReport, canonicalPreprocess } from '@tinysaver/cascade';
import { FarmClient } from '@tinysaver/client';
import type { SearchResultsDocument, SearchSpec } from '@tinysaver/contracts';
import { FarmLayout, loadSplitOutcomes } from '@tinysaver/storage';
import { S3RVER_CREDENTIALS, startS3rver, type S3rverHarness } from '@tinysaver/storage/testing';
import { appMain, freePort, obliterateQueues, startApp, type AppProcess } from '@tinysaver/testkit';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { readZoo, registerZoo, REPO, searchEnded } from '../support/zoo-farm';
import { readReadmeTable } from './zoo-readme';

jest.setTimeout(900_000);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = 'e2e-farm';
const queuePrefix = `e2e-${randomBytes(5).toString('hex')}`;

let s3: S3rverHarness;
let bucket: string;
let out: string;
const apps: AppProcess[] = [];

beforeAll(async () => {
  s3 = await startS3rver();
  bucket = await s3.createBucket();
  out = await mkdtemp(join(tmpdir(), 'tinysaver-e2e-'));
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.kill('SIGKILL')));
  await obliterateQueues(REDIS_URL, queuePrefix);
  await s3.stop();
  await rm(out, { recursive: true, force: true });
});

const s3Env = () => ({
  REDIS_URL,
  QUEUE_PREFIX: queuePrefix,
  S3_ENDPOINT: s3.endpoint,
  S3_BUCKET: bucket,
  S3_PREFIX: PREFIX,
  S3_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
});

function runDemo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // What `npm run demo` runs once the API and worker are built (the test target builds them).
    const child = spawn(
      join(REPO, 'node_modules', '.bin', 'tsx'),
      [
        '--conditions=development',
        join(REPO, 'apps', 'cli', 'src', 'demo', 'main.ts'),
        '--out',
        join(out, 'report.html'),
      ],
      { env: { PATH: process.env.PATH ?? '', ...s3Env() }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run demo', () => {
  it('runs a real search on the zoo, prints the table and writes the report', async () => {
    const run = await runDemo();
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({
      code: 0,
      stderr: '',
    });
    const table = await readReadmeTable(REPO);
    for (const row of table)
      expect(run.stdout).toMatch(new RegExp(`^${row.base} .* ${row.bestSaver} `, 'm'));
    expect(run.stdout).toMatch(/^linear .* — /m); // the cheapest model has no saver
    expect(run.stderr).toMatch(/Search s-\S+: every model a base/);
    expect(run.stderr).toMatch(/56 records, 0 reused/);
    expect(await readFile(join(out, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it('reuses every stored record the second time', async () => {
    const run = await runDemo();
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/56 records, 56 reused: no inference needed/);
  });
});

describe('a search through REST', () => {
  let client: FarmClient;
  let results: SearchResultsDocument;
  let spec: SearchSpec;

  beforeAll(async () => {
    const key = `e2e-${randomBytes(16).toString('hex')}`;
    const port = await freePort();
    apps.push(startApp(appMain('api'), { ...s3Env(), API_KEYS: `e2e:${key}`, PORT: String(port) }));
    apps.push(startApp(appMain('worker'), { ...s3Env(), SEARCH_POLL_MS: '200' }));
    client = new FarmClient({ api: `http://127.0.0.1:${port}`, key });
    for (let i = 0; !(await client.healthy()); i++) {
      if (i > 300) throw new Error('API did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it('registers the zoo and completes a search over every model', async () => {
    const zoo = await readZoo();
    await registerZoo(client, { client: s3.client, bucket, folder: `${PREFIX}/e2e` }, zoo);
    const started = await client.startSearch({
      bases: zoo.map((m) => m.name),
      selection: 'selection',
      evaluation: 'evaluation',
    });
    const view = await searchEnded(client, started.id);
    expect(view.status).toBe('completed');
    results = await client.results(started.id);
    // The demo's records serve this tenant too: same files, same shards, same content keys.
    expect(results.records).toEqual({ needed: 56, reused: 56 });
    spec = JSON.parse(
      await (
        await s3.client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: new FarmLayout(PREFIX).searchKey('e2e', started.id, 'search'),
          }),
        )
      ).Body!.transformToString(),
    ) as SearchSpec;
  });

  it('equals libs/cascade applied to the records directly', async () => {
    const layout = new FarmLayout(PREFIX);
    const read = async (key: string) =>
      (
        await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      ).Body!.transformToByteArray();
    const full = spec;
    const sources = full.models.map((m) => ({
      name: m.name,
      sha256: m.sha256,
      preprocess: canonicalPreprocess(m.preprocess),
      macs: m.macs,
    }));
    const [selection, evaluation] = await Promise.all(
      [full.selection, full.evaluation].map((d) =>
        loadSplitOutcomes(read, layout, sources, {
          name: d.name,
          shards: d.shards.map((s) => ({ id: s.id, etag: s.etag })),
        }),
      ),
    );
    const report = buildSearchReport({
      bases: full.plan.map((p) => ({ name: p.base, savers: p.savers })),
      outcomes: new Map(
        full.models.map((m) => [
          m.name,
          { selection: selection.get(m.name)!, evaluation: evaluation.get(m.name)! },
        ]),
      ),
      budgets: full.request.budgets,
      topK: full.request.topK,
      chains: full.request.chains,
      bootstrap: results.bootstrap,
    });
    expect(results.bases).toEqual(JSON.parse(JSON.stringify(report.bases)));
  });

  it('finds the best saver, ΔC and thresholds of the zoo README’s table', async () => {
    const table = await readReadmeTable(REPO);
    expect(table.map((r) => r.base)).toEqual(results.bases.slice(1).map((b) => b.model));
    for (const row of table) {
      const base = results.bases.find((b) => b.model === row.base)!;
      const best = base.savers[0];
      expect([row.base, best.model]).toEqual([row.base, row.bestSaver]);
      // The table prints ΔC to 3 decimals, savings to 1 and drops to 2: equal at that precision.
      expect([row.base, best.deltaC.toFixed(3)]).toEqual([row.base, row.deltaC.toFixed(3)]);
      for (const expected of row.budgets) {
        const budget = best.budgets.find((b) => b.drop === expected.drop)!;
        expect([row.base, expected.drop, budget.threshold]).toEqual([
          row.base,
          expected.drop,
          expected.threshold,
        ]);
        expect([
          (100 * (1 - budget.evaluation.relativeCost)).toFixed(1),
          budget.evaluation.accuracyDrop.toFixed(2),
        ]).toEqual([expected.savedTest.toFixed(1), expected.dropTest.toFixed(2)]);
      }
    }
  });
});
