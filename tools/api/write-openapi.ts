// Writes apps/api/openapi.json from the code (`npm run openapi`). The API's tests fail while the
// committed file differs from what this writes (apps/api/src/docs/openapi-document.spec.ts).
//
//   npm run openapi        (= tsx --conditions=development tools/api/write-openapi.ts)
//
// tsx drops decorator metadata, so this imports only the pure document builder, never Nest.
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { format, resolveConfig } from 'prettier';
// The API is an application, not a library: its document builder is reached into on purpose.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { buildOpenApiDocument } from '../../apps/api/src/docs/openapi-document';

const TARGET = join(__dirname, '..', '..', 'apps', 'api', 'openapi.json');

async function main(): Promise<void> {
  // Formatted as the workspace's prettier formats JSON, so `prettier --check` agrees with it.
  const config = (await resolveConfig(TARGET)) ?? {};
  const text = await format(JSON.stringify(buildOpenApiDocument(), null, 2), {
    ...config,
    filepath: TARGET,
  });
  const before = await readFile(TARGET, 'utf8').catch(() => undefined);
  const where = relative(process.cwd(), TARGET);
  if (before === text) {
    process.stdout.write(`${where} is up to date\n`);
    return;
  }
  await writeFile(TARGET, text);
  process.stdout.write(`wrote ${where}\n`);
}

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
