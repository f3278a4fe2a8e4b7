import { sidecarName } from './reserved-names.js';

// Where a key lives under the root. Keys are valid (the checked layer saw to that), so a key
// is a relative path with no "." or ".." segments, and joining is plain concatenation.

export function bodyPath(root: string, key: string): string {
  return `${root}/${key}`;
}

export function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

export function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The sidecar beside the body at `path`. */
export function sidecarPathOf(path: string): string {
  return `${dirOf(path)}/${sidecarName(baseOf(path))}`;
}

export function keyOfPath(root: string, path: string): string {
  return path.slice(root.length + 1);
}

/** The directories holding `key`, outermost first (empty for a top-level key). */
export function dirChain(root: string, key: string): string[] {
  const segments = key.split('/');
  const dirs: string[] = [];
  let path = root;
  for (let i = 0; i < segments.length - 1; i++) {
    path = `${path}/${segments[i]}`;
    dirs.push(path);
  }
  return dirs;
}
