/** The repository as the images see it: its files, its npm workspaces and what the apps import. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';

export const repoRoot = join(__dirname, '..', '..', '..');

export const readRepoFile = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
export const repoHas = (path: string) => existsSync(join(repoRoot, path));

/** Files below `dir` (repository-relative, `/`-separated), skipping installed and built output. */
export function filesUnder(dir: string): string[] {
  const skip = new Set(['node_modules', 'dist', '.nx', 'coverage']);
  const found: string[] = [];
  const walk = (absolute: string) => {
    for (const entry of readdirSync(absolute, { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const path = join(absolute, entry.name);
      if (entry.isDirectory()) walk(path);
      else found.push(relative(repoRoot, path).split(sep).join('/'));
    }
  };
  if (statSync(join(repoRoot, dir)).isDirectory()) walk(join(repoRoot, dir));
  else found.push(dir);
  return found;
}

/** Folders of the npm workspaces the root package.json declares (`libs/*`, `apps/*`). */
export function workspaceFolders(): string[] {
  const { workspaces } = JSON.parse(readRepoFile('package.json')) as { workspaces: string[] };
  return workspaces.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) throw new Error(`unsupported workspaces pattern ${pattern}`);
    const parent = pattern.slice(0, -2);
    return readdirSync(join(repoRoot, parent), { withFileTypes: true })
      .filter((e) => e.isDirectory() && repoHas(posix.join(parent, e.name, 'package.json')))
      .map((e) => posix.join(parent, e.name));
  });
}

/** Workspace folder by package name (`@tinysaver/cascade` → `libs/cascade`). */
export function workspaceByPackage(): Map<string, string> {
  return new Map(
    workspaceFolders().map((folder) => {
      const { name } = JSON.parse(readRepoFile(`${folder}/package.json`)) as { name: string };
      return [name, folder];
    }),
  );
}

/** Sources that end up in a build: src/**.ts without specs and test helpers (src/testing). */
export const isBuiltSource = (path: string) =>
  /\/src\/.*\.ts$/.test(path) && !path.endsWith('.spec.ts') && !path.includes('/src/testing/');

/**
 * Workspace folders `app` needs at run time: the workspaces its built sources import, and
 * theirs, found by reading the imports (so a new dependency shows up without a list to edit).
 */
export function runtimeWorkspaces(app: string): string[] {
  const byPackage = workspaceByPackage();
  const needed = new Set<string>();
  const visit = (folder: string) => {
    if (needed.has(folder)) return;
    needed.add(folder);
    for (const file of filesUnder(`${folder}/src`).filter(isBuiltSource)) {
      const text = readRepoFile(file);
      for (const [, name] of text.matchAll(
        /(?:from\s+|import\(\s*|require\(\s*)'(@tinysaver\/[\w-]+)[^']*'/g,
      )) {
        const dependency = byPackage.get(name);
        if (!dependency) throw new Error(`${file} imports ${name}, which is no workspace`);
        visit(dependency);
      }
    }
  };
  visit(app);
  return [...needed].sort();
}
