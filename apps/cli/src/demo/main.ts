// `npm run demo`: runs from the sources (tsx, development conditions) because it starts the
// farm with the test harnesses (s3rver, a private Redis), which are not part of any build.
import { runDemo } from './demo';

runDemo(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(
      `demo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 1;
  },
);
