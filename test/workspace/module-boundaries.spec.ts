// The pure library's boundary is enforced by lint, not by convention: each banned import or
// global placed in libs/cascade must fail, and the same code elsewhere must pass.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

interface LintMessage {
  rule: string | null;
  message: string;
}

const root = join(__dirname, '..', '..');
const inCascade = 'libs/cascade/src/lib/boundary-probe.ts';
const elsewhere = 'test/workspace/boundary-probe.ts';

const banned: [string, string][] = [
  ["import { Injectable } from '@nestjs/common';", 'Injectable'],
  ["import { Queue } from 'bullmq';", 'Queue'],
  ["import Redis from 'ioredis';", 'Redis'],
  ["import { InferenceSession } from 'onnxruntime-node';", 'InferenceSession'],
  ["import { S3Client } from '@aws-sdk/client-s3';", 'S3Client'],
  ["import { readFileSync } from 'fs';", 'readFileSync'],
  ["import { readFile } from 'node:fs/promises';", 'readFile'],
];
const snippet = ([statement, name]: [string, string]) =>
  `${statement}\nexport const probe = [${name}];\n`;
const probes = [
  ...banned.map((b) => ({ path: inCascade, code: snippet(b) })),
  { path: elsewhere, code: snippet(banned[5]) },
  { path: inCascade, code: 'export const where = process.env.S3_BUCKET;\n' },
  { path: inCascade, code: 'export const half = (x: number): number => x / 2;\n' },
];

let results: LintMessage[][];

beforeAll(() => {
  const out = execFileSync(process.execPath, [join(__dirname, 'lint-probe.mjs')], {
    cwd: root,
    input: JSON.stringify(probes),
    encoding: 'utf8',
  });
  results = JSON.parse(out) as LintMessage[][];
}, 120_000);

describe('libs/cascade module boundaries', () => {
  // Nx's rule bans packages it finds in the project graph; the core rule also covers Node
  // builtins and packages not installed yet. Either one failing lint is the guarantee.
  const boundaryRules = ['@nx/enforce-module-boundaries', 'no-restricted-imports'];

  it.each(banned.map(([statement], index) => [statement, index] as const))(
    'rejects %s',
    (_, index) => {
      expect(results[index].some((m) => boundaryRules.includes(m.rule ?? ''))).toBe(true);
    },
  );

  it('allows the same imports outside libs/cascade', () => {
    expect(results[banned.length]).toEqual([]);
  });

  it('rejects reading the environment', () => {
    expect(results[banned.length + 1].map((m) => m.rule)).toContain('no-restricted-globals');
  });

  it('accepts plain arithmetic', () => {
    expect(results[banned.length + 2]).toEqual([]);
  });
});
