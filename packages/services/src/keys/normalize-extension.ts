import { StorageError } from '@stowage/core';

const ALIASES: Record<string, string> = {
  jpeg: 'jpg',
  jpe: 'jpg',
  tiff: 'tif',
  htm: 'html',
  yml: 'yaml',
  mpeg: 'mpg',
};

const BY_TYPE: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/svg+xml': 'svg',
  'image/x-icon': 'ico',
  'image/vnd.microsoft.icon': 'ico',
  'image/tiff': 'tif',
  'application/json': 'json',
  'application/pdf': 'pdf',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/css': 'css',
  'text/csv': 'csv',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'audio/mpeg': 'mp3',
};

/**
 * One spelling per extension: lower case, no dot, common aliases folded (`.JPEG` → `jpg`),
 * and a content type turned into its extension (`image/jpeg` → `jpg`).
 * @throws InvalidInput for something that is no extension.
 */
export function normalizeExtension(value: string): string {
  const type = value.split(';', 1)[0]!.trim().toLowerCase();
  if (type.includes('/')) {
    const known = BY_TYPE[type];
    if (known === undefined)
      throw new StorageError('InvalidInput', `No extension is known for ${JSON.stringify(type)}`);
    return known;
  }
  const ext = type.replace(/^\.+/, '');
  if (!/^[a-z0-9]{1,16}$/.test(ext)) {
    throw new StorageError(
      'InvalidInput',
      `${JSON.stringify(value)} is no file extension (1–16 letters or digits)`,
    );
  }
  return ALIASES[ext] ?? ext;
}
