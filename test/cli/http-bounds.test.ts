// The one HTTP client (generator/src/io/http.ts) keeps an answer in memory only up to maxBytes: a hostile or
// broken server (an API server of a kubeconfig, a registry) cannot fill the memory.
import { describe, it, expect, afterAll } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "../../generator/src/io/http.js";
import { HarborApi, HarborUnreachable } from "../../generator/src/harbor/api.js";

const server = http.createServer((req, res) => {
  const path = new URL(req.url!, "http://x").pathname;
  if (path === "/cut") {
    // says 1000 bytes, sends 10, closes the connection
    res.writeHead(200, { "content-length": "1000" });
    res.write("0123456789");
    setTimeout(() => req.socket.destroy(), 20);
    return;
  }
  if (path.endsWith("/drip")) {
    // a byte every 50 ms, forever: never idle for long, never done
    res.writeHead(200);
    const t = setInterval(() => res.write("x"), 50);
    res.on("close", () => clearInterval(t));
    return;
  }
  if (path === "/headers") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(req.headersDistinct));
    return;
  }
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
const url = new Promise<string>((resolve) =>
  server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
);
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("io/http request: answers are bounded", () => {
  it("keeps an answer up to maxBytes", async () => {
    const r = await request({ method: "GET", url: `${await url}/?bytes=${1024 * 1024}`, maxBytes: 1024 * 1024 });
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(1024 * 1024);
  });
  it("refuses a larger one with a message naming the bound, not buffering it", async () => {
    await expect(request({ method: "GET", url: `${await url}/?bytes=${4 * 1024 * 1024}`, maxBytes: 1024 * 1024 })).rejects.toMatchObject({
      code: "E_TOO_LARGE",
      message: expect.stringMatching(/larger than 1048576 bytes; refused/),
    });
  });
  it("an answer cut short by a closed connection is an error (ECONNRESET), never a truncated body", async () => {
    await expect(request({ method: "GET", url: `${await url}/cut` })).rejects.toMatchObject({ code: "ECONNRESET" });
  });
  it("deadlineMs bounds the whole request, even while the server keeps sending (the idle timeout alone would not)", async () => {
    const t0 = Date.now();
    await expect(request({ method: "GET", url: `${await url}/drip`, timeoutMs: 5000, deadlineMs: 300 })).rejects.toMatchObject({
      code: "ETIMEDOUT",
      message: expect.stringContaining("no answer within 0.3s"),
    });
    expect(Date.now() - t0).toBeLessThan(3000);
  });
  it("the Harbor API client bounds a whole request by its timeout: a server that sends a byte now and then does not hold it", async () => {
    const api = new HarborApi({ url: await url, timeoutMs: 400 });
    const t0 = Date.now();
    await expect(api.call("GET", "/drip")).rejects.toBeInstanceOf(HarborUnreachable);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
  it("resolves names with the lookup given (the node's resolver in the node check), and sends repeated headers", async () => {
    const port = new URL(await url).port;
    const asked: string[] = [];
    const lookup = ((host: string, o: { all?: boolean }, cb: (e: Error | null, a: unknown, f?: number) => void) => {
      asked.push(host);
      if (o?.all) cb(null, [{ address: "127.0.0.1", family: 4 }]);
      else cb(null, "127.0.0.1", 4);
    }) as never;
    const r = await request({
      method: "GET",
      url: `http://registry.invalid:${port}/headers`,
      lookup,
      agent: false,
      headers: { "x-two": ["a", "b"] },
    });
    expect(asked).toEqual(["registry.invalid"]);
    expect(JSON.parse(r.body.toString())["x-two"]).toEqual(["a", "b"]);
  });
});
