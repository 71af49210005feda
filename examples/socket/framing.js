// Length-prefixed framing for a byte stream (seed 002, "tcp粘包" / sticky
// packets): TCP keeps no message boundaries, so each message says how long
// it is. A frame is a 4-byte big-endian length followed by that many bytes.
'use strict';

/** Receives exactly n bytes (recv may return fewer); throws on a premature EOF. */
function recvExactly(sock, n) {
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
function sendFrameAll(sock, payload) {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(payload.length);
  sock.sendall(head);
  sock.sendall(payload);
}

/** The next frame's payload, or null on a clean EOF between frames. */
function recvFrame(sock) {
  const first = sock.recv(4, 0);
  if (first.length === 0) return null;
  const head = first.length === 4 ? first : Buffer.concat([first, recvExactly(sock, 4 - first.length)]);
  return recvExactly(sock, head.readUInt32BE(0));
}

module.exports = { recvExactly, sendFrameAll, recvFrame };
