// A stand-in for the cluster's DNS, for the configuration Job scenario: the kubelet gives pods the node
// address as their nameserver (up.sh, clusterDNS). It answers A queries for the names it is given and
// NXDOMAIN for every other name (and an empty answer for other types of a known name). UDP only.
import dgram from "node:dgram";

export interface Dns {
  close(): Promise<void>;
  queries: string[];
}

function readName(buf: Buffer, off: number): [string, number] {
  const labels: string[] = [];
  while (buf[off] !== 0) {
    const len = buf[off];
    labels.push(buf.subarray(off + 1, off + 1 + len).toString("ascii"));
    off += len + 1;
  }
  return [labels.join(".").toLowerCase(), off + 1];
}

export async function startDns(address: string, names: Record<string, string>): Promise<Dns> {
  const sock = dgram.createSocket("udp4");
  const queries: string[] = [];
  sock.on("message", (q, rinfo) => {
    if (q.length < 17) return;
    const [name, end] = readName(q, 12);
    const qtype = q.readUInt16BE(end);
    queries.push(`${name} ${qtype === 1 ? "A" : qtype === 28 ? "AAAA" : qtype}`);
    const ip = names[name.replace(/\.$/, "")];
    const question = q.subarray(12, end + 4);
    const header = Buffer.alloc(12);
    q.copy(header, 0, 0, 2); // id
    const answer = ip !== undefined && qtype === 1;
    header.writeUInt16BE(0x8180 | (ip === undefined ? 3 : 0), 2); // response, recursion desired+available, rcode
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answer ? 1 : 0, 6);
    const parts = [header, question];
    if (answer) {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0); // name: pointer to the question
      rr.writeUInt16BE(1, 2); // A
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(5, 6); // TTL
      rr.writeUInt16BE(4, 10);
      ip.split(".").forEach((b, i) => rr.writeUInt8(Number(b), 12 + i));
      parts.push(rr);
    }
    sock.send(Buffer.concat(parts), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once("error", reject);
    sock.bind(53, address, () => resolve());
  });
  return { queries, close: () => new Promise<void>((r) => sock.close(() => r())) };
}
