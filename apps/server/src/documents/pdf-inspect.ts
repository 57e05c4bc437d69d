import { inflateSync } from 'node:zlib';

/**
 * For tests: reads back what PDFKit wrote, from the real (compressed) bytes. Not a general PDF
 * parser: it knows PDFKit's layout (direct /Length, FlateDecode, text as hex strings in TJ
 * arrays for the standard fonts, images as raw deflated samples).
 */

export interface PdfObject {
  id: number;
  dict: string;
  /** The decoded stream, when the object has one. */
  data?: Buffer;
}

export function pdfObjects(pdf: Buffer): PdfObject[] {
  const s = pdf.toString('latin1');
  const objects: PdfObject[] = [];
  const head = /(\d+) 0 obj\s*/g;
  for (let m = head.exec(s); m; m = head.exec(s)) {
    const start = head.lastIndex;
    const end = s.indexOf('endobj', start);
    const stream = /(>>\s*)stream\r?\n/.exec(s.slice(start, end));
    if (!stream) {
      objects.push({ id: Number(m[1]), dict: s.slice(start, end).trim() });
      head.lastIndex = end;
      continue;
    }
    const dict = s.slice(start, start + stream.index + stream[1]!.length).trim();
    const length = Number(/\/Length (\d+)/.exec(dict)?.[1]);
    const from = start + stream.index + stream[0].length;
    const raw = pdf.subarray(from, from + length);
    objects.push({
      id: Number(m[1]),
      dict,
      data: /\/Filter \/FlateDecode/.test(dict) ? inflateSync(raw) : raw,
    });
    // Skip the binary data: it may contain anything, "endobj" included.
    head.lastIndex = from + length;
  }
  return objects;
}

/** Windows-1252 0x80-0x9F back to Unicode (PDFKit's WIN_ANSI_MAP, inverted). */
const CP1252: Record<number, string> = {
  128: '€',
  130: '‚',
  131: 'ƒ',
  132: '„',
  133: '…',
  134: '†',
  135: '‡',
  136: 'ˆ',
  137: '‰',
  138: 'Š',
  139: '‹',
  140: 'Œ',
  142: 'Ž',
  145: '‘',
  146: '’',
  147: '“',
  148: '”',
  149: '•',
  150: '–',
  151: '—',
  152: '˜',
  153: '™',
  154: 'š',
  155: '›',
  156: 'œ',
  158: 'ž',
  159: 'Ÿ',
};

/**
 * The text drawn with the standard fonts, one line per text-showing operator (PDFKit writes each
 * wrapped line as its own), no-break spaces as plain spaces.
 */
export function pdfText(pdf: Buffer): string {
  const lines: string[] = [];
  for (const obj of pdfObjects(pdf)) {
    if (!obj.data || /\/Subtype \/Image|\/Length1|\/Subtype \/Type1C/.test(obj.dict)) continue;
    const content = obj.data.toString('latin1');
    for (const op of content.matchAll(/\[((?:<[0-9a-fA-F]*>|\s|-?\d+(?:\.\d+)?)*)\] TJ/g)) {
      let line = '';
      for (const hex of op[1]!.matchAll(/<([0-9a-fA-F]*)>/g)) {
        for (let i = 0; i < hex[1]!.length; i += 2) {
          const code = Number.parseInt(hex[1]!.slice(i, i + 2), 16);
          line += CP1252[code] ?? String.fromCharCode(code);
        }
      }
      lines.push(line.replace(/\u00a0/g, ' '));
    }
  }
  return lines.join('\n');
}

export interface PdfImage {
  id: number;
  width: number;
  height: number;
  colorSpace: string;
  /** Raw samples, 8 bits per component, row by row. */
  samples: Buffer;
  /** The soft mask's object id (the alpha channel of a PNG). */
  smask?: number;
}

export function pdfImages(pdf: Buffer): PdfImage[] {
  return pdfObjects(pdf)
    .filter((o) => o.data && /\/Subtype \/Image/.test(o.dict))
    .map((o) => {
      const num = (key: string) => Number(new RegExp(`/${key} (\\d+)`).exec(o.dict)?.[1]);
      if (/\/Predictor/.test(o.dict) || num('BitsPerComponent') !== 8) {
        throw new Error(`image ${o.id} uses a layout these tests do not decode: ${o.dict}`);
      }
      const smask = /\/SMask (\d+) 0 R/.exec(o.dict)?.[1];
      return {
        id: o.id,
        width: num('Width'),
        height: num('Height'),
        colorSpace: /\/ColorSpace \/(\w+)/.exec(o.dict)?.[1] ?? '',
        samples: o.data!,
        ...(smask ? { smask: Number(smask) } : {}),
      };
    });
}

/** Is the pixel at (x, y) dark (luminance below half)? */
export function isDark(img: PdfImage, x: number, y: number): boolean {
  const channels = img.colorSpace === 'DeviceRGB' ? 3 : 1;
  const at = (y * img.width + x) * channels;
  if (channels === 1) return img.samples[at]! < 128;
  const [r, g, b] = [img.samples[at]!, img.samples[at + 1]!, img.samples[at + 2]!];
  return 0.299 * r + 0.587 * g + 0.114 * b < 128;
}

/** A string entry of the document info (PDFKit writes each as its own object), e.g. CreationDate. */
export function pdfInfo(pdf: Buffer, key: string): string | undefined {
  const objects = pdfObjects(pdf);
  const ref = new RegExp(`/${key} (\\d+) 0 R`);
  for (const o of objects) {
    const id = ref.exec(o.dict)?.[1];
    if (id === undefined) continue;
    const value = objects.find((x) => x.id === Number(id))?.dict;
    return value?.replace(/^\(|\)$/g, '').replace(/\\([()\\])/g, '$1');
  }
  return undefined;
}
