import type { WriteOverrides } from '../../endpoints.js';

export type Verb = 'upload' | 'download' | 'copy' | 'move';

/** How put, get, cp and mv differ when they hand their arguments to `transfer`. */
export interface TransferOptions {
  verb: Verb;
  recursive: boolean;
  move: boolean;
  concurrency: number;
  overrides: WriteOverrides;
}
