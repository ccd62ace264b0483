// `tinysaver search start|status|list|results|cancel`: run TinySaver searches and read them.
import type { SearchRequestBody } from '@tinysaver/client';
import type { SearchView } from '@tinysaver/contracts';
import {
  expectPositionals,
  parseCommand,
  parseInteger,
  parseList,
  parseNumberList,
} from '../api/args';
import { runGroup, type CommandContext } from '../api/command';
import { ExitCode, UsageError } from '../api/exit-codes';
import { processIo, type CliIo, type FarmApi } from '../api/io';
import { formatResults } from '../api/results-table';
import { formatSearch, searchesTable } from '../api/views';
import { watchSearch } from '../api/watch';

export const searchUsage = `Usage: tinysaver search <start|status|list|results|cancel> [options]

  search start --bases a,b --selection DATASET --evaluation DATASET
               [--savers x,y | --savers all-cheaper] [--budgets 0.01,0.5,1] [--top-k 5]
               [--chains] [--watch]
      Starts a search: for every base, rank the cheaper savers by ΔC on the selection split
      and pick a threshold per accuracy-drop budget (points), read on the evaluation split.
      --watch: follow it like 'search status --watch'.
  search status <id> [--watch]
      Its state (exit 1 when it failed or was cancelled). --watch: a progress bar on stderr
      (plain lines when stderr is not a terminal) until it completes, fails or is cancelled.
  search list                      every search of your tenant
  search results <id>              per base: MACs, accuracy on both splits, the best saver,
                                   its ΔC and, per budget, τ, compute saved and accuracy drop
  search cancel <id>               stops a queued or running search

  --api URL    the API (or TINYSAVER_API; default http://127.0.0.1:8080)
  --key KEY    your tenant's API key (or TINYSAVER_KEY)
  --json       print the API's JSON document on stdout, nothing else (with --watch: the
               search as it ended)
  -h, --help   show this help`;

const START_OPTIONS = {
  bases: { type: 'string' },
  savers: { type: 'string' },
  selection: { type: 'string' },
  evaluation: { type: 'string' },
  budgets: { type: 'string' },
  'top-k': { type: 'string' },
  chains: { type: 'boolean' },
  watch: { type: 'boolean' },
} as const;

/** The request body from `search start`'s flags; what is not given keeps the API's default. */
export function searchRequestFromFlags(flags: {
  readonly bases?: string;
  readonly savers?: string;
  readonly selection?: string;
  readonly evaluation?: string;
  readonly budgets?: string;
  readonly 'top-k'?: string;
  readonly chains?: boolean;
}): SearchRequestBody {
  const missing = (['bases', 'selection', 'evaluation'] as const).filter(
    (f) => flags[f] === undefined,
  );
  if (missing.length > 0) {
    throw new UsageError(`search start needs --${missing.join(', --')}.`);
  }
  const savers =
    flags.savers === undefined
      ? undefined
      : flags.savers.trim() === 'all-cheaper'
        ? ('all-cheaper' as const)
        : parseList(flags.savers, '--savers');
  return {
    bases: parseList(flags.bases!, '--bases'),
    ...(savers === undefined ? {} : { savers }),
    selection: flags.selection!,
    evaluation: flags.evaluation!,
    ...(flags.budgets === undefined
      ? {}
      : { budgets: parseNumberList(flags.budgets, '--budgets') }),
    ...(flags['top-k'] === undefined ? {} : { topK: parseInteger(flags['top-k'], '--top-k', 1) }),
    ...(flags.chains === true ? { chains: true } : {}),
  };
}

/** Exit code of a search's state: 1 once it failed or was cancelled. */
export function searchExitCode(view: Pick<SearchView, 'status'>): number {
  return view.status === 'failed' || view.status === 'cancelled' ? ExitCode.Failed : ExitCode.Ok;
}

/** Prints a search (JSON or details) and, when it ended badly, why on stderr. */
function report(ctx: CommandContext, view: SearchView, json: boolean): number {
  if (json) ctx.json(view);
  else ctx.io.out(formatSearch(view));
  const code = searchExitCode(view);
  if (code !== ExitCode.Ok) {
    const why = view.error ? `: [${view.error.code}] ${view.error.message}` : '';
    ctx.io.err(`tinysaver search: search ${view.id} ${view.status}${why}`);
  }
  return code;
}

async function follow(
  client: FarmApi,
  view: SearchView,
  ctx: CommandContext,
  json: boolean,
): Promise<number> {
  const ended = await watchSearch(client, view.id, ctx.io, view);
  const code = report(ctx, ended, json);
  if (!json && ended.status === 'completed') {
    ctx.io.err(
      `Results: tinysaver search results ${ended.id}   Report: tinysaver report ${ended.id}`,
    );
  }
  return code;
}

async function start(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand(args, START_OPTIONS);
  expectPositionals(positionals, []);
  const body = searchRequestFromFlags(values);
  const client = ctx.connect(values);
  const json = values.json === true;
  const view = await client.startSearch(body);
  if (values.watch === true) return follow(client, view, ctx, json);
  if (json) ctx.json(view);
  else {
    ctx.io.out(formatSearch(view));
    ctx.io.err(`Follow it: tinysaver search status ${view.id} --watch`);
  }
  return ExitCode.Ok;
}

async function status(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand(args, { watch: { type: 'boolean' } });
  expectPositionals(positionals, ['<id>']);
  const client = ctx.connect(values);
  const view = await client.search(positionals[0]);
  if (values.watch === true) return follow(client, view, ctx, values.json === true);
  return report(ctx, view, values.json === true);
}

async function list(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand(args, {});
  expectPositionals(positionals, []);
  const searches = await ctx.connect(values).searches();
  if (values.json === true) ctx.json({ searches });
  else
    ctx.io.out(
      searches.length === 0 ? 'No searches yet: tinysaver search start …' : searchesTable(searches),
    );
  return ExitCode.Ok;
}

async function results(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand(args, {});
  expectPositionals(positionals, ['<id>']);
  const doc = await ctx.connect(values).results(positionals[0]);
  if (values.json === true) ctx.json(doc);
  else ctx.io.out(formatResults(doc));
  return ExitCode.Ok;
}

async function cancel(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand(args, {});
  expectPositionals(positionals, ['<id>']);
  const view = await ctx.connect(values).cancelSearch(positionals[0]);
  if (values.json === true) ctx.json(view);
  else ctx.io.out(`Search ${view.id}: ${view.status}.`);
  return ExitCode.Ok;
}

export function searchCommand(args: readonly string[], io: CliIo): Promise<number> {
  return runGroup('search', searchUsage, { start, status, list, results, cancel }, args, io);
}

export function runSearch(args: string[]): Promise<number> {
  return searchCommand(args, processIo());
}
