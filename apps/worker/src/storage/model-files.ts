import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobFailureCode, type ModelRef } from '@tinysaver/contracts';
import { formatS3Uri } from '@tinysaver/storage';
import type { ModelFile } from '../compute/compute-protocol';
import { JobFailure } from '../jobs/job-failure';
import type { ObjectStore } from './object-store';

/**
 * Model files on local disk, downloaded once per worker process and checked against the sha256
 * they were registered with (records are keyed by it, so a swapped file must never be used).
 * Least recently used files are deleted beyond `limitBytes`.
 */
export class ModelFiles {
  private readonly files = new Map<string, Promise<ModelFile>>();
  private readonly sizes = new Map<string, number>();

  constructor(
    private readonly store: ObjectStore,
    private readonly dir: string,
    private readonly maxModelBytes: number,
    private readonly limitBytes: number,
  ) {}

  fetch(model: ModelRef): Promise<ModelFile> {
    const cached = this.files.get(model.sha256);
    if (cached) {
      this.files.delete(model.sha256);
      this.files.set(model.sha256, cached);
      return cached;
    }
    const download = this.download(model);
    download.catch(() => this.files.delete(model.sha256));
    this.files.set(model.sha256, download);
    return download;
  }

  private async download(model: ModelRef): Promise<ModelFile> {
    const bytes = await this.store.read(model.object, {
      maxBytes: this.maxModelBytes,
      what: `model '${model.name}'`,
    });
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== model.sha256)
      throw new JobFailure(
        JobFailureCode.ModelSha256Mismatch,
        `model '${model.name}' at ${formatS3Uri(model.object.bucket, model.object.key)} has sha256 ${actual}, not the registered ${model.sha256}: the object was replaced after registration. Register the model again (or restore the original file).`,
      );
    const path = join(this.dir, `${model.sha256}.onnx`);
    await writeFile(path, bytes);
    this.sizes.set(model.sha256, bytes.length);
    await this.evict(model.sha256);
    return { name: model.name, sha256: model.sha256, path, bytes: bytes.length };
  }

  private async evict(keep: string): Promise<void> {
    let total = [...this.sizes.values()].reduce((a, b) => a + b, 0);
    for (const sha of [...this.files.keys()]) {
      if (total <= this.limitBytes) return;
      if (sha === keep || !this.sizes.has(sha)) continue;
      total -= this.sizes.get(sha)!;
      this.sizes.delete(sha);
      this.files.delete(sha);
      // A compute thread holding this model keeps its open session; only the file goes.
      await rm(join(this.dir, `${sha}.onnx`), { force: true });
    }
  }
}
