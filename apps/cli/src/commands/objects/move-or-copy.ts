import type { Cli } from '../../context.js';
import { type Endpoint, StoreEndpoint } from '../../endpoints.js';
import { copyItem } from '../../transfer.js';
import type { TransferOptions } from './transfer-options.js';

export async function moveOrCopy(
  cli: Cli,
  src: Endpoint,
  srcKey: string,
  dst: Endpoint,
  dstKey: string,
  options: TransferOptions,
  onBytes: (n: number) => void,
): Promise<number> {
  if (
    options.move &&
    src instanceof StoreEndpoint &&
    dst instanceof StoreEndpoint &&
    src.store.id === dst.store.id &&
    options.overrides.noOverwrite !== true
  ) {
    const info = await dst.store.storage.move(src.keyOf(srcKey), dst.keyOf(dstKey), { signal: cli.signal });
    onBytes(info.size);
    return info.size;
  }
  const size = await copyItem(src, srcKey, dst, dstKey, cli.signal, onBytes);
  if (options.move) await src.remove(srcKey, cli.signal);
  return size;
}
