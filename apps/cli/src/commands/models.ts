// `tinysaver models add|list|show`: register models (by S3 URI, or by presigned upload of a local
// file), wait for their profile, list them.
import type { ModelView } from '@tinysaver/contracts';
import { expectPositionals, parseCommand, parseInteger, parseList, parseNumber } from '../api/args';
import { runGroup, type CommandContext } from '../api/command';
import { ExitCode, OutcomeError, UsageError } from '../api/exit-codes';
import { processIo, type CliIo } from '../api/io';
import { formatModel, modelsTable } from '../api/views';
import { waitForModel } from '../api/watch';

export const modelsUsage = `Usage: tinysaver models <add|list|show> [options]

  models add <name> (--uri s3://bucket/prefix/model.onnx | --file model.onnx)
             (--preprocess JSON | --input-size C,H,W [--mean a,b,c] [--std a,b,c]
              [--crop-pct F] [--interpolation bilinear|bicubic|nearest] [--channels RGB|BGR|L]
              [--layout NCHW|NHWC]) [--wait]
      Registers a model. --uri: an object already inside the farm's bucket and prefix.
      --file: registers without a URI, uploads the file to the presigned URL the API returns
      and waits until the API has taken it (status profiling). --wait: then waits until the
      worker's profile is done (ready) or failed (invalid: exit 1).
  models list                      every model of your tenant
  models show <name>               one model (exit 1 when it is invalid)

  --api URL    the API (or TINYSAVER_API; default http://127.0.0.1:8080)
  --key KEY    your tenant's API key (or TINYSAVER_KEY)
  --json       print the API's JSON document on stdout, nothing else
  -h, --help   show this help`;

/** How long an uploaded file may take to show up as registered (one read normally does it). */
const UPLOAD_REGISTER_MS = 60_000;

const ADD_OPTIONS = {
  uri: { type: 'string' },
  file: { type: 'string' },
  preprocess: { type: 'string' },
  'input-size': { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  'crop-pct': { type: 'string' },
  interpolation: { type: 'string' },
  channels: { type: 'string' },
  layout: { type: 'string' },
  wait: { type: 'boolean' },
} as const;

type PreprocessFlags = Partial<
  Record<
    | 'preprocess'
    | 'input-size'
    | 'mean'
    | 'std'
    | 'crop-pct'
    | 'interpolation'
    | 'channels'
    | 'layout',
    string
  >
>;

/** The `preprocess` body from --preprocess JSON or from the individual flags (never both). */
export function preprocessFromFlags(flags: PreprocessFlags): Record<string, unknown> {
  const individual = (
    ['input-size', 'mean', 'std', 'crop-pct', 'interpolation', 'channels', 'layout'] as const
  ).filter((f) => flags[f] !== undefined);
  if (flags.preprocess !== undefined) {
    if (individual.length > 0) {
      throw new UsageError(
        `--preprocess already gives the whole preprocessing; drop --${individual.join(', --')} or put them in the JSON.`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(flags.preprocess);
    } catch (error) {
      throw new UsageError(`--preprocess is not JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError(
        '--preprocess takes a JSON object, e.g. \'{"inputSize":[3,224,224],"cropPct":0.95}\'.',
      );
    }
    return parsed as Record<string, unknown>;
  }
  if (flags['input-size'] === undefined) {
    throw new UsageError(
      "give the model's preprocessing: --input-size C,H,W [--mean … --std … --crop-pct …] or --preprocess JSON.",
    );
  }
  const inputSize = parseList(flags['input-size'], '--input-size').map((d) =>
    parseInteger(d, '--input-size', 1),
  );
  if (inputSize.length !== 3) {
    throw new UsageError(
      `--input-size takes three whole numbers C,H,W (e.g. 3,224,224), got '${flags['input-size']}'.`,
    );
  }
  const numbers = (flag: 'mean' | 'std') =>
    flags[flag] === undefined
      ? undefined
      : parseList(flags[flag], `--${flag}`).map((v) => parseNumber(v, `--${flag}`));
  const body: Record<string, unknown> = { inputSize };
  const mean = numbers('mean');
  const std = numbers('std');
  if (mean) body.mean = mean;
  if (std) body.std = std;
  if (flags['crop-pct'] !== undefined) body.cropPct = parseNumber(flags['crop-pct'], '--crop-pct');
  if (flags.interpolation !== undefined) body.interpolation = flags.interpolation;
  if (flags.channels !== undefined) body.channels = flags.channels;
  if (flags.layout !== undefined) body.layout = flags.layout;
  return body;
}

async function readModelFile(io: CliIo, file: string): Promise<Uint8Array> {
  try {
    return await io.readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String(code);
    throw new UsageError(`cannot read --file '${file}' (${why}); pass the path of an .onnx file.`);
  }
}

/** Prints a model (JSON or details) and says why it is invalid; exit 1 when it is. */
function report(ctx: CommandContext, view: ModelView, json: boolean): number {
  if (json) ctx.json(view);
  else ctx.io.out(formatModel(view));
  if (view.status !== 'invalid') return ExitCode.Ok;
  const why = view.reason ? `[${view.reason.code}] ${view.reason.message}` : 'no reason given';
  ctx.io.err(`tinysaver models: model '${view.name}' is invalid: ${why}`);
  return ExitCode.Failed;
}

async function add(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand(args, ADD_OPTIONS);
  expectPositionals(positionals, ['<name>']);
  const [name] = positionals;
  if ((values.uri === undefined) === (values.file === undefined)) {
    throw new UsageError(
      'give exactly one of --uri s3://… (already uploaded) or --file model.onnx.',
    );
  }
  const preprocess = preprocessFromFlags(values);
  const client = ctx.connect(values);
  const json = values.json === true;
  const bytes = values.file === undefined ? undefined : await readModelFile(ctx.io, values.file);

  let view = await client.registerModel({ name, uri: values.uri, preprocess });
  if (bytes !== undefined) {
    if (!view.upload) {
      throw new OutcomeError(
        `the API registered '${name}' but gave no upload URL (status ${view.status}).`,
      );
    }
    if (!json)
      ctx.io.err(`Uploading ${values.file} (${bytes.length.toLocaleString('en-US')} bytes)…`);
    try {
      await client.uploadModel(view.upload, bytes);
    } catch (error) {
      ctx.io.err(
        `tinysaver models add: '${name}' stays registered, awaiting its file; 'tinysaver models show ${name} --json' gives a fresh upload URL.`,
      );
      throw error;
    }
    const deadline = ctx.io.now() + UPLOAD_REGISTER_MS;
    view = await waitForModel(client, name, ctx.io, (status) => {
      if (status === 'awaiting-upload' && ctx.io.now() > deadline) {
        throw new OutcomeError(
          `the file was uploaded but '${name}' still awaits it after ${UPLOAD_REGISTER_MS / 1000} s; check with 'tinysaver models show ${name}'.`,
        );
      }
      return status === 'awaiting-upload';
    });
  }
  if (values.wait === true) {
    view = await waitForModel(client, name, ctx.io, (s) => s === 'profiling', view);
  }
  return report(ctx, view, json);
}

async function list(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand(args, {});
  expectPositionals(positionals, []);
  const models = await ctx.connect(values).models();
  if (values.json === true) ctx.json({ models });
  else
    ctx.io.out(models.length === 0 ? 'No models yet: tinysaver models add …' : modelsTable(models));
  return ExitCode.Ok;
}

async function show(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand(args, {});
  expectPositionals(positionals, ['<name>']);
  const view = await ctx.connect(values).model(positionals[0]);
  return report(ctx, view, values.json === true);
}

export function modelsCommand(args: readonly string[], io: CliIo): Promise<number> {
  return runGroup('models', modelsUsage, { add, list, show }, args, io);
}

export function runModels(args: string[]): Promise<number> {
  return modelsCommand(args, processIo());
}
