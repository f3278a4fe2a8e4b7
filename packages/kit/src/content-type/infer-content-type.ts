import { Mime } from 'mime/lite';
import standardTypes from 'mime/types/standard.js';

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** How many leading bytes magic-byte sniffing needs. */
export const SNIFF_BYTES = 4100;

/**
 * `mime/lite` (IANA's standard types, a third of full `mime`'s weight) plus the vendor and
 * `x-` types people commonly upload, which lite leaves out.
 */
const mime = new Mime(standardTypes, {
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['pptx'],
  'application/vnd.oasis.opendocument.text': ['odt'],
  'application/vnd.oasis.opendocument.spreadsheet': ['ods'],
  'application/vnd.oasis.opendocument.presentation': ['odp'],
  'application/vnd.ms-excel': ['xls'],
  'application/vnd.ms-powerpoint': ['ppt'],
  'application/vnd.ms-fontobject': ['eot'],
  'application/vnd.android.package-archive': ['apk'],
  'application/vnd.rar': ['rar'],
  'application/x-7z-compressed': ['7z'],
  'application/x-tar': ['tar'],
  'application/x-bzip2': ['bz2'],
  'application/x-xz': ['xz'],
  'application/x-sh': ['sh'],
  'image/vnd.microsoft.icon': ['ico'],
  'image/vnd.adobe.photoshop': ['psd'],
  'audio/x-flac': ['flac'],
  'video/x-matroska': ['mkv'],
});

const TEXTUAL = /^(text\/|application\/(json|javascript|xml|x-ndjson)|image\/svg\+xml)/;

/** Content type from the key's extension alone, or undefined. */
export function contentTypeFromKey(key: string): string | undefined {
  const type = mime.getType(key);
  if (type === null) return undefined;
  return TEXTUAL.test(type) && !type.includes('charset') ? `${type}; charset=utf-8` : type;
}

/**
 * Infers a content type: magic bytes first when bytes are given (a ".png" holding a JPEG is
 * a JPEG), then the key's extension, then `application/octet-stream`.
 */
export async function inferContentType(key: string, head?: Uint8Array): Promise<string> {
  if (head !== undefined && head.byteLength > 0) {
    const sniff = await loadSniffer();
    const sniffed = sniff === undefined ? undefined : await sniff(head.subarray(0, SNIFF_BYTES));
    if (sniffed !== undefined) return sniffed.mime;
  }
  return contentTypeFromKey(key) ?? DEFAULT_CONTENT_TYPE;
}

type Sniffer = typeof import('file-type').fileTypeFromBuffer;

/**
 * `file-type` (about 65 KB minified) is loaded on the first sniff, by a name bundlers do not
 * follow: a bundle of a store does not carry it, and most puts (a type given, or a key with
 * an extension and a streamed body) never need it. Node resolves it from `node_modules` at
 * run time; a bundled app that ships without it infers from the extension alone.
 */
const FILE_TYPE: string = 'file-type';
let sniffer: Promise<Sniffer | undefined> | undefined;

function loadSniffer(): Promise<Sniffer | undefined> {
  sniffer ??= (import(FILE_TYPE) as Promise<typeof import('file-type')>).then(
    (module) => module.fileTypeFromBuffer,
    () => undefined,
  );
  return sniffer;
}
