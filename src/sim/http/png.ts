import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A minimal PNG encoder: 8-bit RGBA, no interlace, filter 0 on every row. */
export function encodePng(width: number, height: number, pixel: (x: number, y: number) => Rgba): Buffer {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0, o = 0; y < height; y++) {
    raw[o++] = 0;
    for (let x = 0; x < width; x++) for (const v of pixel(x, y)) raw[o++] = v;
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const inEllipse = (x: number, y: number, cx: number, cy: number, rx: number, ry: number) =>
  ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;

function inRoundedRect(x: number, y: number, x0: number, y0: number, x1: number, y1: number, radius: number): boolean {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + radius), x1 - radius);
  const cy = Math.min(Math.max(y, y0 + radius), y1 - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

/** A side view of a car in a colour derived from the VIN, on a transparent background, like BMW's renderings. */
export function carImage(vin: string, width = 320, height = 180): Buffer {
  const [r, g, b] = createHash('sha256').update(vin).digest();
  const paint: Rgba = [40 + (r % 180), 40 + (g % 180), 40 + (b % 180), 255];
  const s = width / 320;
  return encodePng(width, height, (px, py) => {
    const x = px / s;
    const y = py / (height / 180);
    for (const cx of [85, 235]) {
      if (inEllipse(x, y, cx, 135, 10, 10)) return [190, 194, 200, 255];
      if (inEllipse(x, y, cx, 135, 23, 23)) return [28, 30, 34, 255];
    }
    // Cabin: a trapezoid whose glass sits inside a pillar-coloured frame.
    const cabinTop = 62;
    if (y >= cabinTop && y < 98) {
      const t = (y - cabinTop) / (98 - cabinTop);
      const left = 128 - 38 * t;
      const right = 205 + 32 * t;
      if (x >= left && x <= right) {
        const glass = y > cabinTop + 5 && x > left + 6 && x < right - 6 && Math.abs(x - 166) > 3;
        return glass ? [150, 185, 215, 255] : paint;
      }
    }
    if (inRoundedRect(x, y, 30, 96, 292, 136, 14)) return paint;
    if (inEllipse(x, y, 160, 160, 140, 7)) return [0, 0, 0, 60];
    return [0, 0, 0, 0];
  });
}
