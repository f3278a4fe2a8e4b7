import { dirname, join, basename as pathBasename, resolve } from 'node:path';
import type { Cli } from '../../context.js';
import { DirEndpoint, type Endpoint, pathKind, StoreEndpoint } from '../../endpoints.js';
import { CliError, EXIT, usageError } from '../../errors.js';
import { asPrefix, basename, type Location, storeBase } from '../../locations.js';
import { hasKeysUnder } from './has-keys-under.js';
import { itemEndpoint } from './item-endpoint.js';
import type { TransferOptions } from './transfer-options.js';
import { treeEndpoint } from './tree-endpoint.js';

/** One item or one tree to transfer, resolved to endpoints. */
export type Job =
  | { kind: 'stdin'; dst: Endpoint; dstKey: string }
  | { kind: 'stdout'; src: Endpoint; srcKey: string }
  | { kind: 'item'; src: Endpoint; srcKey: string; dst: Endpoint; dstKey: string }
  | { kind: 'tree'; src: Endpoint; dst: Endpoint };

export async function resolveJob(
  cli: Cli,
  source: Location,
  target: Location,
  container: { tree: boolean; item: boolean },
  options: TransferOptions,
): Promise<Job> {
  if (source.kind === 'stdio') {
    if (container.item || target.kind !== 'store') {
      throw usageError('stdin needs a destination key', 'e.g. stowage put - backups/site.tar');
    }
    const d = await itemEndpoint(cli, target, options);
    return { kind: 'stdin', dst: d.endpoint, dstKey: d.key };
  }
  if (source.kind === 'path') {
    const kind = await pathKind(source.path);
    if (kind === undefined)
      throw new CliError('NotFound', `No such file or directory: ${source.path}`, EXIT.notFound);
    const name = pathBasename(resolve(source.path));
    if (kind === 'file') {
      const src = new DirEndpoint(dirname(source.path), dirname(source.path));
      const dst = await itemEndpoint(cli, container.item ? child(target, name) : target, options);
      return { kind: 'item', src, srcKey: pathBasename(source.path), dst: dst.endpoint, dstKey: dst.key };
    }
    const src = new DirEndpoint(source.path, source.path, (t) => cli.warn(t));
    const dst = await treeEndpoint(cli, container.tree ? child(target, `${name}/`) : target, options);
    return { kind: 'tree', src, dst };
  }
  // A store location.
  const store = await cli.storeFor(source);
  const base = storeBase(source);
  let tree = source.key === '' || source.key.endsWith('/');
  if (!tree && options.recursive) tree = !(await store.storage.exists(source.key, { signal: cli.signal }));
  if (tree) {
    const prefix = asPrefix(source.key);
    const src = new StoreEndpoint(store, prefix, base);
    const name = basename(prefix) || (source.bucket ?? 'stowage');
    const dst = await treeEndpoint(cli, container.tree ? child(target, `${name}/`) : target, options);
    return { kind: 'tree', src, dst };
  }
  const src = new StoreEndpoint(store, '', base);
  if (!(await store.storage.exists(source.key, { signal: cli.signal }))) {
    const under = await hasKeysUnder(store.storage, source.key, cli.signal);
    throw new CliError(
      'NotFound',
      `No object ${source.text}`,
      EXIT.notFound,
      under ? `${source.text}/ is a prefix: add --recursive (-r) or end it with /` : undefined,
    );
  }
  if (target.kind === 'stdio') return { kind: 'stdout', src, srcKey: source.key };
  const dst = await itemEndpoint(cli, container.item ? child(target, basename(source.key)) : target, options);
  return { kind: 'item', src, srcKey: source.key, dst: dst.endpoint, dstKey: dst.key };
}

function child(location: Location, name: string): Location {
  if (location.kind === 'path')
    return { ...location, path: join(location.path, name), text: join(location.path, name) };
  if (location.kind === 'store') return { ...location, key: location.key + name, text: location.text + name };
  return location;
}
