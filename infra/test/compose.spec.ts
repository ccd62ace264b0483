// infra/compose/compose.yaml as Docker Compose would read it, interpolated with the placeholder
// values of infra/compose/.env.example (what a laptop starts from). No Docker engine needed.
import { join, posix, resolve } from 'node:path';
import { checkConfig, VARIABLES_READ_BY_PLATFORM, type App } from './support/check-config';
import {
  dependenciesOf,
  durationMs,
  environmentOf,
  interpolate,
  readComposeYaml,
  readDotEnv,
  type ComposeFile,
  type Service,
} from './support/compose';
import { finalStage, parseDockerfile, stageEnv } from './support/dockerfile';
import { isPinnedImage } from './support/images';
import { readRepoFile, repoHas, repoRoot } from './support/workspace';

const COMPOSE_DIR = 'infra/compose';
/** The Dockerfiles a service may be built from, and the app each image runs. */
const DOCKERFILES: Record<string, App> = {
  'infra/docker/api.Dockerfile': 'api',
  'infra/docker/worker.Dockerfile': 'worker',
  'infra/docker/worker-gpu.Dockerfile': 'worker',
};
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD/i;

const raw = readComposeYaml();
const placeholders = readDotEnv();
const compose = interpolate(raw, placeholders);
const services = Object.entries(compose.services);
const service = (name: string): Service => {
  const found = compose.services[name];
  if (!found) throw new Error(`compose.yaml has no service ${name}`);
  return found;
};

/** The Dockerfile a service is built from (repository-relative), if it is built. */
function dockerfileOf(s: Service): string | undefined {
  if (s.build === undefined) return undefined;
  const build = typeof s.build === 'string' ? { context: s.build } : s.build;
  const context = resolve(repoRoot, COMPOSE_DIR, build.context ?? '.');
  return posix.normalize(
    join(context, build.dockerfile ?? 'Dockerfile')
      .slice(repoRoot.length + 1)
      .replaceAll('\\', '/'),
  );
}

const asText = (command: string | string[] | undefined) =>
  Array.isArray(command) ? command.join(' ') : (command ?? '');

/** Services that run the farm's apps: built from one of its Dockerfiles. */
const appServices = services.flatMap(([name, s]) => {
  const dockerfile = dockerfileOf(s);
  return dockerfile && DOCKERFILES[dockerfile]
    ? [{ name, service: s, dockerfile, app: DOCKERFILES[dockerfile] }]
    : [];
});

describe('infra/compose/compose.yaml', () => {
  it('is a Compose Specification file: no version key, services and named volumes', () => {
    expect(raw).not.toHaveProperty('version');
    expect(Object.keys(compose.services).sort()).toEqual(
      ['api', 'create-bucket', 'minio', 'redis', 'worker', 'worker-gpu'].sort(),
    );
  });

  it.each(services)('%s runs a pinned image or one built from infra/docker', (_, s) => {
    const dockerfile = dockerfileOf(s);
    if (dockerfile === undefined) {
      expect({ image: s.image, pinned: isPinnedImage(s.image ?? '') }).toEqual({
        image: s.image,
        pinned: true,
      });
      return;
    }
    expect(Object.keys(DOCKERFILES)).toContain(dockerfile);
    expect(repoHas(dockerfile)).toBe(true);
    // The build context is the repository root, as the Dockerfiles expect.
    const build = s.build as { context?: string };
    expect(resolve(repoRoot, COMPOSE_DIR, build.context ?? '.')).toBe(repoRoot);
    expect(s.image).toBeUndefined(); // no pull of a same-named image from a registry
  });

  it('runs the API, a CPU worker and (with the gpu profile only) a GPU worker', () => {
    expect(appServices.map(({ name, dockerfile }) => [name, dockerfile])).toEqual([
      ['api', 'infra/docker/api.Dockerfile'],
      ['worker', 'infra/docker/worker.Dockerfile'],
      ['worker-gpu', 'infra/docker/worker-gpu.Dockerfile'],
    ]);
    for (const [name, s] of services)
      expect({ name, profiles: s.profiles }).toEqual({
        name,
        profiles: name === 'worker-gpu' ? ['gpu'] : undefined,
      });
  });

  it('keeps Redis jobs safe: AOF on, noeviction, a named volume, a ping healthcheck', () => {
    const redis = service('redis');
    const command = asText(redis.command);
    expect(command).toMatch(/--appendonly yes\b/);
    expect(command).toMatch(/--maxmemory-policy noeviction\b/);
    expect(redis.volumes).toContain('redis-data:/data');
    expect(asText(redis.healthcheck?.test)).toMatch(/^CMD redis-cli ping$/);
  });

  it('keeps MinIO data on a named volume and health-checks it', () => {
    const minio = service('minio');
    expect(minio.volumes).toContain('minio-data:/data');
    expect(asText(minio.command)).toMatch(/^server \/data\b/);
    expect(asText(minio.healthcheck?.test)).toMatch(/^CMD /);
  });

  it('declares every named volume it mounts', () => {
    for (const [name, s] of services)
      for (const volume of s.volumes ?? []) {
        const source = typeof volume === 'string' ? volume.split(':')[0] : volume.source;
        if (source && !/^[./~]/.test(source))
          expect({ name, source, declared: source in (compose.volumes ?? {}) }).toEqual({
            name,
            source,
            declared: true,
          });
      }
  });

  it('creates the bucket the apps use, once, with mc mb --ignore-existing on the MinIO service', () => {
    const create = service('create-bucket');
    const bucket = environmentOf(service('api')).S3_BUCKET;
    expect(bucket).toMatch(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
    expect(create.command).toEqual(['mb', '--ignore-existing', `farm/${bucket}`]);
    expect(environmentOf(create).MC_HOST_farm).toMatch(/^http:\/\/[^:@]+:[^@]+@minio:9000$/);
    expect(create.restart).toBe('no');
    for (const { name, service: s } of appServices)
      expect({ name, bucket: environmentOf(s).S3_BUCKET }).toEqual({ name, bucket });
  });

  it('starts services after what they need: targets exist and can report what is waited for', () => {
    for (const [name, s] of services)
      for (const [target, condition] of Object.entries(dependenciesOf(s))) {
        const dependency = compose.services[target];
        expect({ name, target, exists: dependency !== undefined }).toEqual({
          name,
          target,
          exists: true,
        });
        if (condition === 'service_healthy')
          expect({ target, healthcheck: asText(dependency.healthcheck?.test) }).toEqual({
            target,
            healthcheck: expect.stringMatching(/^CMD/) as unknown,
          });
        else if (condition === 'service_completed_successfully')
          expect({ target, restart: dependency.restart }).toEqual({ target, restart: 'no' });
        else
          expect({ name, target, condition }).toEqual({
            name,
            target,
            condition: 'service_started',
          });
      }
    for (const { name, service: s } of appServices)
      expect({ name, deps: dependenciesOf(s) }).toEqual({
        name,
        deps: { redis: 'service_healthy', 'create-bucket': 'service_completed_successfully' },
      });
  });

  it('publishes ports on 127.0.0.1 only, the API on 8080', () => {
    for (const [name, s] of services)
      for (const port of s.ports ?? []) {
        const hostIp = typeof port === 'string' ? port.split(':')[0] : port.host_ip;
        expect({ name, port, hostIp }).toEqual({ name, port, hostIp: '127.0.0.1' });
      }
    expect(service('api').ports).toEqual(['127.0.0.1:8080:8080']);
  });

  it('points the apps at the Redis and MinIO services, listening on all interfaces in the container', () => {
    for (const { name, service: s, app } of appServices) {
      const env = environmentOf(s);
      expect({ name, redis: env.REDIS_URL, s3: env.S3_ENDPOINT }).toEqual({
        name,
        redis: 'redis://redis:6379',
        s3: 'http://minio:9000',
      });
      if (app === 'api') expect([env.HOST, env.PORT]).toEqual(['0.0.0.0', '8080']);
      else expect([env.WORKER_HTTP_HOST, env.WORKER_HTTP_PORT]).toEqual(['0.0.0.0', '9464']);
    }
  });

  it.each(appServices)(
    '$name sets only variables its app reads, and --check-config accepts them',
    ({ service: s, dockerfile, app }) => {
      const file = parseDockerfile(readRepoFile(dockerfile));
      const env = environmentOf(s);
      // What the process gets: the image's ENV, overridden by the service's environment.
      const check = checkConfig(app, {
        ...Object.fromEntries(stageEnv(file, finalStage(file))),
        ...env,
      });
      expect({ exitCode: check.exitCode, stderr: check.stderr }).toEqual({
        exitCode: 0,
        stderr: '',
      });
      expect(check.report).toMatchObject({ app, ok: true });
      const known = new Set([...(check.report?.variables ?? []), ...VARIABLES_READ_BY_PLATFORM]);
      expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
    },
  );

  it('gives workers longer to stop than they drain (SHUTDOWN_GRACE_MS)', () => {
    for (const { name, service: s, app } of appServices) {
      if (app !== 'worker') continue;
      const grace = Number(environmentOf(s).SHUTDOWN_GRACE_MS ?? 300_000);
      const stop = durationMs(s.stop_grace_period ?? '10s');
      expect({ name, longer: stop > grace }).toEqual({ name, longer: true });
    }
  });

  it('reserves NVIDIA GPUs for worker-gpu and asks ORT for cuda, then cpu', () => {
    const gpu = service('worker-gpu');
    const devices = gpu.deploy?.resources?.reservations?.devices ?? [];
    expect(devices).toEqual([expect.objectContaining({ driver: 'nvidia' })]);
    expect(devices[0].capabilities).toContain('gpu');
    expect(environmentOf(gpu).ORT_EXECUTION_PROVIDERS).toBe('cuda,cpu');
  });
});

describe('credentials in infra/compose', () => {
  const secretEntries = (file: ComposeFile) =>
    Object.entries(file.services).flatMap(([name, s]) =>
      Object.entries(environmentOf(s))
        .filter(([key]) => SECRET_NAME.test(key))
        .map(([key, value]) => ({ name, key, value })),
    );

  it('come only from the environment: each secret is a required ${VAR:?…} with no default', () => {
    const entries = secretEntries(raw);
    expect(entries.map((e) => e.key)).toEqual(
      expect.arrayContaining(['AWS_SECRET_ACCESS_KEY', 'API_KEYS', 'ADMIN_KEYS']),
    );
    for (const { name, key, value } of entries)
      expect({ name, key, value }).toEqual({
        name,
        key,
        value: expect.stringMatching(/^\$\{[A-Z_]+:\?[^}]*\}$/) as unknown,
      });
    // Nothing in the file supplies them: interpolating without .env fails.
    expect(() => interpolate(raw, {})).toThrow(/required variable \w+ is missing/);
  });

  it('.env.example holds placeholders only', () => {
    const secrets = Object.entries(placeholders).filter(([key]) => SECRET_NAME.test(key));
    expect(secrets.map(([key]) => key).sort()).toEqual(
      ['ADMIN_KEYS', 'API_KEYS', 'MINIO_ROOT_PASSWORD'].sort(),
    );
    for (const [key, value] of secrets)
      expect({ key, placeholder: value.includes('change-me') }).toEqual({ key, placeholder: true });
  });

  it('is git-ignored when copied to infra/compose/.env', () => {
    expect(readRepoFile('.gitignore').split('\n')).toContain('.env');
  });
});
