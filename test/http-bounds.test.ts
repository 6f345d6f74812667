// The one HTTP client (generator/src/io/http.ts) keeps an answer in memory only up to maxBytes: a hostile or
// broken server (an API server of a kubeconfig, a registry) cannot fill the memory.
import { describe, it, expect, afterAll } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "../generator/src/io/http.js";

const server = http.createServer((req, res) => {
  const n = Number(new URL(req.url!, "http://x").searchParams.get("bytes"));
  res.writeHead(200, { "content-type": "application/octet-stream" });
  // in 64 KiB pieces, as a stream, without a content-length
  let left = n;
  const piece = Buffer.alloc(64 * 1024, 0x61);
  const more = () => {
    while (left > 0) {
      const c = piece.subarray(0, Math.min(piece.length, left));
      left -= c.length;
      if (!res.write(c)) return void res.once("drain", more);
    }
    res.end();
  };
  more();
});
const url = new Promise<string>((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("io/http request: answers are bounded", () => {
  it("keeps an answer up to maxBytes", async () => {
    const r = await request({ method: "GET", url: `${await url}/?bytes=${1024 * 1024}`, maxBytes: 1024 * 1024 });
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(1024 * 1024);
  });
  it("refuses a larger one with a message naming the bound, not buffering it", async () => {
    await expect(request({ method: "GET", url: `${await url}/?bytes=${4 * 1024 * 1024}`, maxBytes: 1024 * 1024 })).rejects.toThrow(/larger than 1048576 bytes; refused/);
  });
});
