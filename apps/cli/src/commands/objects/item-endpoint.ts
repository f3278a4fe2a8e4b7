import { basename, dirname } from 'node:path';
import type { Cli } from '../../context.js';
import { DirEndpoint, type Endpoint, StoreEndpoint } from '../../endpoints.js';
import { usageError } from '../../errors.js';
import { type Location, storeBase } from '../../locations.js';
import type { TransferOptions } from './transfer-options.js';

export async function itemEndpoint(
  cli: Cli,
  location: Location,
  options: TransferOptions,
): Promise<{ endpoint: Endpoint; key: string }> {
  if (location.kind === 'path') {
    const dir = dirname(location.path);
    return { endpoint: new DirEndpoint(dir, dir), key: basename(location.path) };
  }
  if (location.kind === 'stdio') throw usageError('stdout is not a destination here');
  const store = await cli.storeFor(location);
  return {
    endpoint: new StoreEndpoint(store, '', storeBase(location), options.overrides),
    key: location.key,
  };
}
