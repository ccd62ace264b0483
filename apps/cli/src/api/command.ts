// Runs one API command: help, subcommand dispatch, the connection (read once), and the mapping of
// whatever it throws to an exit code with one line on stderr.
import type { Connection } from './connection';
import { readConnection } from './connection';
import { classifyError, ExitCode } from './exit-codes';
import type { CliIo, FarmApi } from './io';

export interface CommandContext {
  readonly io: CliIo;
  /** Reads --api/--key (or the environment) and returns the client. Call it once. */
  connect(flags: { readonly api?: string; readonly key?: string }): FarmApi;
  /** The --json document: one, pretty-printed, and nothing else on stdout. */
  json(document: unknown): void;
}

export type Handler = (args: readonly string[], ctx: CommandContext) => Promise<number>;

const wantsHelp = (args: readonly string[]) => args.includes('--help') || args.includes('-h');

/** Runs `handler` and turns what it throws into an exit code and a line on stderr. */
export async function runHandled(
  name: string,
  io: CliIo,
  handler: (ctx: CommandContext) => Promise<number>,
): Promise<number> {
  let connection: Connection | undefined;
  const ctx: CommandContext = {
    io,
    connect(flags) {
      connection = readConnection(flags, io.env);
      return io.connect(connection);
    },
    json: (document) => io.out(JSON.stringify(document, null, 2)),
  };
  try {
    return await handler(ctx);
  } catch (error) {
    const { exitCode, message } = classifyError(error, connection?.api);
    const hint =
      exitCode === ExitCode.Usage
        ? `\nRun '${name.split(' ').slice(0, 2).join(' ')} --help' for the options.`
        : '';
    io.err(`${name}: ${message}${hint}`);
    return exitCode;
  }
}

/** `tinysaver <group> <subcommand> …`: dispatches to the subcommand's handler. */
export function runGroup(
  group: string,
  usage: string,
  subcommands: Readonly<Record<string, Handler>>,
  args: readonly string[],
  io: CliIo,
): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined) {
    io.err(usage);
    return Promise.resolve(ExitCode.Usage);
  }
  if (sub === 'help' || wantsHelp([sub]) || (Object.hasOwn(subcommands, sub) && wantsHelp(rest))) {
    io.out(usage);
    return Promise.resolve(ExitCode.Ok);
  }
  if (!Object.hasOwn(subcommands, sub)) {
    io.err(`tinysaver ${group}: unknown subcommand '${sub}'.\n\n${usage}`);
    return Promise.resolve(ExitCode.Usage);
  }
  const handler = subcommands[sub];
  return runHandled(`tinysaver ${group} ${sub}`, io, (ctx) => handler(rest, ctx));
}
