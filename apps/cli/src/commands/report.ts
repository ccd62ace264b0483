// `tinysaver report <id> [--out report.html]`: the search's self-contained HTML report.
import { expectPositionals, parseCommand } from '../api/args';
import { runHandled } from '../api/command';
import { ExitCode, OutcomeError, UsageError } from '../api/exit-codes';
import { processIo, type CliIo } from '../api/io';

export const reportUsage = `Usage: tinysaver report <id> [--out FILE]

Fetches the completed search's self-contained HTML report and writes it to FILE (default
report-<id>.html; '-' writes it to stdout).

  --api URL    the API (or TINYSAVER_API; default http://127.0.0.1:8080)
  --key KEY    your tenant's API key (or TINYSAVER_KEY)
  --json       print {"id", "file", "bytes"} on stdout instead of a sentence
  -h, --help   show this help`;

export function reportCommand(args: readonly string[], io: CliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(reportUsage);
    return Promise.resolve(ExitCode.Ok);
  }
  return runHandled('tinysaver report', io, async (ctx) => {
    const { values, positionals } = parseCommand(args, { out: { type: 'string' } });
    expectPositionals(positionals, ['<id>']);
    const [id] = positionals;
    const file = values.out ?? `report-${id}.html`;
    if (file === '-' && values.json === true) {
      throw new UsageError('--out - writes the HTML to stdout; leave out --json there.');
    }
    const html = await ctx.connect(values).report(id);
    if (file === '-') {
      io.out(html);
      return ExitCode.Ok;
    }
    try {
      await io.writeFile(file, html);
    } catch (error) {
      throw new OutcomeError(`cannot write '${file}': ${(error as Error).message}`);
    }
    const bytes = Buffer.byteLength(html);
    if (values.json === true) ctx.json({ id, file, bytes });
    else io.out(`Wrote ${file} (${bytes.toLocaleString('en-US')} bytes).`);
    return ExitCode.Ok;
  });
}

export function runReport(args: string[]): Promise<number> {
  return reportCommand(args, processIo());
}
