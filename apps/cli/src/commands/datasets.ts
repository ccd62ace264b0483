// `tinysaver datasets add|list|show`: register WebDataset shards already in the farm's bucket.
import { expectPositionals, parseCommand, parseInteger } from '../api/args';
import { runGroup, type CommandContext } from '../api/command';
import { ExitCode, UsageError } from '../api/exit-codes';
import { processIo, type CliIo } from '../api/io';
import { datasetsTable, formatDataset } from '../api/views';

export const datasetsUsage = `Usage: tinysaver datasets <add|list|show> [options]

  datasets add <name> --uri s3://bucket/prefix [--classes N]
      Registers the .tar/.tar.gz shards directly under the prefix (checked against its
      manifest.json when there is one; 'tinysaver pack --to' writes both). --classes: the
      number of classes when there is no manifest.
  datasets list                    every dataset of your tenant
  datasets show <name>             one dataset

  --api URL    the API (or TINYSAVER_API; default http://127.0.0.1:8080)
  --key KEY    your tenant's API key (or TINYSAVER_KEY)
  --json       print the API's JSON document on stdout, nothing else
  -h, --help   show this help`;

async function add(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    uri: { type: 'string' },
    classes: { type: 'string' },
  });
  expectPositionals(positionals, ['<name>']);
  if (values.uri === undefined) throw new UsageError('--uri s3://bucket/prefix is required.');
  const numClasses =
    values.classes === undefined ? undefined : parseInteger(values.classes, '--classes', 2);
  const doc = await ctx
    .connect(values)
    .registerDataset({ name: positionals[0], uri: values.uri, numClasses });
  if (values.json === true) ctx.json(doc);
  else ctx.io.out(formatDataset(doc));
  return ExitCode.Ok;
}

async function list(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand(args, {});
  expectPositionals(positionals, []);
  const datasets = await ctx.connect(values).datasets();
  if (values.json === true) ctx.json({ datasets });
  else
    ctx.io.out(
      datasets.length === 0 ? 'No datasets yet: tinysaver datasets add …' : datasetsTable(datasets),
    );
  return ExitCode.Ok;
}

async function show(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand(args, {});
  expectPositionals(positionals, ['<name>']);
  const doc = await ctx.connect(values).dataset(positionals[0]);
  if (values.json === true) ctx.json(doc);
  else ctx.io.out(formatDataset(doc));
  return ExitCode.Ok;
}

export function datasetsCommand(args: readonly string[], io: CliIo): Promise<number> {
  return runGroup('datasets', datasetsUsage, { add, list, show }, args, io);
}

export function runDatasets(args: string[]): Promise<number> {
  return datasetsCommand(args, processIo());
}
