import type { Cli } from '../../context.js';
import { DirEndpoint, type Endpoint, pathKind, StoreEndpoint } from '../../endpoints.js';
import { usageError } from '../../errors.js';
import { asPrefix, type Location, storeBase } from '../../locations.js';
import type { TransferOptions } from './transfer-options.js';

export async function treeEndpoint(
  cli: Cli,
  location: Location,
  options: TransferOptions,
): Promise<Endpoint> {
  if (location.kind === 'path') {
    const kind = await pathKind(location.path);
    if (kind === 'file') throw usageError(`${location.path} is a file; a directory is needed to hold a tree`);
    return new DirEndpoint(location.path, location.path, (t) => cli.warn(t));
  }
  if (location.kind === 'stdio')
    throw usageError('a prefix cannot be written to stdout', 'use get with a directory');
  const store = await cli.storeFor(location);
  return new StoreEndpoint(store, asPrefix(location.key), storeBase(location), options.overrides);
}
