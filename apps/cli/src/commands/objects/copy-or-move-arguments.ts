import type { Cli } from '../../context.js';
import { parseLocation } from '../../locations.js';
import { splitDestination } from './split-destination.js';
import { transfer } from './transfer.js';

/** cp and mv: any source and destination forms, and the destination is always the last argument. */
export async function copyOrMoveArguments(
  cli: Cli,
  verb: 'copy' | 'move',
  args: readonly string[],
  opts: { recursive?: boolean | undefined; overwrite?: boolean | undefined; concurrency: number },
): Promise<void> {
  const [sources, dest] = splitDestination(args, true);
  await transfer(cli, sources.map(parseLocation), parseLocation(dest!), parseLocation(dest!), {
    verb,
    recursive: opts.recursive === true,
    move: verb === 'move',
    concurrency: opts.concurrency,
    overrides: opts.overwrite === false ? { noOverwrite: true } : {},
  });
}
