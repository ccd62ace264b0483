// `tinysaver demo` (`npm run demo`): a real TinySaver search over the bundled zoo, end to end
// through the public API, on Redis and S3 found or started here. A second run finds the records
// stored by the first (kept under .demo/) and finishes in seconds.
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FarmClient } from '@tinysaver/client';
import type { SearchResultsDocument } from '@tinysaver/contracts';
import { DemoSetupError, startDemoFarm, type DemoFarm } from './demo-farm';
import { registerZoo, REPO } from './demo-zoo';
import { processIo } from '../api/io';
import { resultsTable } from '../api/results-table';
import { watchSearch } from '../api/watch';

const USAGE = `Usage: npm run demo [-- --out report.html]

Starts what is missing (Redis, an embedded S3 server with its data in .demo/), the API and a
worker, registers the bundled zoo through the API, runs a search with every model as a base and
all cheaper savers, prints the results and writes the HTML report. Uses REDIS_URL and
S3_ENDPOINT/S3_BUCKET when they are set.`;

const say = (line: string) => process.stderr.write(`${line}\n`);

export async function runDemo(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const outAt = args.indexOf('--out');
  const out = resolve(outAt >= 0 && args[outAt + 1] ? args[outAt + 1] : 'report.html');
  if (args.some((a, i) => a.startsWith('-') && a !== '--out' && i !== outAt + 1)) {
    console.error(USAGE);
    return 2;
  }
  const startedAt = Date.now();
  say('TinySaver Farm demo: a real search over the bundled zoo (7 models, Fashion-MNIST).');
  let farm: DemoFarm | undefined;
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    say('\nStopping what the demo started…');
    void (farm?.stop() ?? Promise.resolve()).then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    farm = await startDemoFarm(process.env, join(REPO, '.demo'), say);
    const client = new FarmClient({ api: farm.api, key: farm.key });
    const zoo = await registerZoo(client, farm, say);
    const search = await client.startSearch({
      bases: zoo.models.map((m) => m.name),
      savers: 'all-cheaper',
      selection: zoo.selection,
      evaluation: zoo.evaluation,
    });
    say(
      `Search ${search.id}: every model a base with all cheaper savers; τ chosen on ${zoo.selection}, reported on ${zoo.evaluation}.`,
    );
    const searchStart = Date.now();
    const done = await watchSearch(client, search.id, { ...processIo(), pollMs: 500 }, search);
    if (done.status !== 'completed') {
      say(
        `The search ended ${done.status}: ${done.error ? `[${done.error.code}] ${done.error.message}` : ''}`,
      );
      return 1;
    }
    const results: SearchResultsDocument = await client.results(search.id);
    console.log(resultsTable(results));
    await writeFile(out, await client.report(search.id));
    const reused = results.records.reused === results.records.needed;
    say(
      `Search finished in ${Math.round((Date.now() - searchStart) / 1000)} s (${results.records.needed} records, ${results.records.reused} reused${reused ? ': no inference needed' : ''}); whole demo ${Math.round((Date.now() - startedAt) / 1000)} s.`,
    );
    say(`Report: ${out}`);
    return 0;
  } catch (error) {
    if (interrupted) return 130;
    if (error instanceof DemoSetupError) {
      say(`demo: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!interrupted) await farm?.stop();
  }
}
