import { pathKind } from '../../endpoints.js';
import type { Location } from '../../locations.js';

/** A destination that receives items under their own names: a path to an existing directory, or a key ending in "/". */
export async function isContainer(location: Location): Promise<boolean> {
  if (location.kind === 'stdio') return false;
  if (location.kind === 'path') {
    if (location.path.endsWith('/')) return true;
    return (await pathKind(location.path)) === 'dir';
  }
  return location.key === '' || location.key.endsWith('/');
}
