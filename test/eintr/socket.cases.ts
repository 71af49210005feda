// Blocking calls of posixkit/socket under the EINTR rule (CPython
// _test_eintr.py SocketEINTRTest, test_socket.py InterruptedRecvTimeoutTest /
// InterruptedSendTimeoutTest, TCPTimeoutTest.testInterruptedTimeout: EINTR-05..08).
// Each peer is a forked child that waits ~300 ms first, so the call really
// blocks while the harness's timer fires. The "timeout" variants go through
// the poll() path with a deadline recomputed after each signal.
import * as assert from 'node:assert/strict';
import * as os from '../../lib/os';
import * as socket from '../../lib/socket';
import { runInChild, sleepSync } from '../helpers/proc';
import type { EintrCase, EintrCall } from './types';

/** A forked child that cleanup() kills and reaps unless the case reaped it. */
class Child {
  readonly pid: number;
  reaped = false;
  constructor(fn: () => number | void) {
    this.pid = runInChild(fn);
  }
  /** Waits for a normal end and returns the exit code. */
  join(): number {
    this.reaped = true;
    return os.waitstatus_to_exitcode(os.waitpid(this.pid, 0)[1]);
  }
  reap(): void {
    if (this.reaped) return;
    this.reaped = true; // never signal a pid after it may have been reused
    try { os.kill(this.pid, 9); } catch { /* already gone */ }
    os.waitpid(this.pid, 0);
  }
}

function closeAll(socks: Array<socket.Socket | null | undefined>): void {
  for (const s of socks) s?.close();
}

const BIG = 4 * 1024 * 1024 + 1; // more than any socket buffer

// A blocking receive on a socketpair whose peer sends after 300 ms.
function recvCase(name: string, timeout: number | null, call: (s: socket.Socket) => unknown,
  check: (r: unknown, s: socket.Socket) => void): EintrCase {
  return {
    name,
    prepare(): EintrCall {
      const [a, b] = socket.socketpair();
      const child = new Child(() => {
        a.close();
        sleepSync(300);
        b.sendall(Buffer.from('posixkit'));
        sleepSync(1000); // keep the peer open until the parent has read
        return 0;
      });
      b.close();
      a.settimeout(timeout);
      return {
        call: () => call(a),
        check: (r) => check(r, a),
        cleanup: () => { closeAll([a]); child.reap(); },
      };
    },
  };
}

const asText = (r: unknown): string => (r as Buffer).toString();

// A blocking send into a full buffer; the child drains after 300 ms and
// exits 0 only if it got every byte.
function sendCase(name: string, timeout: number | null, mode: 'sendall' | 'send'): EintrCase {
  return {
    name,
    prepare(): EintrCall {
      const [a, b] = socket.socketpair();
      let expected = BIG;
      if (mode === 'send') {
        // Fill the buffer first so that the one send() below must block.
        a.setblocking(false);
        let filled = 0;
        for (;;) {
          const n = a.send_raw(Buffer.alloc(65536));
          if (n < 0) break;
          filled += n;
        }
        expected = filled; // plus what send() returns, added in check
      }
      const child = new Child(() => {
        a.close();
        sleepSync(300);
        let total = 0;
        const buf = Buffer.alloc(1 << 16);
        for (;;) {
          const n = b.recv_into(buf);
          if (n === 0) break;
          total += n;
        }
        b.close();
        // The total, reduced to fit an exit code; check() compares it.
        return total % 251;
      });
      b.close();
      a.settimeout(timeout);
      let sent = 0;
      return {
        call: () => (mode === 'sendall' ? a.sendall(Buffer.alloc(BIG)) : (sent = a.send(Buffer.alloc(BIG)))),
        check: () => {
          a.close();
          const total = mode === 'sendall' ? expected : expected + sent;
          if (mode === 'send') assert.ok(sent > 0);
          assert.equal(child.join(), total % 251);
        },
        cleanup: () => { closeAll([a]); child.reap(); },
      };
    },
  };
}

function acceptCase(name: string, timeout: number | null): EintrCase {
  return {
    name,
    prepare(): EintrCall {
      const srv = socket.create_server(['127.0.0.1', 0]);
      const addr = srv.getsockname() as [string, number];
      const child = new Child(() => {
        srv.close();
        sleepSync(300);
        const c = socket.create_connection(addr, 5);
        c.sendall(Buffer.from('hi'));
        c.close();
        return 0;
      });
      srv.settimeout(timeout);
      let conn: socket.Socket | null = null;
      return {
        call: () => { const r = srv.accept(); conn = r[0]; return r; },
        check: (r) => {
          const [s, peer] = r as [socket.Socket, [string, number]];
          assert.equal(peer[0], '127.0.0.1');
          assert.equal(s.gettimeout(), null);
          assert.equal(s.recv(10).toString(), 'hi');
        },
        cleanup: () => { closeAll([conn, srv]); child.reap(); },
      };
    },
  };
}

// connect() blocks when the listener's accept queue is full: the kernel drops
// the SYN and the client retransmits it (after ~1 s). The child frees the
// queue after 300 ms. An interrupted connect is not restarted; it waits for
// the outcome (CPython's internal_connect).
function connectCase(name: string, timeout: number | null): EintrCase {
  return {
    name,
    prepare(): EintrCall {
      const srv = socket.socket();
      srv.bind(['127.0.0.1', 0]);
      srv.listen(0);
      const addr = srv.getsockname() as [string, number];
      const filler = socket.create_connection(addr, 5); // fills the queue of one
      const child = new Child(() => {
        sleepSync(300);
        srv.accept()[0].close();
        return 0;
      });
      const c = socket.socket();
      c.settimeout(timeout);
      return {
        call: () => c.connect(addr),
        check: () => assert.deepEqual(c.getpeername(), addr),
        cleanup: () => { closeAll([c, filler, srv]); child.reap(); },
      };
    },
  };
}

export const cases: EintrCase[] = [
  connectCase('socket.connect', null),
  connectCase('socket.connect (settimeout 10)', 10),
  acceptCase('socket.accept', null),
  acceptCase('socket.accept (settimeout 10)', 10),
  recvCase('socket.recv', null, (s) => s.recv(100), (r) => assert.equal(asText(r), 'posixkit')),
  recvCase('socket.recv (settimeout 10)', 10, (s) => s.recv(100), (r) => assert.equal(asText(r), 'posixkit')),
  recvCase('socket.recv_into (settimeout 10)', 10, (s) => {
    const buf = Buffer.alloc(100);
    return buf.subarray(0, s.recv_into(buf));
  }, (r) => assert.equal(asText(r), 'posixkit')),
  recvCase('socket.recvmsg (settimeout 10)', 10, (s) => s.recvmsg(100)[0], (r) => assert.equal(asText(r), 'posixkit')),
  ...([null, 10] as const).map((t) => recvCase(`socket.recvmsg_into${t === null ? '' : ' (settimeout 10)'}`, t, (s) => {
    const [x, y] = [Buffer.alloc(3), Buffer.alloc(97)];
    const [n] = s.recvmsg_into([x, y]);
    return Buffer.concat([x, y]).subarray(0, n);
  }, (r) => assert.equal(asText(r), 'posixkit'))),
  recvCase('socket makefile().read (settimeout 10)', 10, (s) => {
    const f = s.makefile('rb');
    try {
      return f.read(8);
    } finally {
      f.close();
    }
  }, (r) => assert.equal(asText(r), 'posixkit')),
  {
    name: 'socket.recvfrom (UDP, settimeout 10)',
    prepare(): EintrCall {
      const u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
      u.bind(['127.0.0.1', 0]);
      const addr = u.getsockname() as [string, number];
      const child = new Child(() => {
        u.close();
        sleepSync(300);
        const s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
        s.sendto(Buffer.from('datagram'), addr);
        s.close();
        return 0;
      });
      u.settimeout(10);
      return {
        call: () => u.recvfrom(100),
        check: (r) => assert.equal((r as [Buffer, unknown])[0].toString(), 'datagram'),
        cleanup: () => { closeAll([u]); child.reap(); },
      };
    },
  },
  sendCase('socket.sendall', null, 'sendall'),
  sendCase('socket.sendall (settimeout 10)', 10, 'sendall'),
  sendCase('socket.send (full buffer)', null, 'send'),
  sendCase('socket.send (full buffer, settimeout 10)', 10, 'send'),
];
