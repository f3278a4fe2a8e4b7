import { XMLParser } from 'fast-xml-parser';
import { S3Error } from './s3-error.js';

const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n';
const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** A node of a response document: text, a number, a date, a list of children or nested elements. */
export type XmlValue = string | number | boolean | Date | undefined | null | XmlElement | XmlValue[];
export interface XmlElement {
  [name: string]: XmlValue;
}

/** Escapes text for XML element content (and strips what XML 1.0 cannot carry). */
export function escapeXml(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) =>
      c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;',
    )
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => render(name, v)).join('');
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') {
    let inner = '';
    for (const [child, v] of Object.entries(value)) inner += render(child, v);
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A whole S3 response document with the S3 namespace on its root element. */
export function xmlDocument(root: string, body: XmlElement, namespace = true): string {
  let inner = '';
  for (const [child, v] of Object.entries(body)) inner += render(child, v);
  return `${XML_HEADER}<${root}${namespace ? ` xmlns="${S3_NS}"` : ''}>${inner}</${root}>`;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  // Numeric character references (Go's encoder writes `&#34;` for a quote).
  htmlEntities: true,
  isArray: (name) => name === 'Part' || name === 'Object',
});

/**
 * Parses a small request document (CompleteMultipartUpload, Delete, CreateBucketConfiguration)
 * and returns its root element's content.
 * @throws MalformedXML when it does not parse or the root is not `root`.
 */
export function parseXmlDocument(text: string, root: string): Record<string, unknown> {
  let parsed: Record<string, unknown>;
  try {
    parsed = parser.parse(text, true) as Record<string, unknown>;
  } catch (cause) {
    throw new S3Error('MalformedXML', undefined, {}, { cause });
  }
  const content = parsed[root];
  if (content === undefined) throw new S3Error('MalformedXML');
  if (content === '') return {};
  if (typeof content !== 'object' || content === null) throw new S3Error('MalformedXML');
  return content as Record<string, unknown>;
}

/** The text of an element that may be missing, empty or (wrongly) nested. */
export function xmlText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
