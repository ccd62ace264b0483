// `tinysaver <command> [options]`. Each command module exports `run(args)` resolving to the
// process exit code, so commands stay testable without spawning a process.
import { runPack } from './commands/pack';
import { runProfile } from './commands/profile';

const commands: Record<string, (args: string[]) => Promise<number>> = {
  pack: runPack,
  profile: runProfile,
};

const usage = `Usage: tinysaver <command> [options]

Commands:
  pack <dir> <out> [--shard-size N] [--name NAME] [--no-gzip] [--to s3://bucket/prefix]
                   ImageFolder tree -> WebDataset shards + manifest
  profile <model.onnx> [--input-size C,H,W] [--json]
                   MACs, FLOPs and parameters of an ONNX classifier

Run 'tinysaver <command> --help' for a command's options.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(usage);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
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
