import type { ByteSource } from '../tabular.ts';

export type { ByteSource };

/**
 * Byte and text plumbing for the statement parsers: look at a file's first bytes without
 * losing them, decode to text as a stream, split into numbered lines (CRLF, LF or CR).
 */

export type TextEncoding = 'utf-8' | 'latin1' | 'utf-16le' | 'utf-16be';

const toBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** Reads at least `min` bytes (or everything, if shorter) and gives back a stream that replays them. */
export async function peek(
  source: ByteSource,
  min: number,
): Promise<{ head: Buffer; rest: AsyncGenerator<Buffer> }> {
  const it: AsyncIterator<Uint8Array> | Iterator<Uint8Array> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  const seen: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < min) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = toBuffer(next.value);
    seen.push(chunk);
    size += chunk.length;
  }
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      yield* seen;
      seen.length = 0;
      if (done) return;
      for (let next = await it.next(); !next.done; next = await it.next()) yield toBuffer(next.value);
    } finally {
      // Stop the underlying stream when the reader stops early (a fatal error).
      if (!done) await it.return?.();
    }
  }
  return { head: Buffer.concat(seen), rest: rest() };
}

/** The encoding a byte-order mark announces, if any. */
export function bomEncoding(head: Buffer): TextEncoding | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return undefined;
}

/**
 * Decodes a byte stream (a BOM is dropped). Bytes that are not valid in the encoding become
 * U+FFFD, which the line readers report with the line they are on: stopping the whole stream
 * at the first bad byte would lose the line number a person needs.
 */
export async function* decode(chunks: AsyncIterable<Buffer>, encoding: TextEncoding): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding === 'latin1' ? 'windows-1252' : encoding);
  for await (const chunk of chunks) {
    const s = decoder.decode(chunk, { stream: true });
    if (s) yield s;
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

export interface TextLine {
  /** 1-based. */
  line: number;
  text: string;
}

/**
 * Splits text into lines at CRLF, LF or a lone CR (old Mac exports), numbering them as an editor
 * does. The last line is returned even without a line break; a final line break does not make an
 * extra empty line.
 */
export async function* splitLines(texts: AsyncIterable<string>): AsyncGenerator<TextLine> {
  let line = 1;
  let carry = '';
  let pendingCR = false;
  for await (const chunk of texts) {
    let s = chunk;
    let start = 0;
    if (pendingCR) {
      pendingCR = false;
      if (s.charCodeAt(0) === 10) start = 1; // the LF of a CRLF split across chunks
    }
    let text = carry;
    carry = '';
    for (let i = start; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      yield { line: line++, text: text + s.slice(start, i) };
      text = '';
      if (c === 13) {
        if (i + 1 === s.length) pendingCR = true;
        else if (s.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    carry = text + s.slice(start);
    s = '';
  }
  if (carry !== '') yield { line, text: carry };
}
