// `npm run start:api`: reads the environment once, then serves the REST API until SIGTERM.
// `--check-config` only validates the environment and names the variables it reads.
import { answerConfigCheckIfAsked, ConfigError } from '@tinysaver/farm-config';
import { readApiConfig } from './config/api-config';
import { createApp } from './create-app';

async function main(): Promise<void> {
  answerConfigCheckIfAsked('api', readApiConfig);
  let config;
  try {
    config = readApiConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  process.stdout.write(
    `${JSON.stringify({ level: 'info', message: 'api listening', url: await app.getUrl() })}\n`,
  );
}

void main().catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'error', message: 'api failed to start', error: (error as Error)?.stack ?? String(error) })}\n`,
  );
  process.exit(1);
});
