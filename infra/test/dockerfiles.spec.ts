// The three images in infra/docker, read as Docker would build them (context = repository
// root). Nothing here needs a Docker engine: the files are parsed and checked against the
// repository, the .dockerignore and the built apps.
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, posix } from 'node:path';
import { validate } from 'dockerfile-utils';
import { checkConfig, VARIABLES_READ_BY_PLATFORM, type App } from './support/check-config';
import {
  execForm,
  finalStage,
  findStage,
  instructionsOf,
  lineage,
  parseDockerfile,
  readCopy,
  readEnv,
  splitFlags,
  stageEnv,
  type Dockerfile,
  type Instruction,
  type Stage,
} from './support/dockerfile';
import { DockerIgnore } from './support/dockerignore';
import { isPinnedImage } from './support/images';
import {
  filesUnder,
  isBuiltSource,
  readRepoFile,
  repoHas,
  repoRoot,
  runtimeWorkspaces,
  workspaceFolders,
} from './support/workspace';

interface Image {
  readonly file: string;
  readonly app: App;
  /** The variable holding the port the app serves HTTP on. */
  readonly portVariable: string;
  /** ORT_EXECUTION_PROVIDERS the image sets (worker images only). */
  readonly providers?: string;
}

const IMAGES: readonly Image[] = [
  { file: 'infra/docker/api.Dockerfile', app: 'api', portVariable: 'PORT' },
  {
    file: 'infra/docker/worker.Dockerfile',
    app: 'worker',
    portVariable: 'WORKER_HTTP_PORT',
    providers: 'cpu',
  },
  {
    file: 'infra/docker/worker-gpu.Dockerfile',
    app: 'worker',
    portVariable: 'WORKER_HTTP_PORT',
    providers: 'cuda,cpu',
  },
];

const dockerignore = new DockerIgnore(readRepoFile('.dockerignore'));
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD/i;

/** Where a context COPY puts `source`, relative to WORKDIR /app (the images copy to relative paths). */
function landsAt(source: string, destination: string, isFile: boolean): string {
  if (!isFile) return posix.normalize(destination).replace(/\/$/, '');
  if (destination.endsWith('/') || destination === '.')
    return posix.join(destination, posix.basename(source));
  return posix.normalize(destination);
}

/** Context COPY sources that precede `until` in the stage's lineage. */
function contextSourcesBefore(file: Dockerfile, stage: Stage, until: Instruction): string[] {
  const sources: string[] = [];
  for (const s of lineage(file, stage))
    for (const i of s.instructions) {
      if (i === until) return sources;
      if (i.keyword === 'COPY' && readCopy(i).from === undefined)
        sources.push(...readCopy(i).sources);
    }
  return sources;
}

const isUnder = (path: string, sources: readonly string[]) =>
  sources.some((s) => s === '.' || path === s || path.startsWith(`${s.replace(/\/$/, '')}/`));

/** The stage whose RUN builds the apps with Nx, and that RUN. */
function nxBuild(file: Dockerfile, app: App): { stage: Stage; run: Instruction } {
  for (const stage of file.stages)
    for (const run of instructionsOf(stage, 'RUN')) {
      const projects = /nx run-many -t build -p ([\w -]+?)(?: --|$)/.exec(run.args)?.[1];
      if (projects?.split(/\s+/).includes(app)) return { stage, run };
    }
  throw new Error(`no stage runs the nx build of ${app}`);
}

/** The final stage's COPY --from sources, with the stage (or image) they come from. */
function runtimeCopies(file: Dockerfile) {
  const runtime = finalStage(file);
  return instructionsOf(runtime, 'COPY').map((i) => {
    const copy = readCopy(i);
    return { ...copy, stage: copy.from ? findStage(file, copy.from, runtime.index) : undefined };
  });
}

describe.each(IMAGES)('$file', ({ file: path, app, portVariable, providers }) => {
  const text = readRepoFile(path);
  const file = parseDockerfile(text);
  const runtime = finalStage(file);

  it('passes dockerfile-utils validation with no error or warning', () => {
    const problems = validate(text).map(
      (d) =>
        `line ${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`,
    );
    expect(problems).toEqual([]);
  });

  it('builds FROM pinned images or earlier stages only', () => {
    for (const stage of file.stages) {
      const isStage = findStage(file, stage.from, stage.index) !== undefined;
      expect({ from: stage.from, pinned: isStage || isPinnedImage(stage.from) }).toEqual({
        from: stage.from,
        pinned: true,
      });
    }
  });

  it('has separate build and runtime stages', () => {
    expect(file.stages.length).toBeGreaterThanOrEqual(2);
    expect(nxBuild(file, app).stage).not.toBe(runtime);
  });

  it('copies --from earlier stages or pinned images only', () => {
    for (const stage of file.stages)
      for (const i of instructionsOf(stage, 'COPY')) {
        const from = readCopy(i).from;
        if (from === undefined) continue;
        const ok = findStage(file, from, stage.index) !== undefined || isPinnedImage(from);
        expect({ line: i.line, from, ok }).toEqual({ line: i.line, from, ok: true });
      }
  });

  it('copies from the build context only files that exist, that .dockerignore keeps, to their repository paths', () => {
    for (const stage of file.stages)
      for (const i of instructionsOf(stage, 'COPY')) {
        const copy = readCopy(i);
        if (copy.from !== undefined) continue;
        for (const source of copy.sources) {
          const isFile = repoHas(source) && statSync(join(repoRoot, source)).isFile();
          expect({
            source,
            exists: repoHas(source),
            excluded: dockerignore.excludes(source),
            landsAt: landsAt(source, copy.destination, isFile),
          }).toEqual({ source, exists: true, excluded: false, landsAt: source });
        }
      }
  });

  it('copies the lock file, .npmrc and every workspace manifest before each npm ci', () => {
    const manifests = [
      'package.json',
      'package-lock.json',
      '.npmrc',
      ...workspaceFolders().map((f) => `${f}/package.json`),
    ];
    let installs = 0;
    for (const stage of file.stages)
      for (const run of instructionsOf(stage, 'RUN').filter((r) => r.args.includes('npm ci'))) {
        installs++;
        const copied = contextSourcesBefore(file, stage, run);
        expect(manifests.filter((m) => !isUnder(m, copied))).toEqual([]);
      }
    expect(installs).toBeGreaterThanOrEqual(2); // the build's install and the production one
  });

  it('builds the app with nx after copying everything that build reads', () => {
    const { stage, run } = nxBuild(file, app);
    const copied = contextSourcesBefore(file, stage, run);
    const folders = [`apps/${app}`, ...runtimeWorkspaces(`apps/${app}`)];
    const needed = new Set(['nx.json', 'tsconfig.base.json']);
    for (const folder of folders)
      for (const f of filesUnder(folder)) {
        if (isBuiltSource(f) || /\/(project|package)\.json$|\/tsconfig[\w.]*\.json$/.test(f))
          needed.add(f);
        // Files a tsconfig names outside its project (e.g. ../../types/text-codec.d.ts).
        if (/\/tsconfig[\w.]*\.json$/.test(f)) {
          const config = JSON.parse(readRepoFile(f)) as { extends?: string; include?: string[] };
          for (const entry of [config.extends ?? '', ...(config.include ?? [])])
            if (entry.startsWith('.') && !entry.includes('*'))
              needed.add(posix.normalize(posix.join(posix.dirname(f), entry)));
        }
      }
    const missing = [...needed].filter(
      (f) => !repoHas(f) || dockerignore.excludes(f) || !isUnder(f, copied),
    );
    expect(missing).toEqual([]);
  });

  it(`produces apps/${app}/dist/main.js, which CMD runs with node in exec form`, () => {
    const cmds = instructionsOf(runtime, 'CMD');
    expect(cmds).toHaveLength(1);
    expect(instructionsOf(runtime, 'ENTRYPOINT')).toEqual([]);
    expect(execForm(cmds[0].args)).toEqual(['node', `apps/${app}/dist/main.js`]);
    // tsc -p tsconfig.app.json turns src/main.ts into dist/main.js…
    const tsconfig = JSON.parse(readRepoFile(`apps/${app}/tsconfig.app.json`)) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    expect(tsconfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(repoHas(`apps/${app}/src/main.ts`)).toBe(true);
    // …which the build (a dependency of this test target) has just done…
    expect(repoHas(`apps/${app}/dist/main.js`)).toBe(true);
    // …and the runtime stage takes that dist from the stage that built it.
    const dist = runtimeCopies(file).find((c) => c.sources.includes(`/app/apps/${app}/dist`));
    expect(dist?.stage).toBe(nxBuild(file, app).stage);
    expect(dist?.destination).toBe(`apps/${app}/dist`);
  });

  it('takes node_modules from a production install (npm ci --omit=dev)', () => {
    const modules = runtimeCopies(file).filter((c) => c.destination.startsWith('node_modules'));
    expect(modules).toHaveLength(1);
    const from = modules[0].stage;
    expect(from).toBeDefined();
    const runs = lineage(file, from as Stage).flatMap((s) => instructionsOf(s, 'RUN'));
    const installs = runs.filter((r) => r.args.includes('npm ci'));
    expect(installs.map((r) => r.args.includes('--omit=dev'))).toEqual([true]);
  });

  it('holds the package.json and dist of every workspace the app imports, and nothing else from the build', () => {
    const copies = runtimeCopies(file);
    for (const folder of runtimeWorkspaces(`apps/${app}`))
      for (const [source, destination] of [
        [`/app/${folder}/package.json`, `${folder}/`],
        [`/app/${folder}/dist`, `${folder}/dist`],
      ])
        expect(copies.filter((c) => c.sources.includes(source)).map((c) => c.destination)).toEqual([
          destination,
        ]);
    for (const copy of copies) {
      // No context files (sources, tests, fixtures) in the runtime image.
      expect({ line: copy.instruction.line, from: copy.from }).not.toEqual({
        line: copy.instruction.line,
        from: undefined,
      });
      for (const source of copy.sources)
        expect(source).toMatch(
          /^\/app\/(?:.+\/)?(?:package\.json|dist|node_modules)$|^\/usr\/local\/bin\/node$/,
        );
    }
  });

  it('runs as a non-root user set after its last RUN', () => {
    const users = instructionsOf(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1];
    const [uid] = user.args.trim().split(':');
    expect(['root', '0']).not.toContain(uid);
    const lastRun = instructionsOf(runtime, 'RUN').pop();
    expect(user.line).toBeGreaterThan(lastRun?.line ?? 0);
    // The uid exists: the node images' `node` is 1000; elsewhere the stage creates it.
    const created = instructionsOf(runtime, 'RUN').some((r) =>
      new RegExp(`useradd\\b.*--uid ${uid}\\b`).test(r.args),
    );
    expect(created || (runtime.from.startsWith('node:') && uid === '1000')).toBe(true);
  });

  it('sets no secret in ENV or ARG', () => {
    const names = [...file.preamble, ...file.stages.flatMap((s) => s.instructions)].flatMap((i) => {
      if (i.keyword === 'ENV') return readEnv(i).map(([name]) => name);
      if (i.keyword === 'ARG') return [i.args.split('=')[0].trim()];
      return [];
    });
    expect(names.filter((n) => SECRET_NAME.test(n))).toEqual([]);
  });

  it(`exposes the port in ${portVariable} and health-checks it with node`, () => {
    const port = stageEnv(file, runtime).get(portVariable);
    expect(port).toMatch(/^\d+$/);
    const exposed = instructionsOf(runtime, 'EXPOSE').flatMap((i) => i.args.trim().split(/\s+/));
    expect(exposed).toEqual([port]);
    const checks = instructionsOf(runtime, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const { rest } = splitFlags(checks[0].args);
    const command = execForm(rest.replace(/^CMD\s+/, ''));
    expect(command?.slice(0, 2)).toEqual(['node', '-e']);
    expect(command?.[2]).toContain(`http://127.0.0.1:${port}/health`);
  });

  it('stops with SIGTERM, which the app drains on', () => {
    expect(instructionsOf(runtime, 'STOPSIGNAL').map((i) => i.args.trim())).toEqual(['SIGTERM']);
  });

  it('sets only variables the app reads, and the app accepts them', () => {
    const env = Object.fromEntries(stageEnv(file, runtime));
    // What a deployment must add (no defaults for these): a bucket, and the API's keys.
    const required = { S3_BUCKET: 'farm-data', API_KEYS: 'ci:0123456789abcdef' };
    const check = checkConfig(app, { ...required, ...env });
    expect({ exitCode: check.exitCode, stderr: check.stderr }).toEqual({ exitCode: 0, stderr: '' });
    const known = new Set([...(check.report?.variables ?? []), ...VARIABLES_READ_BY_PLATFORM]);
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
    expect(env.NODE_ENV).toBe('production');
    if (providers !== undefined) expect(env.ORT_EXECUTION_PROVIDERS).toBe(providers);
  });
});

describe('infra/docker/worker-gpu.Dockerfile and onnxruntime-node', () => {
  const text = readRepoFile('infra/docker/worker-gpu.Dockerfile');
  const file = parseDockerfile(text);
  const runtime = finalStage(file);
  const ortRequire = createRequire(`${repoRoot}/node_modules/onnxruntime-node/package.json`);
  const metadata = ortRequire('./script/install-metadata.js') as {
    requirements: Record<string, string[]>;
    manifests: Record<string, Record<string, unknown>>;
  };
  const ortVersion = (ortRequire('./package.json') as { version: string }).version;

  const install = file.stages.flatMap((stage) =>
    instructionsOf(stage, 'RUN')
      .filter((r) => r.args.includes('node node_modules/onnxruntime-node/script/install.js'))
      .map((run) => ({ stage, run })),
  );

  it('runs the install script for the CUDA 12 provider at build time', () => {
    expect(install).toHaveLength(1);
    expect(install[0].run.args).toMatch(/\bONNXRUNTIME_NODE_INSTALL=cuda12 node /);
    expect(install[0].stage).not.toBe(runtime);
    // The script's linux/x64 manifest is the one asked for.
    expect(metadata.requirements['linux/x64']).toContain('cuda12');
  });

  it('checks that every file of that manifest was installed', () => {
    const files = Object.keys(metadata.manifests['linux/x64:cuda12']).map((f) => posix.basename(f));
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) expect(install[0]?.run.args).toContain(`test -f ${name}`);
  });

  it("ships node_modules from that stage's lineage", () => {
    const modules = runtimeCopies(file).find((c) => c.destination.startsWith('node_modules'));
    expect(modules?.stage && lineage(file, modules.stage)).toContain(install[0]?.stage);
  });

  it('runs on a CUDA 12 image with cuDNN and tells ORT to try CUDA first', () => {
    expect(runtime.from).toMatch(/^nvidia\/cuda:12\.\d+\.\d+-cudnn-runtime-ubuntu\d+\.\d+$/);
    expect(stageEnv(file, runtime).get('ORT_EXECUTION_PROVIDERS')).toBe('cuda,cpu');
  });

  it(`documents the onnxruntime-node version it installs the provider for (${ortVersion})`, () => {
    expect(text).toContain(`onnxruntime-node ${ortVersion}`);
    expect(text).toContain(`Microsoft.ML.OnnxRuntime.Gpu.Linux ${ortVersion}`);
  });

  it('copies node from the Node image the build uses', () => {
    const node = runtimeCopies(file).filter((c) => c.sources.includes('/usr/local/bin/node'));
    expect(node).toHaveLength(1);
    const nodeImage = (stage: Stage | undefined) => stage && lineage(file, stage)[0].from;
    expect(nodeImage(node[0].stage)).toBe(nodeImage(nxBuild(file, 'worker').stage));
    expect(nodeImage(node[0].stage)).toMatch(/^node:/);
  });
});

describe('the three images together', () => {
  const files = IMAGES.map(({ file }) => parseDockerfile(readRepoFile(file)));

  it('share the same build stages, so one machine builds them once', () => {
    const shared = (file: Dockerfile) =>
      file.stages
        .filter((s) => ['manifests', 'build', 'prod-deps'].includes(s.name ?? ''))
        .map((s) => ({
          name: s.name,
          from: s.from,
          steps: s.instructions.map((i) => `${i.keyword} ${i.args}`),
        }));
    expect(shared(files[0])).toHaveLength(3);
    for (const file of files.slice(1)) expect(shared(file)).toEqual(shared(files[0]));
  });
});

describe('.dockerignore', () => {
  it('matches as Docker does: root-relative, ** across folders, folders cover their files, ! re-includes', () => {
    const rules = new DockerIgnore('node_modules\n**/dist\napps/*/test\n*.md\n!keep.md\n# note\n');
    expect(rules.excludes('node_modules/x/index.js')).toBe(true);
    expect(rules.excludes('libs/a/node_modules/x.js')).toBe(false); // no ** : root only
    expect(rules.excludes('dist')).toBe(true);
    expect(rules.excludes('libs/a/dist/index.js')).toBe(true);
    expect(rules.excludes('libs/a/distant.ts')).toBe(false);
    expect(rules.excludes('apps/api/test/e2e.spec.ts')).toBe(true);
    expect(rules.excludes('apps/api/src/test.ts')).toBe(false);
    expect(rules.excludes('README.md')).toBe(true);
    expect(rules.excludes('docs/README.md')).toBe(false); // * stays in one segment
    expect(rules.excludes('keep.md')).toBe(false);
  });

  it('leaves out installed and built output, version control, local state and secrets', () => {
    for (const path of [
      'node_modules/nx/package.json',
      'libs/cascade/node_modules/x/index.js',
      'libs/cascade/dist/index.js',
      'apps/api/dist/main.js',
      '.git/config',
      '.nx/workspace-data/x',
      '.demo/s3/x',
      '.env',
      'infra/compose/.env',
      'apps/api/coverage/lcov.info',
      'npm-debug.log',
      'bench/results/run.json',
    ])
      expect({ path, excluded: dockerignore.excludes(path) }).toEqual({ path, excluded: true });
  });
});
