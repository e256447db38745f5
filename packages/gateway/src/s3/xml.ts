import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Error, xmlEscape } from './errors.js';

export const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n';
const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** `<Name>value</Name>`, escaped; nothing when value is undefined. */
export function el(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${xmlEscape(String(value))}</${name}>`;
}

/** A whole S3 response document. */
export function doc(root: string, inner: string): string {
  return `${XML_HEADER}<${root} xmlns="${NS}">${inner}</${root}>`;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  // Go clients (rclone) write numeric character references (`&#34;`) for quotes and control characters.
  htmlEntities: true,
  isArray: (name) => name === 'Object' || name === 'Part',
});

/** Parses a request's XML body; MalformedXML when it is not well-formed or lacks `root`. */
export function parseXmlBody(text: string, root: string): Record<string, unknown> {
  if (text.trim() === '' || XMLValidator.validate(text) !== true) throw malformed();
  let parsed: Record<string, unknown>;
  try {
    parsed = parser.parse(text) as Record<string, unknown>;
  } catch {
    throw malformed();
  }
  const top = parsed[root];
  if (!top || typeof top !== 'object') throw malformed();
  return top as Record<string, unknown>;
}

export function malformed(): S3Error {
  return new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
}

/** The text of an element (a string, or `#text` of a node), else undefined. */
export function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as Record<string, unknown>)['#text'] === 'string') return (v as Record<string, string>)['#text'];
  return undefined;
}
