import { describe, expect, it } from 'vitest';
import { contentTypeFromKey, inferContentType } from './infer-content-type.js';

const PNG = Uint8Array.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
]);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]);

describe('content type inference', () => {
  it('uses the extension', () => {
    expect(contentTypeFromKey('a/b.png')).toBe('image/png');
    expect(contentTypeFromKey('data.json')).toBe('application/json; charset=utf-8');
    expect(contentTypeFromKey('index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFromKey('noext')).toBeUndefined();
  });

  it('knows the common vendor types mime/lite leaves out', () => {
    expect(contentTypeFromKey('report.docx')).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(contentTypeFromKey('favicon.ico')).toBe('image/vnd.microsoft.icon');
    expect(contentTypeFromKey('backup.7z')).toBe('application/x-7z-compressed');
    expect(contentTypeFromKey('a.webp')).toBe('image/webp');
  });

  it('prefers magic bytes over a lying extension', async () => {
    expect(await inferContentType('photo.png', JPEG)).toBe('image/jpeg');
    expect(await inferContentType('upload', PNG)).toBe('image/png');
  });

  it('falls back to the extension, then octet-stream', async () => {
    expect(await inferContentType('notes.txt', new TextEncoder().encode('plain words'))).toBe(
      'text/plain; charset=utf-8',
    );
    expect(await inferContentType('blob', new Uint8Array([1, 2, 3]))).toBe('application/octet-stream');
  });
});
