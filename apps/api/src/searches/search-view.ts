import type { SearchRequest, SearchStatus } from '@tinysaver/contracts';

/** What `GET /v1/searches/{id}` shows. */
export interface SearchView {
  readonly id: string;
  readonly status: SearchStatus;
  /** Records present out of needed; `aggregating` once all exist and the analysis runs. */
  readonly progress: {
    readonly done: number;
    readonly total: number;
    readonly phase: 'records' | 'aggregating' | 'done';
  };
  readonly createdAt: string;
  readonly endedAt?: string;
  /** Why it failed: the code and the message of the job that failed (it names the object). */
  readonly error?: { readonly code: string; readonly message: string };
  readonly request: SearchRequest;
}
