import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIXTURES } from './api-fixture';

export interface ZooModel {
  name: string;
  sha256: string;
  macs: number;
}

export async function readZooManifest(): Promise<ZooModel[]> {
  return (
    JSON.parse(await readFile(join(FIXTURES, 'zoo', 'manifest.json'), 'utf8')) as {
      models: ZooModel[];
    }
  ).models;
}
