// Length-prefixed framing for a byte stream, shared by file_server and file_client.
// TCP keeps no message boundaries ("sticky packets": two sends may arrive
// as one recv), so each message says how long it is. A frame is a 4-byte
// big-endian length followed by that many bytes.
import type { Socket } from 'posixkit/socket';

/** Receives exactly n bytes (recv may return fewer); throws on a premature EOF. */
export function recvExactly(sock: Socket, n: number): Buffer {
  const buf = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const k = sock.recv_into(buf.subarray(got));
    if (k === 0) throw new Error(`connection closed after ${got} of ${n} bytes`);
    got += k;
  }
  return buf;
}

/** Sends a frame completely: header then payload with sendall. */
export function sendFrameAll(sock: Socket, payload: Uint8Array): void {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(payload.length);
  sock.sendall(head);
  sock.sendall(payload);
}

/** The next frame's payload, or null on a clean EOF between frames. */
export function recvFrame(sock: Socket): Buffer | null {
  const first = sock.recv(4, 0);
  if (first.length === 0) return null;
  const head = first.length === 4 ? first : Buffer.concat([first, recvExactly(sock, 4 - first.length)]);
  return recvExactly(sock, head.readUInt32BE(0));
}
