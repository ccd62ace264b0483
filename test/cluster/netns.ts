// Hosts for a multi-host test on one machine: Linux network namespaces joined by veth pairs with
// link-local addresses this file makes up. Host `a` is the hub; every other host has one link to
// it and nothing else (no route out, no default gateway): what crosses is what the test sends.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ip = (...args: string[]) => run('ip', args).then(({ stdout }) => stdout);

/** Every namespace this file makes starts so; the pid says which process owns it. */
const NAME_PREFIX = 'tinysaver-test-';

export interface Link {
  /** The hub's address on this link (what the spoke dials). */
  readonly hubAddress: string;
  readonly spokeAddress: string;
  /** The veth end inside the hub; taking it down cuts the spoke off. */
  readonly hubDevice: string;
}

export interface Hosts {
  /** Namespace names by host. */
  readonly namespaces: Readonly<Record<string, string>>;
  /** The spoke's link to the hub, by spoke. */
  readonly links: Readonly<Record<string, Link>>;
  /** Runs `argv` inside `host`'s namespace (argv[0] resolved on PATH). */
  exec(host: string, argv: readonly string[]): readonly string[];
  cut(spoke: string): Promise<void>;
  remove(): Promise<void>;
}

/** Why a multi-host test cannot run here, or undefined when it can (asked once, at load). */
export function namespacesUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root (CI runs as root)';
  try {
    execFileSync('ip', ['-V']);
  } catch {
    return "the 'ip' command is missing (Debian: apt-get install iproute2)";
  }
  return undefined;
}

/** Removes namespaces left by earlier runs whose process is gone (a run killed mid-test). */
export async function removeStaleNamespaces(): Promise<void> {
  const listed = await ip('netns', 'list');
  for (const line of listed.split('\n')) {
    const name = line.split(' ')[0];
    const owner = Number(name.slice(NAME_PREFIX.length).split('-')[0]);
    if (!name.startsWith(NAME_PREFIX) || !Number.isInteger(owner) || alive(owner)) continue;
    await ip('netns', 'delete', name).catch(() => undefined);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes `hub` and each of `spokes` a namespace (named after this process, `label` and the host) with loopback up, and one veth pair per spoke to
 * the hub: 169.254.<10·(i+1)>.1 on the hub's end, .2 on the spoke's (/30). Everything made is
 * removed by `remove()`, also after a failure half-way (deleting a namespace deletes its veths).
 */
export async function buildHosts(
  label: string,
  hub: string,
  spokes: readonly string[],
): Promise<Hosts> {
  const tag = `${process.pid}-${label}`;
  const namespaces: Record<string, string> = {};
  for (const host of [hub, ...spokes]) namespaces[host] = `${NAME_PREFIX}${tag}-${host}`;
  const links: Record<string, Link> = {};
  const hosts: Hosts = {
    namespaces,
    links,
    exec: (host, argv) => ['ip', 'netns', 'exec', namespaces[host], ...argv],
    cut: async (spoke) => {
      await ip('-n', namespaces[hub], 'link', 'set', links[spoke].hubDevice, 'down');
    },
    remove: async () => {
      for (const name of Object.values(namespaces))
        await ip('netns', 'delete', name).catch(() => undefined);
    },
  };
  try {
    for (const name of Object.values(namespaces)) {
      await ip('netns', 'add', name);
      await ip('-n', name, 'link', 'set', 'lo', 'up');
    }
    for (const [i, spoke] of spokes.entries()) {
      const subnet = `169.254.${10 * (i + 1)}`;
      // Made inside the hub with its peer moved straight into the spoke: nothing is ever added
      // to the machine's own namespace, so names only need to be unique per namespace.
      const hubDevice = `to-${spoke}`.slice(0, 15);
      const spokeDevice = `to-${hub}`.slice(0, 15);
      await ip(
        '-n',
        namespaces[hub],
        'link',
        'add',
        hubDevice,
        'type',
        'veth',
        'peer',
        'name',
        spokeDevice,
        'netns',
        namespaces[spoke],
      );
      await ip('-n', namespaces[hub], 'addr', 'add', `${subnet}.1/30`, 'dev', hubDevice);
      await ip('-n', namespaces[spoke], 'addr', 'add', `${subnet}.2/30`, 'dev', spokeDevice);
      await ip('-n', namespaces[hub], 'link', 'set', hubDevice, 'up');
      await ip('-n', namespaces[spoke], 'link', 'set', spokeDevice, 'up');
      links[spoke] = { hubAddress: `${subnet}.1`, spokeAddress: `${subnet}.2`, hubDevice };
    }
  } catch (error) {
    await hosts.remove();
    throw error;
  }
  return hosts;
}
