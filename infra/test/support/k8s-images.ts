// What the manifests need to agree on with the images built from infra/docker.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './workspace';
import type { IPodSpec } from './k8s-types';

/** infra/docker/<name>.Dockerfile builds tinysaver/<name>; undefined for other images. */
export function dockerfileOf(image: string | undefined): string | undefined {
  const name = /(?:^|\/)tinysaver\/([a-z-]+)(?:[:@]|$)/.exec(image ?? '')?.[1];
  const path = name && join(repoRoot, 'infra/docker', `${name}.Dockerfile`);
  return path && existsSync(path) ? path : undefined;
}

/** The `uid:gid` of the last USER instruction (the runtime stage's). */
export function dockerfileUser(dockerfile: string): string | undefined {
  const users = [...readFileSync(dockerfile, 'utf8').matchAll(/^USER\s+(\S+)/gm)];
  return users.at(-1)?.[1];
}

/**
 * The pod runs as the image's own user: its home (~/.cache) and the files the image made for
 * it are that user's, and another uid could be a different account of the base image.
 */
export function runAsUserProblems(podSpec: IPodSpec, imageUser: string): string[] {
  const [uid, gid] = imageUser.split(':');
  const sc = podSpec.securityContext;
  const given = `${sc?.runAsUser}:${sc?.runAsGroup ?? sc?.runAsUser}`;
  return given === `${uid}:${gid ?? uid}`
    ? []
    : [`runs as ${given}, but the image's user is ${imageUser}`];
}
