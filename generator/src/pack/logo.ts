// logo.png for the pack, drawn here (no binary in the repository): a 256x256 RGBA PNG with a transparent
// background, anti-aliased (4x4 samples a pixel): a disc in Harbor's blue with a white ring and three white
// stacked layers, a registry's image layers. A pure function of the size; the PNG encoder is below.
import zlib from "node:zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

export const LOGO_SIZE = 256;

type RGBA = [number, number, number, number];
const HARBOR: RGBA = [0x4a, 0x90, 0xd9, 255];
const DARK: RGBA = [0x1d, 0x3f, 0x72, 255];
const WHITE: RGBA = [255, 255, 255, 255];
const NONE: RGBA = [0, 0, 0, 0];

/** The colour at a point of the unit square (0..1 both ways, y down). */
function shade(x: number, y: number): RGBA {
  const cx = x - 0.5,
    cy = y - 0.5;
  const r = Math.hypot(cx, cy);
  if (r > 0.48) return NONE;
  if (r > 0.44) return DARK;
  if (r > 0.41) return WHITE;
  // three layers seen from above, rhombi (|dx|/w + |dy|/h <= 1), top first: each one's blue margin
  // cuts it from the layers below, so only their lower rims show
  for (const top of [0.37, 0.5, 0.63]) {
    const d = Math.abs(cx) / 0.24 + Math.abs(y - top) / 0.1;
    if (d <= 1) return WHITE;
    if (d <= 1.22) return HARBOR;
  }
  return HARBOR;
}

export function logoPng(size = LOGO_SIZE): Buffer {
  const S = 4; // samples per pixel each way
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    row[0] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      let [r, g, b, a] = [0, 0, 0, 0];
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const c = shade((x + (sx + 0.5) / S) / size, (y + (sy + 0.5) / S) / size);
          r += c[0] * c[3];
          g += c[1] * c[3];
          b += c[2] * c[3];
          a += c[3];
        }
      }
      if (a > 0) row.set([Math.round(r / a), Math.round(g / a), Math.round(b / a), Math.round(a / (S * S))], 1 + x * 4);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
