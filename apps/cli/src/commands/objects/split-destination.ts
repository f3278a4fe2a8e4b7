import { usageError } from '../../errors.js';

/** `a b c` → sources [a, b], destination c; a single argument has no destination. */
export function splitDestination(args: readonly string[], required = false): [string[], string | undefined] {
  if (args.length < 2) {
    if (required) throw usageError('Name a source and a destination', 'e.g. stowage cp SOURCE DESTINATION');
    return [[...args], undefined];
  }
  return [args.slice(0, -1), args.at(-1)];
}
