// Lints snippets of source as if each lived at a given path, with the workspace's real ESLint
// config, and prints the rule ids that fired. Input (stdin): [{path, code}]; output (stdout):
// [[{rule, message}]]. It runs as a child process because the flat config is ESM, which
// Jest's CommonJS runtime cannot import; one process lints every probe to pay start-up once.
import { ESLint } from 'eslint';
import { readFileSync } from 'node:fs';

const probes = JSON.parse(readFileSync(0, 'utf8'));
// Probe paths do not exist on disk, so the type-aware parser gives them a default program;
// every rule and file pattern is still the workspace's own.
const paths = [...new Set(probes.map((p) => p.path))];
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: [
    {
      files: paths,
      languageOptions: {
        parserOptions: {
          projectService: { allowDefaultProject: paths, defaultProject: 'tsconfig.base.json' },
        },
      },
    },
  ],
});
const results = [];
for (const { path, code } of probes) {
  const [result] = await eslint.lintText(code, { filePath: path });
  results.push(result.messages.map((m) => ({ rule: m.ruleId, message: m.message })));
}
process.stdout.write(JSON.stringify(results));
