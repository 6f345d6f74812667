// logo.png for the pack, drawn here (no binary in the repository): a 128x128 PNG, a registry's stacked
// layers in Harbor's blue on white.
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

export function logoPng(size = 128): Buffer {
  const harbor = [0x4a, 0x90, 0xd9];
  const dark = [0x1d, 0x3f, 0x72];
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3, 0xff);
    row[0] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const cx = x - size / 2, cy = y - size / 2;
      let color: number[] | undefined;
      if (Math.hypot(cx, cy) > size * 0.47) color = undefined;
      else if (Math.hypot(cx, cy) > size * 0.42) color = dark;
      else {
        // three stacked layers
        for (const top of [0.3, 0.46, 0.62]) {
          const t = top * size;
          if (y >= t && y < t + size * 0.11 && Math.abs(cx) < size * 0.26) color = harbor;
        }
      }
      if (color) row.set(color, 1 + x * 3);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(Buffer.concat(rows))), chunk("IEND", Buffer.alloc(0))]);
}
