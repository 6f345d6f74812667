// The CRI image service of a real containerd, called the way the kubelet calls it: gRPC over its unix
// socket (HTTP/2, protobuf). Only PullImage and RemoveImage, with their messages encoded by hand
// (runtime.v1: ImageSpec{string image = 1}; PullImageRequest{ImageSpec image = 1}; PullImageResponse{string
// image_ref = 1}; RemoveImageRequest{ImageSpec image = 1}).
import http2 from "node:http2";
import net from "node:net";
import { spawnSync } from "node:child_process";

function bytesField(field: number, value: Buffer): Buffer {
  const len: number[] = [];
  let n = value.length;
  do {
    len.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...len]), value]);
}
const imageSpec = (ref: string) => bytesField(1, bytesField(1, Buffer.from(ref)));

function call(socket: string, method: string, message: Buffer, timeoutMs = 120_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect("http://localhost", { createConnection: () => net.connect(socket) });
    session.on("error", reject);
    const frame = Buffer.alloc(5 + message.length);
    frame.writeUInt32BE(message.length, 1);
    message.copy(frame, 5);
    const req = session.request({
      ":method": "POST",
      ":path": `/runtime.v1.ImageService/${method}`,
      "content-type": "application/grpc",
      te: "trailers",
    });
    const chunks: Buffer[] = [];
    let status = "",
      grpcMessage = "";
    const timer = setTimeout(() => req.close(http2.constants.NGHTTP2_CANCEL), timeoutMs);
    req.on("response", (h) => {
      if (h["grpc-status"] !== undefined)
        [status, grpcMessage] = [String(h["grpc-status"]), decodeURIComponent(String(h["grpc-message"] ?? ""))];
    });
    req.on("trailers", (h) => {
      status = String(h["grpc-status"] ?? status);
      grpcMessage = decodeURIComponent(String(h["grpc-message"] ?? grpcMessage));
    });
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      clearTimeout(timer);
      session.close();
      if (status !== "0") return reject(new Error(`CRI ${method}: grpc-status ${status || "none"}: ${grpcMessage}`));
      const body = Buffer.concat(chunks);
      resolve(body.length >= 5 ? body.subarray(5, 5 + body.readUInt32BE(1)) : Buffer.alloc(0));
    });
    req.on("error", (e) => {
      clearTimeout(timer);
      session.close();
      reject(e instanceof Error ? e : new Error(String(e)));
    });
    req.end(frame);
  });
}

/** PullImage: resolves the image reference containerd stored (the image id), rejects with containerd's error. */
export async function criPull(socket: string, ref: string): Promise<string> {
  const resp = await call(socket, "PullImage", imageSpec(ref));
  // PullImageResponse: field 1, length-delimited (short: one length byte)
  return resp.length > 2 && resp[0] === 0x0a ? resp.subarray(2, 2 + resp[1]).toString() : "";
}

export async function criRemove(socket: string, ref: string): Promise<void> {
  await call(socket, "RemoveImage", imageSpec(ref));
}

/**
 * `ctr images pull --hosts-dir DIR` inside a network namespace (its resolver and routes): containerd's own
 * resolver reading the host files, as the CRI plugin would with that config_path. The pull's exit and output.
 */
export function ctrPull(o: { netns: string; sock: string; namespace: string; hostsDir: string; image: string; env?: NodeJS.ProcessEnv }) {
  const args = [
    "netns",
    "exec",
    o.netns,
    "ctr",
    "--address",
    o.sock,
    "--namespace",
    o.namespace,
    "images",
    "pull",
    "--snapshotter",
    "native",
    "--hosts-dir",
    o.hostsDir,
    o.image,
  ];
  return spawnSync("ip", args, { encoding: "utf8", timeout: 120_000, ...(o.env ? { env: o.env } : {}) });
}
