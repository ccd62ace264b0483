// `tinysaver <command> [options]`. Each command module exports `run(args)` resolving to the
// process exit code, so commands stay testable without spawning a process. Commands load on
// first use: `tinysaver search …` does not load the AWS SDK that `pack` needs.
import { USAGE_EXIT_CODES } from './api/exit-codes';

const commands: Record<string, (args: string[]) => Promise<number>> = {
  models: async (args) => (await import('./commands/models.js')).runModels(args),
  datasets: async (args) => (await import('./commands/datasets.js')).runDatasets(args),
  search: async (args) => (await import('./commands/search.js')).runSearch(args),
  report: async (args) => (await import('./commands/report.js')).runReport(args),
  pack: async (args) => (await import('./commands/pack.js')).runPack(args),
  profile: async (args) => (await import('./commands/profile.js')).runProfile(args),
};

const usage = `Usage: tinysaver <command> [options]

Farm commands (REST API; --api URL or TINYSAVER_API, --key KEY or TINYSAVER_KEY, --json):
  models add|list|show      register models (--uri s3://… or --file model.onnx), see their profile
  datasets add|list|show    register WebDataset shards already in the farm's bucket
  search start|status|list|results|cancel
                            run a TinySaver search, follow it (--watch), read its results
  report <id> [--out FILE]  write a completed search's HTML report

Local commands:
  pack <dir> <out> [--shard-size N] [--name NAME] [--no-gzip] [--to s3://bucket/prefix]
                   ImageFolder tree -> WebDataset shards + manifest
  profile <model.onnx> [--input-size C,H,W] [--json]
                   MACs, FLOPs and parameters of an ONNX classifier

${USAGE_EXIT_CODES}

Run 'tinysaver <command> --help' for a command's options.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(usage);
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    console.error(`tinysaver: unknown command '${name}'.\n\n${usage}`);
    return 2;
  }
  return command(args);
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`tinysaver: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
