// `tinysaver profile <model.onnx> [--input-size C,H,W] [--json]`: MACs, FLOPs and parameters of
// an ONNX classifier. The counting lives in @tinysaver/profiler (pure); this file does the I/O.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { OnnxProfile } from '@tinysaver/profiler';
import { ProfilerError, profileOnnx } from '@tinysaver/profiler';

const usage = `Usage: tinysaver profile <model.onnx> [--input-size C,H,W] [--json]

  --input-size C,H,W  image size, needed when the model leaves it symbolic (e.g. 3,224,224)
  --json              print the full profile as JSON
  -h, --help          show this help`;

/** Thrown for a bad command line; printed as one sentence with exit code 2. */
class UsageError extends Error {}

function parseInputSize(text: string): [number, number, number] {
  const parts = text.split(',').map((p) => p.trim());
  const dims = parts.map(Number);
  if (dims.length !== 3 || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new UsageError(
      `--input-size must be three positive integers C,H,W (e.g. 3,224,224), got '${text}'.`,
    );
  }
  return dims as [number, number, number];
}

function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(3)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(3)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(3)} K`;
  return String(n);
}

function table(rows: string[][], rightAligned: boolean[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (rightAligned[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
        .join('  '),
    )
    .join('\n');
}

export function formatProfile(file: string, p: OnnxProfile): string {
  const shape = (s: (number | string | null)[] | null) =>
    s ? `[${s.map((d) => (d === null ? '?' : String(d))).join(', ')}]` : 'unknown';
  const lines = [
    `${file} (opset ${p.opset}${p.producer ? `, ${p.producer}` : ''})`,
    `input   ${p.inputs.map((i) => `${i.name} ${shape(i.shape)}`).join(', ')}`,
    `output  ${p.outputs.map((o) => `${o.name} ${shape(o.shape ?? o.declaredShape)}`).join(', ')}`,
    `MACs    ${human(p.macs)} (${p.macs.toLocaleString('en-US')}) per image`,
    `FLOPs   ${human(p.flops)} (${p.flops.toLocaleString('en-US')}) per image`,
    `params  ${human(p.params)} (${p.params.toLocaleString('en-US')})`,
    '',
  ];
  const ops = Object.entries(p.byOp).sort(([, a], [, b]) => b.macs - a.macs || b.flops - a.flops);
  const totalMacs = p.macs || 1;
  lines.push(
    table(
      [
        ['op', 'count', 'MACs', 'FLOPs', '% MACs'],
        ...ops.map(([op, t]) => [
          op,
          String(t.count),
          human(t.macs),
          human(t.flops),
          `${((100 * t.macs) / totalMacs).toFixed(1)}%`,
        ]),
      ],
      [false, true, true, true, true],
    ),
  );
  if (p.unsupported.length > 0) {
    lines.push('', 'Not counted (totals are lower bounds):');
    for (const u of p.unsupported) {
      lines.push(`  ${u.domain ? `${u.domain}.` : ''}${u.opType} x${u.count}: ${u.reason}`);
    }
  }
  return lines.join('\n');
}

export async function runProfile(
  args: string[],
  /** The profiler; tests inject one that fails unexpectedly. */
  profile: typeof profileOnnx = profileOnnx,
): Promise<number> {
  let file: string;
  let inputSize: [number, number, number] | undefined;
  let json: boolean;
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'input-size': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    if (positionals.length !== 1) {
      throw new UsageError(
        positionals.length === 0
          ? 'tinysaver profile needs one model file: tinysaver profile <model.onnx>.'
          : `tinysaver profile takes one model file, got ${positionals.length}: ${positionals.join(' ')}.`,
      );
    }
    file = positionals[0];
    json = values.json;
    inputSize =
      values['input-size'] === undefined ? undefined : parseInputSize(values['input-size']);
  } catch (error) {
    // parseArgs throws TypeError with code ERR_PARSE_ARGS_* for unknown options and missing values.
    const message = error instanceof Error ? error.message : String(error);
    console.error(`tinysaver profile: ${message} Run 'tinysaver profile --help' for usage.`);
    return 2;
  }

  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : (error as Error).message;
    console.error(
      `tinysaver profile: cannot read '${file}' (${reason}): pass the path of an .onnx file.`,
    );
    return 1;
  }

  try {
    const result = profile(bytes, inputSize ? { inputSize } : {});
    console.log(json ? JSON.stringify(result, null, 2) : formatProfile(file, result));
    return 0;
  } catch (error) {
    if (error instanceof ProfilerError) {
      console.error(`tinysaver profile: ${file}: ${error.message} [${error.code}]`);
      return 1;
    }
    // Any other error is a profiler bug (every bad model should be a ProfilerError): say so in
    // one line instead of a stack trace, and ask for the model that triggers it.
    const message = error instanceof Error ? error.message : String(error);
    console.error(
      `tinysaver profile: ${file}: internal error (${message}); please report it with the model.`,
    );
    return 1;
  }
}
