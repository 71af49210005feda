// Port of CPython 3.11 Lib/test/test_socket.py, part 3: the sendmsg() /
// recvmsg() / recvmsg_into() classes over UDP, UDP6, TCP and AF_UNIX streams,
// SCM_RIGHTS and the RFC 3542 ancillary data. CPython builds the concrete
// classes from mixins by multiple inheritance; here the test mixins are
// copied onto one class in CPython's MRO order (the first one wins), over a
// single-inheritance socket base.
import { closeSync, openSync, readSync } from 'node:fs';
import * as os from '../../lib/os';
import * as socket from '../../lib/socket';
import { errno } from '../../lib/errors';
import { HOSTv6, LOOPBACK_TIMEOUT, mktemp, requireIPv6, unlink } from './support/helpers';
import { newEvent, SharedEvent } from './support/events';
import {
  ConnectedStreamMixin, Ctor, InetTestBaseMixin, MSG, ThreadedSocketMixin, UnixSocketTestBaseMixin,
} from './support/sockets';
import { OSError, run, strict, TimeoutError, ValueError } from './support/unittest';
import { ThreadableTest } from './support/threadable';

const SIZEOF_INT = 4;
const gen = <T>(items: T[]): Iterable<T> => (function* g() { yield* items; })();
const int32bytes = (xs: number[]): Buffer => Buffer.from(new Int32Array(xs).buffer);

/** The fields and helpers every mixin below relies on (SendrecvmsgBase). */
abstract class SendrecvmsgBase extends ThreadableTest {
  // Time in seconds to wait before considering a test failed.
  fail_timeout = LOOPBACK_TIMEOUT;
  misc_event!: SharedEvent;
  serv!: socket.Socket;
  cli!: socket.Socket;
  serv_addr: any;
  cli_addr: any;
  cli_conn!: socket.Socket;
  serv_conn!: socket.Socket;
  /** SendrecvmsgServerTimeoutBase: set a timeout on the server's socket. */
  get serverTimeout(): boolean {
    return false;
  }

  abstract get serv_sock(): socket.Socket;
  abstract get cli_sock(): socket.Socket;

  sendToServer(msg: Buffer): number {
    return this.cli_sock.send(msg);
  }

  get sendmsg_to_server_defaults(): unknown[] {
    return [];
  }

  sendmsgToServer(...args: unknown[]): number {
    const d = this.sendmsg_to_server_defaults;
    return (this.cli_sock.sendmsg as (...a: unknown[]) => number)(...args, ...d.slice(args.length));
  }

  doRecvmsg(sock: socket.Socket, bufsize: number, ...args: number[]): any[] {
    const result = (sock.recvmsg as (...a: unknown[]) => any[])(bufsize, ...args);
    this.registerRecvmsgResult(result);
    return result;
  }

  registerRecvmsgResult(_result: any[]): void {}

  checkRecvmsgAddress(addr1: unknown, addr2: unknown): void {
    this.assertEqual(addr1, addr2);
  }

  // Flags that are normally unset in msg_flags
  get msg_flags_common_unset(): number {
    return socket.MSG_CTRUNC | socket.MSG_OOB;
  }
  get msg_flags_common_set(): number {
    return 0;
  }
  get msg_flags_eor_indicator(): number {
    return 0;
  }
  get msg_flags_non_eor_indicator(): number {
    return 0;
  }

  checkFlags(flags: number, opts: { eor?: boolean | null; checkset?: number; checkunset?: number; ignore?: number } = {}): void {
    const eor = opts.eor ?? null;
    let checkset = opts.checkset ?? 0;
    let checkunset = opts.checkunset ?? 0;
    const ignore = opts.ignore ?? 0;
    let defaultset = this.msg_flags_common_set;
    let defaultunset = this.msg_flags_common_unset;
    if (eor) {
      defaultset |= this.msg_flags_eor_indicator;
      defaultunset |= this.msg_flags_non_eor_indicator;
    } else if (eor !== null) {
      defaultset |= this.msg_flags_non_eor_indicator;
      defaultunset |= this.msg_flags_eor_indicator;
    }
    // Function arguments override defaults
    defaultset &= ~checkunset;
    defaultunset &= ~checkset;
    // Merge arguments with remaining defaults, and check for conflicts
    checkset |= defaultset;
    checkunset |= defaultunset;
    const inboth = checkset & checkunset & ~ignore;
    if (inboth) throw new Error(`contradictory set, unset requirements for flags 0x${inboth.toString(16)}`);
    // Compare with given msg_flags value
    const mask = (checkset | checkunset) & ~ignore;
    this.assertEqual(flags & mask, checkset & mask);
  }

}

// ---- mixins (method bags, applied in MRO order) -------------------------------------

abstract class RecvmsgIntoMixin extends SendrecvmsgBase {
  override doRecvmsg(sock: socket.Socket, bufsize: number, ...args: number[]): any[] {
    const buf = Buffer.alloc(bufsize);
    const result = strict(sock, 'Socket').recvmsg_into([buf], ...args);
    this.registerRecvmsgResult(result);
    this.assertGreaterEqual(result[0], 0);
    this.assertLessEqual(result[0], bufsize);
    return [Buffer.from(buf.subarray(0, result[0])), ...result.slice(1)];
  }
}

abstract class SendrecvmsgDgramFlagsBase extends SendrecvmsgBase {
  override get msg_flags_non_eor_indicator(): number {
    return socket.MSG_TRUNC;
  }
}

abstract class SendrecvmsgConnectionlessBase extends SendrecvmsgBase {
  get serv_sock(): socket.Socket {
    return this.serv;
  }
  get cli_sock(): socket.Socket {
    return this.cli;
  }
  override get sendmsg_to_server_defaults(): unknown[] {
    return [[], [], 0, this.serv_addr];
  }
  override sendToServer(msg: Buffer): number {
    return this.cli_sock.sendto(msg, this.serv_addr);
  }
}

abstract class SendrecvmsgConnectedBase extends SendrecvmsgBase {
  get serv_sock(): socket.Socket {
    return this.cli_conn;
  }
  get cli_sock(): socket.Socket {
    return this.serv_conn;
  }
  override checkRecvmsgAddress(): void {
    // Address is currently "unspecified" for a connected socket, so we don't examine it
  }
}

abstract class SendrecvmsgUDP6Address extends SendrecvmsgBase {
  override checkRecvmsgAddress(addr1: any, addr2: any): void {
    // ignoring scope ID
    this.assertEqual(addr1.slice(0, -1), addr2.slice(0, -1));
  }
}

abstract class SendmsgTests extends SendrecvmsgBase {
  override get serverTimeout(): boolean {
    return true;
  }

  testSendmsg(): void {
    // Send a simple message with sendmsg().
    this.assertEqual(this.serv_sock.recv(MSG.length), MSG);
  }
  _testSendmsg(): void {
    this.assertEqual(this.sendmsgToServer([MSG]), MSG.length);
  }

  testSendmsgDataGenerator(): void {
    // Send from buffer obtained from a generator (not a sequence).
    this.assertEqual(this.serv_sock.recv(MSG.length), MSG);
  }
  _testSendmsgDataGenerator(): void {
    this.assertEqual(this.sendmsgToServer(gen([MSG])), MSG.length);
  }

  testSendmsgAncillaryGenerator(): void {
    // Gather (empty) ancillary data from a generator.
    this.assertEqual(this.serv_sock.recv(MSG.length), MSG);
  }
  _testSendmsgAncillaryGenerator(): void {
    this.assertEqual(this.sendmsgToServer([MSG], gen([])), MSG.length);
  }

  testSendmsgArray(): void {
    // Send data from an array instead of the usual bytes object.
    this.assertEqual(this.serv_sock.recv(MSG.length), MSG);
  }
  _testSendmsgArray(): void {
    this.assertEqual(this.sendmsgToServer([Uint8Array.from(MSG)]), MSG.length);
  }

  testSendmsgGather(): void {
    // Send message data from more than one buffer (gather write).
    this.assertEqual(this.serv_sock.recv(MSG.length), MSG);
  }
  _testSendmsgGather(): void {
    this.assertEqual(this.sendmsgToServer([MSG.subarray(0, 3), MSG.subarray(3)]), MSG.length);
  }

  testSendmsgBadArgs(): void {
    // Check that sendmsg() rejects invalid arguments.
    this.assertEqual(this.serv_sock.recv(1000), Buffer.from('done'));
  }
  _testSendmsgBadArgs(): void {
    this.assertRaises(TypeError, () => (this.cli_sock.sendmsg as () => number)());
    this.assertRaises(TypeError, () => this.sendmsgToServer(Buffer.from('not in an iterable')));
    this.assertRaises(TypeError, () => this.sendmsgToServer({}));
    this.assertRaises(TypeError, () => this.sendmsgToServer([{}]));
    this.assertRaises(TypeError, () => this.sendmsgToServer([MSG, {}]));
    this.assertRaises(TypeError, () => this.sendmsgToServer([MSG], {}));
    this.assertRaises(TypeError, () => this.sendmsgToServer([MSG], [], {}));
    this.assertRaises(TypeError, () => this.sendmsgToServer([MSG], [], 0, {}));
    this.sendToServer(Buffer.from('done'));
  }

  testSendmsgBadCmsg(): void {
    // Check that invalid ancillary data items are rejected.
    this.assertEqual(this.serv_sock.recv(1000), Buffer.from('done'));
  }
  _testSendmsgBadCmsg(): void {
    this.assertRaises(TypeError, () => this.sendmsgToServer([MSG], [{}]));
    this.assertRaises(TypeError, () => this.sendmsgToServer([MSG], [[{}, 0, Buffer.from('data')]]));
    this.assertRaises(TypeError, () => this.sendmsgToServer([MSG], [[0, {}, Buffer.from('data')]]));
    this.assertRaises(TypeError, () => this.sendmsgToServer([MSG], [[0, 0, {}]]));
    this.assertRaises(TypeError, () => this.sendmsgToServer([MSG], [[0, 0]]));
    this.assertRaises(TypeError, () => this.sendmsgToServer([MSG], [[0, 0, Buffer.from('data'), 42]]));
    this.sendToServer(Buffer.from('done'));
  }

  testSendmsgBadMultiCmsg(): void {
    // Check that invalid ancillary data items are rejected when more than one item is present.
    this.assertEqual(this.serv_sock.recv(1000), Buffer.from('done'));
  }
  _testSendmsgBadMultiCmsg(): void {
    this.assertRaises(TypeError, () => this.sendmsgToServer([MSG], [0, 0, Buffer.alloc(0)]));
    this.assertRaises(TypeError, () => this.sendmsgToServer([MSG], [[0, 0, Buffer.alloc(0)], {}]));
    this.sendToServer(Buffer.from('done'));
  }

  testSendmsgExcessCmsgReject(): void {
    // Check that sendmsg() rejects excess ancillary data items when the number that can be sent is limited.
    this.assertEqual(this.serv_sock.recv(1000), Buffer.from('done'));
  }
  _testSendmsgExcessCmsgReject(): void {
    // CMSG_SPACE exists here: any number of items can be sent.
    this.sendToServer(Buffer.from('done'));
  }

  testSendmsgAfterClose(): void {
    // Check that sendmsg() fails on a closed socket.
  }
  _testSendmsgAfterClose(): void {
    this.cli_sock.close();
    this.assertRaises(OSError, () => this.sendmsgToServer([MSG]));
  }
}

abstract class SendmsgStreamTests extends SendrecvmsgBase {
  testSendmsgExplicitNoneAddr(): void {
    // Check that peer address can be specified as None.
    this.assertEqual(this.serv_sock.recv(MSG.length), MSG);
  }
  _testSendmsgExplicitNoneAddr(): void {
    this.assertEqual(this.sendmsgToServer([MSG], [], 0, null), MSG.length);
  }

  testSendmsgTimeout(): void {
    // Check that timeout works with sendmsg().
    this.assertEqual(this.serv_sock.recv(512), Buffer.alloc(512, 'a'));
    this.assertTrue(this.misc_event.wait(this.fail_timeout));
  }
  _testSendmsgTimeout(): void {
    try {
      this.cli_sock.settimeout(0.03);
      try {
        for (;;) this.sendmsgToServer([Buffer.alloc(512, 'a')]);
      } catch (exc) {
        if (exc instanceof TimeoutError) return;
        if (exc instanceof OSError && -exc.errno === errno.ENOMEM) return;
        throw exc;
      }
    } finally {
      this.misc_event.set();
    }
  }

  testSendmsgDontWait(): void {
    // Check that MSG_DONTWAIT in flags causes non-blocking behaviour.
    this.assertEqual(this.serv_sock.recv(512), Buffer.alloc(512, 'a'));
    this.assertTrue(this.misc_event.wait(this.fail_timeout));
  }
  _testSendmsgDontWait(): void {
    try {
      const e = this.assertRaises(OSError, () => {
        for (;;) this.sendmsgToServer([Buffer.alloc(512, 'a')], [], socket.MSG_DONTWAIT);
      });
      this.assertIn(-e.errno, [errno.EAGAIN, errno.EWOULDBLOCK, errno.ENOMEM]);
    } finally {
      this.misc_event.set();
    }
  }
}

abstract class SendmsgConnectionlessTests extends SendrecvmsgBase {
  testSendmsgNoDestAddr(): void {
    // Check that sendmsg() fails when no destination address is given for unconnected socket.
  }
  _testSendmsgNoDestAddr(): void {
    this.assertRaises(OSError, () => this.cli_sock.sendmsg([MSG]));
    this.assertRaises(OSError, () => (this.cli_sock.sendmsg as (...a: unknown[]) => number)([MSG], [], 0, null));
  }
}

abstract class RecvmsgGenericTests extends SendrecvmsgBase {
  testRecvmsg(): void {
    // Receive a simple message with recvmsg[_into]().
    const [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: true });
  }
  _testRecvmsg(): void {
    this.sendToServer(MSG);
  }

  testRecvmsgExplicitDefaults(): void {
    const [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length, 0, 0);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: true });
  }
  _testRecvmsgExplicitDefaults(): void {
    this.sendToServer(MSG);
  }

  testRecvmsgShorter(): void {
    // Receive a message smaller than buffer.
    const [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length + 42);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: true });
  }
  _testRecvmsgShorter(): void {
    this.sendToServer(MSG);
  }

  testRecvmsgTrunc(): void {
    // Receive part of message, check for truncation indicators.
    const [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length - 3);
    this.assertEqual(msg, MSG.subarray(0, -3));
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: false });
  }
  _testRecvmsgTrunc(): void {
    this.sendToServer(MSG);
  }

  testRecvmsgShortAncillaryBuf(): void {
    // Test ancillary data buffer too small to hold any ancillary data.
    const [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length, 1);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: true });
  }
  _testRecvmsgShortAncillaryBuf(): void {
    this.sendToServer(MSG);
  }

  testRecvmsgLongAncillaryBuf(): void {
    // Test large ancillary data buffer.
    const [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length, 10240);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: true });
  }
  _testRecvmsgLongAncillaryBuf(): void {
    this.sendToServer(MSG);
  }

  testRecvmsgAfterClose(): void {
    // Check that recvmsg[_into]() fails on a closed socket.
    this.serv_sock.close();
    this.assertRaises(OSError, () => this.doRecvmsg(this.serv_sock, 1024));
  }
  _testRecvmsgAfterClose(): void {}

  testRecvmsgTimeout(): void {
    // Check that timeout works.
    try {
      this.serv_sock.settimeout(0.03);
      this.assertRaises(TimeoutError, () => this.doRecvmsg(this.serv_sock, MSG.length));
    } finally {
      this.misc_event.set();
    }
  }
  _testRecvmsgTimeout(): void {
    this.assertTrue(this.misc_event.wait(this.fail_timeout));
  }

  testRecvmsgPeek(): void {
    // Check that MSG_PEEK in flags enables examination of pending data without consuming it.
    // Receive part of data with MSG_PEEK.
    let [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length - 3, 0, socket.MSG_PEEK);
    this.assertEqual(msg, MSG.subarray(0, -3));
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    // Ignoring MSG_TRUNC here (so this test is the same for stream and datagram sockets).
    this.checkFlags(flags, { eor: false, ignore: socket.MSG_TRUNC });
    // Receive all data with MSG_PEEK.
    [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length, 0, socket.MSG_PEEK);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: true });
    // Check that the same data can still be received normally.
    [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: true });
  }
  _testRecvmsgPeek(): void {
    this.sendToServer(MSG);
  }

  testRecvmsgFromSendmsg(): void {
    // Test receiving with recvmsg[_into]() when message is sent using sendmsg().
    this.serv_sock.settimeout(this.fail_timeout);
    const [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: true });
  }
  _testRecvmsgFromSendmsg(): void {
    this.assertEqual(this.sendmsgToServer([MSG.subarray(0, 3), MSG.subarray(3)]), MSG.length);
  }
}

abstract class RecvmsgGenericStreamTests extends SendrecvmsgBase {
  testRecvmsgEOF(): void {
    // Receive end-of-stream indicator (b"", peer socket closed).
    const [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, 1024);
    this.assertEqual(msg, Buffer.alloc(0));
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: null }); // Might not have end-of-record marker
  }
  _testRecvmsgEOF(): void {
    this.cli_sock.close();
  }

  testRecvmsgOverflow(): void {
    // Receive a message in more than one chunk.
    let [seg1, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length - 3);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: false });
    const [seg2, ancdata2, flags2, addr2] = this.doRecvmsg(this.serv_sock, 1024);
    [ancdata, flags, addr] = [ancdata2, flags2, addr2];
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: true });
    this.assertEqual(Buffer.concat([seg1, seg2]), MSG);
  }
  _testRecvmsgOverflow(): void {
    this.sendToServer(MSG);
  }
}

abstract class RecvmsgTests extends SendrecvmsgBase {
  testRecvmsgBadArgs(): void {
    // Check that recvmsg() rejects invalid arguments.
    const r = this.serv_sock.recvmsg.bind(this.serv_sock) as (...a: unknown[]) => any[];
    this.assertRaises(TypeError, () => r());
    this.assertRaises(ValueError, () => r(-1, 0, 0));
    this.assertRaises(ValueError, () => r(MSG.length, -1, 0));
    this.assertRaises(TypeError, () => r([Buffer.alloc(10)], 0, 0));
    this.assertRaises(TypeError, () => r({}, 0, 0));
    this.assertRaises(TypeError, () => r(MSG.length, {}, 0));
    this.assertRaises(TypeError, () => r(MSG.length, 0, {}));
    const [msg, ancdata, flags, addr] = this.serv_sock.recvmsg(MSG.length, 0, 0);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: true });
  }
  _testRecvmsgBadArgs(): void {
    this.sendToServer(MSG);
  }
}

abstract class RecvmsgIntoTests extends SendrecvmsgBase {
  recvmsg_into(...a: unknown[]): any[] {
    return strict(this.serv_sock, 'Socket').recvmsg_into(...a);
  }

  testRecvmsgIntoBadArgs(): void {
    // Check that recvmsg_into() rejects invalid arguments.
    const buf = Buffer.alloc(MSG.length);
    this.assertRaises(TypeError, () => this.recvmsg_into());
    this.assertRaises(TypeError, () => this.recvmsg_into(MSG.length, 0, 0));
    this.assertRaises(TypeError, () => this.recvmsg_into(buf, 0, 0));
    this.assertRaises(TypeError, () => this.recvmsg_into([{}], 0, 0));
    this.assertRaises(TypeError, () => this.recvmsg_into(["I'm not writable"], 0, 0));
    this.assertRaises(TypeError, () => this.recvmsg_into([buf, {}], 0, 0));
    this.assertRaises(ValueError, () => this.recvmsg_into([buf], -1, 0));
    this.assertRaises(TypeError, () => this.recvmsg_into([buf], {}, 0));
    this.assertRaises(TypeError, () => this.recvmsg_into([buf], 0, {}));
    const [nbytes, ancdata, flags, addr] = this.recvmsg_into([buf], 0, 0);
    this.assertEqual(nbytes, MSG.length);
    this.assertEqual(buf, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: true });
  }
  _testRecvmsgIntoBadArgs(): void {
    this.sendToServer(MSG);
  }

  testRecvmsgIntoGenerator(): void {
    // Receive into buffer obtained from a generator (not a sequence).
    const buf = Buffer.alloc(MSG.length);
    const [nbytes, ancdata, flags, addr] = this.recvmsg_into(gen([buf]));
    this.assertEqual(nbytes, MSG.length);
    this.assertEqual(buf, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: true });
  }
  _testRecvmsgIntoGenerator(): void {
    this.sendToServer(MSG);
  }

  testRecvmsgIntoArray(): void {
    // Receive into an array rather than the usual bytearray.
    const buf = new Uint8Array(MSG.length);
    const [nbytes, ancdata, flags, addr] = this.recvmsg_into([buf]);
    this.assertEqual(nbytes, MSG.length);
    this.assertEqual(Buffer.from(buf), MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: true });
  }
  _testRecvmsgIntoArray(): void {
    this.sendToServer(MSG);
  }

  testRecvmsgIntoScatter(): void {
    // Receive into multiple buffers (scatter write).
    const b1 = Buffer.from('----');
    const b2 = Buffer.from('0123456789');
    const b3 = Buffer.from('--------------');
    const [nbytes, ancdata, flags, addr] = this.recvmsg_into([b1, b2.subarray(2, 9), b3]);
    this.assertEqual(nbytes, 'Mary had a little lamb'.length);
    this.assertEqual(b1, Buffer.from('Mary'));
    this.assertEqual(b2, Buffer.from('01 had a 9'));
    this.assertEqual(b3, Buffer.from('little lamb---'));
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: true });
  }
  _testRecvmsgIntoScatter(): void {
    this.sendToServer(Buffer.from('Mary had a little lamb'));
  }
}

abstract class SCMRightsTest extends SendrecvmsgBase {
  override get serverTimeout(): boolean {
    return true;
  }
  // Invalid file descriptor value that's unlikely to evaluate to a real FD.
  get badfd(): number {
    return -0x5555;
  }

  newFDs(n: number): number[] {
    // Return a list of n file descriptors for newly-created files
    // containing their list indices as ASCII numbers.
    const fds: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = mktemp('fd'); // tempfile.mkstemp()
      const fd = openSync(p, 'w+');
      this.addCleanup(() => unlink(p));
      this.addCleanup(() => closeSync(fd));
      os.write(fd, String(i));
      fds.push(fd);
    }
    return fds;
  }

  checkFDs(fds: number[]): void {
    // Check that the file descriptors in the given list contain their
    // correct list indices as ASCII numbers (read from offset 0: os.lseek + os.read).
    fds.forEach((fd, n) => {
      const buf = Buffer.alloc(1024);
      const k = readSync(fd, buf, 0, 1024, 0);
      this.assertEqual(buf.subarray(0, k), Buffer.from(String(n)));
    });
  }

  override registerRecvmsgResult(result: any[]): void {
    this.addCleanup(() => this.closeRecvmsgFDs(result));
  }

  closeRecvmsgFDs(recvmsg_result: any[]): void {
    // Close all file descriptors specified in the ancillary data of the given return value.
    for (const [cmsg_level, cmsg_type, cmsg_data] of recvmsg_result[1]) {
      if (cmsg_level === socket.SOL_SOCKET && cmsg_type === socket.SCM_RIGHTS) {
        for (const fd of fdsOf(cmsg_data)) os.close(fd);
      }
    }
  }

  createAndSendFDs(n: number): void {
    // Send n new file descriptors created by newFDs() to the server, with
    // the constant MSG as the non-ancillary data.
    this.assertEqual(this.sendmsgToServer([MSG], [[socket.SOL_SOCKET, socket.SCM_RIGHTS, Int32Array.from(this.newFDs(n))]]),
      MSG.length);
  }

  checkRecvmsgFDs(numfds: number, result: any[], maxcmsgs = 1, ignoreflags = 0): void {
    const [msg, ancdata, flags, addr] = result;
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.checkFlags(flags, { eor: true, checkunset: socket.MSG_CTRUNC, ignore: ignoreflags });
    this.assertIsInstance(ancdata, Array);
    this.assertLessEqual(ancdata.length, maxcmsgs);
    const fds: number[] = [];
    for (const item of ancdata) {
      this.assertIsInstance(item, Array);
      const [cmsg_level, cmsg_type, cmsg_data] = item;
      this.assertEqual(cmsg_level, socket.SOL_SOCKET);
      this.assertEqual(cmsg_type, socket.SCM_RIGHTS);
      this.assertIsInstance(cmsg_data, Buffer);
      this.assertEqual(cmsg_data.length % SIZEOF_INT, 0);
      fds.push(...fdsOf(cmsg_data));
    }
    this.assertEqual(fds.length, numfds);
    this.checkFDs(fds);
  }

  testFDPassSimple(): void {
    // Pass a single FD (array read from bytes object).
    this.checkRecvmsgFDs(1, this.doRecvmsg(this.serv_sock, MSG.length, 10240));
  }
  _testFDPassSimple(): void {
    this.assertEqual(this.sendmsgToServer([MSG], [[socket.SOL_SOCKET, socket.SCM_RIGHTS, int32bytes(this.newFDs(1))]]),
      MSG.length);
  }

  testMultipleFDPass(): void {
    // Pass multiple FDs in a single array.
    this.checkRecvmsgFDs(4, this.doRecvmsg(this.serv_sock, MSG.length, 10240));
  }
  _testMultipleFDPass(): void {
    this.createAndSendFDs(4);
  }

  testFDPassCMSG_SPACE(): void {
    // Test using CMSG_SPACE() to calculate ancillary buffer size.
    this.checkRecvmsgFDs(4, this.doRecvmsg(this.serv_sock, MSG.length, socket.CMSG_SPACE(4 * SIZEOF_INT)));
  }
  _testFDPassCMSG_SPACE(): void {
    this.createAndSendFDs(4);
  }

  testFDPassCMSG_LEN(): void {
    // Test using CMSG_LEN() to calculate ancillary buffer size.
    this.checkRecvmsgFDs(1, this.doRecvmsg(this.serv_sock, MSG.length, socket.CMSG_LEN(4 * SIZEOF_INT)), 1,
      // RFC 3542 says implementations may set MSG_CTRUNC if there isn't enough space for trailing padding.
      socket.MSG_CTRUNC);
  }
  _testFDPassCMSG_LEN(): void {
    this.createAndSendFDs(1);
  }

  testFDPassSeparate(): void {
    // Pass two FDs in two separate arrays. Arrays may be combined into a single control message by the OS.
    this.checkRecvmsgFDs(2, this.doRecvmsg(this.serv_sock, MSG.length, 10240), 2);
  }
  _testFDPassSeparate(): void {
    const [fd0, fd1] = this.newFDs(2);
    this.assertEqual(this.sendmsgToServer([MSG], [[socket.SOL_SOCKET, socket.SCM_RIGHTS, Int32Array.from([fd0])],
      [socket.SOL_SOCKET, socket.SCM_RIGHTS, Int32Array.from([fd1])]]), MSG.length);
  }

  testFDPassSeparateMinSpace(): void {
    // Pass two FDs in two separate arrays, receiving them into the minimum space for two arrays.
    const num_fds = 2;
    this.checkRecvmsgFDs(num_fds, this.doRecvmsg(this.serv_sock, MSG.length,
      socket.CMSG_SPACE(SIZEOF_INT) + socket.CMSG_LEN(SIZEOF_INT * num_fds)), 2, socket.MSG_CTRUNC);
  }
  _testFDPassSeparateMinSpace(): void {
    this._testFDPassSeparate();
  }

  sendAncillaryIfPossible(msg: Buffer, ancdata: unknown[]): void {
    // Try to send msg and ancdata to server, but if the system call fails,
    // just send msg with no ancillary data.
    let nbytes: number;
    try {
      nbytes = this.sendmsgToServer([msg], ancdata);
    } catch (e) {
      if (!(e instanceof OSError)) throw e;
      // Check that it was the system call that failed
      this.assertIsInstance(e.errno, Number);
      nbytes = this.sendmsgToServer([msg]);
    }
    this.assertEqual(nbytes, msg.length);
  }

  testFDPassEmpty(): void {
    // Try to pass an empty FD array. Can receive either no array or an empty array.
    this.checkRecvmsgFDs(0, this.doRecvmsg(this.serv_sock, MSG.length, 10240), 1, socket.MSG_CTRUNC);
  }
  _testFDPassEmpty(): void {
    this.sendAncillaryIfPossible(MSG, [[socket.SOL_SOCKET, socket.SCM_RIGHTS, Buffer.alloc(0)]]);
  }

  testFDPassPartialInt(): void {
    // Try to pass a truncated FD array.
    const [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length, 10240);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.checkFlags(flags, { eor: true, ignore: socket.MSG_CTRUNC });
    this.assertLessEqual(ancdata.length, 1);
    for (const [cmsg_level, cmsg_type, cmsg_data] of ancdata) {
      this.assertEqual(cmsg_level, socket.SOL_SOCKET);
      this.assertEqual(cmsg_type, socket.SCM_RIGHTS);
      this.assertLess(cmsg_data.length, SIZEOF_INT);
    }
  }
  _testFDPassPartialInt(): void {
    this.sendAncillaryIfPossible(MSG, [[socket.SOL_SOCKET, socket.SCM_RIGHTS, int32bytes([this.badfd]).subarray(0, -1)]]);
  }

  testFDPassPartialIntInMiddle(): void {
    // Try to pass two FD arrays, the first of which is truncated.
    const [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length, 10240);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.checkFlags(flags, { eor: true, ignore: socket.MSG_CTRUNC });
    this.assertLessEqual(ancdata.length, 2);
    const fds: number[] = [];
    // Arrays may have been combined in a single control message
    for (const [cmsg_level, cmsg_type, cmsg_data] of ancdata) {
      this.assertEqual(cmsg_level, socket.SOL_SOCKET);
      this.assertEqual(cmsg_type, socket.SCM_RIGHTS);
      fds.push(...fdsOf(cmsg_data));
    }
    this.assertLessEqual(fds.length, 2);
    this.checkFDs(fds);
  }
  _testFDPassPartialIntInMiddle(): void {
    const [fd0, fd1] = this.newFDs(2);
    this.sendAncillaryIfPossible(MSG, [[socket.SOL_SOCKET, socket.SCM_RIGHTS, int32bytes([fd0, this.badfd]).subarray(0, -1)],
      [socket.SOL_SOCKET, socket.SCM_RIGHTS, Int32Array.from([fd1])]]);
  }

  checkTruncatedHeader(result: any[], ignoreflags = 0): void {
    // Check that no ancillary data items are returned when data is truncated inside the cmsghdr structure.
    const [msg, ancdata, flags, addr] = result;
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: true, checkset: socket.MSG_CTRUNC, ignore: ignoreflags });
  }

  testCmsgTruncNoBufSize(): void {
    // Check that no ancillary data is received when no buffer size is specified.
    this.checkTruncatedHeader(this.doRecvmsg(this.serv_sock, MSG.length),
      // BSD seems to set MSG_CTRUNC only if an item has been partially received.
      socket.MSG_CTRUNC);
  }
  _testCmsgTruncNoBufSize(): void {
    this.createAndSendFDs(1);
  }

  testCmsgTrunc0(): void {
    // Check that no ancillary data is received when buffer size is 0.
    this.checkTruncatedHeader(this.doRecvmsg(this.serv_sock, MSG.length, 0), socket.MSG_CTRUNC);
  }
  _testCmsgTrunc0(): void {
    this.createAndSendFDs(1);
  }

  // Check that no ancillary data is returned for various non-zero (but still too small) buffer sizes.
  testCmsgTrunc1(): void {
    this.checkTruncatedHeader(this.doRecvmsg(this.serv_sock, MSG.length, 1));
  }
  _testCmsgTrunc1(): void {
    this.createAndSendFDs(1);
  }

  testCmsgTrunc2Int(): void {
    // The cmsghdr structure has at least three members, two of which are
    // ints, so we still shouldn't see any ancillary data.
    this.checkTruncatedHeader(this.doRecvmsg(this.serv_sock, MSG.length, SIZEOF_INT * 2));
  }
  _testCmsgTrunc2Int(): void {
    this.createAndSendFDs(1);
  }

  testCmsgTruncLen0Minus1(): void {
    this.checkTruncatedHeader(this.doRecvmsg(this.serv_sock, MSG.length, socket.CMSG_LEN(0) - 1));
  }
  _testCmsgTruncLen0Minus1(): void {
    this.createAndSendFDs(1);
  }

  // The following tests try to truncate the control message in the middle of the FD array.
  checkTruncatedArray(ancbuf: number, maxdata: number, mindata = 0): void {
    const [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length, ancbuf);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.checkFlags(flags, { eor: true, checkset: socket.MSG_CTRUNC });
    if (mindata === 0 && ancdata.length === 0) return;
    this.assertEqual(ancdata.length, 1);
    const [cmsg_level, cmsg_type, cmsg_data] = ancdata[0];
    this.assertEqual(cmsg_level, socket.SOL_SOCKET);
    this.assertEqual(cmsg_type, socket.SCM_RIGHTS);
    this.assertGreaterEqual(cmsg_data.length, mindata);
    this.assertLessEqual(cmsg_data.length, maxdata);
    this.checkFDs(fdsOf(cmsg_data));
  }

  testCmsgTruncLen0(): void {
    this.checkTruncatedArray(socket.CMSG_LEN(0), 0);
  }
  _testCmsgTruncLen0(): void {
    this.createAndSendFDs(1);
  }

  testCmsgTruncLen0Plus1(): void {
    this.checkTruncatedArray(socket.CMSG_LEN(0) + 1, 1);
  }
  _testCmsgTruncLen0Plus1(): void {
    this.createAndSendFDs(2);
  }

  testCmsgTruncLen1(): void {
    this.checkTruncatedArray(socket.CMSG_LEN(SIZEOF_INT), SIZEOF_INT);
  }
  _testCmsgTruncLen1(): void {
    this.createAndSendFDs(2);
  }

  testCmsgTruncLen2Minus1(): void {
    this.checkTruncatedArray(socket.CMSG_LEN(2 * SIZEOF_INT) - 1, 2 * SIZEOF_INT - 1);
  }
  _testCmsgTruncLen2Minus1(): void {
    this.createAndSendFDs(2);
  }
}

/** array.array("i").frombytes(data[:len - len % 4]). */
function fdsOf(data: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 4 <= data.length; i += 4) out.push(data.readInt32LE(i));
  return out;
}

abstract class RFC3542AncillaryTest extends SendrecvmsgBase {
  override get serverTimeout(): boolean {
    return true;
  }
  // Test value to use when setting hop limit of packet
  get hop_limit(): number {
    return 2;
  }
  // Test value to use when setting traffic class of packet. -1 means "use kernel default".
  get traffic_class(): number {
    return -1;
  }

  ancillaryMapping(ancdata: any[]): Map<string, Buffer> {
    const d = new Map<string, Buffer>();
    for (const [cmsg_level, cmsg_type, cmsg_data] of ancdata) {
      const key = `${cmsg_level},${cmsg_type}`;
      this.assertFalse(d.has(key), `${key} twice`);
      d.set(key, cmsg_data);
    }
    return d;
  }

  checkHopLimit(ancbufsize: number, maxhop = 255, ignoreflags = 0): void {
    this.serv_sock.setsockopt(socket.IPPROTO_IPV6, S.IPV6_RECVHOPLIMIT, 1);
    this.misc_event.set();
    const [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length, ancbufsize);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.checkFlags(flags, { eor: true, checkunset: socket.MSG_CTRUNC, ignore: ignoreflags });
    this.assertEqual(ancdata.length, 1);
    this.assertIsInstance(ancdata[0], Array);
    const [cmsg_level, cmsg_type, cmsg_data] = ancdata[0];
    this.assertEqual(cmsg_level, socket.IPPROTO_IPV6);
    this.assertEqual(cmsg_type, S.IPV6_HOPLIMIT);
    this.assertIsInstance(cmsg_data, Buffer);
    this.assertEqual(cmsg_data.length, SIZEOF_INT);
    const a = cmsg_data.readInt32LE(0);
    this.assertGreaterEqual(a, 0);
    this.assertLessEqual(a, maxhop);
  }

  waitAndSend(): void {
    // Need to wait until server has asked to receive ancillary data, as
    // implementations are not required to buffer it otherwise.
    this.assertTrue(this.misc_event.wait(this.fail_timeout));
    this.sendToServer(MSG);
  }

  testRecvHopLimit(): void {
    this.checkHopLimit(10240);
  }
  _testRecvHopLimit(): void {
    this.waitAndSend();
  }

  testRecvHopLimitCMSG_SPACE(): void {
    this.checkHopLimit(socket.CMSG_SPACE(SIZEOF_INT));
  }
  _testRecvHopLimitCMSG_SPACE(): void {
    this.waitAndSend();
  }

  testSetHopLimit(): void {
    // Test setting hop limit on outgoing packet and receiving it at the other end.
    this.checkHopLimit(10240, this.hop_limit);
  }
  _testSetHopLimit(): void {
    this.assertTrue(this.misc_event.wait(this.fail_timeout));
    this.assertEqual(this.sendmsgToServer([MSG], [[socket.IPPROTO_IPV6, S.IPV6_HOPLIMIT, Int32Array.from([this.hop_limit])]]),
      MSG.length);
  }

  checkTrafficClassAndHopLimit(ancbufsize: number, maxhop = 255, ignoreflags = 0): void {
    this.serv_sock.setsockopt(socket.IPPROTO_IPV6, S.IPV6_RECVHOPLIMIT, 1);
    this.serv_sock.setsockopt(socket.IPPROTO_IPV6, S.IPV6_RECVTCLASS, 1);
    this.misc_event.set();
    const [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length, ancbufsize);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.checkFlags(flags, { eor: true, checkunset: socket.MSG_CTRUNC, ignore: ignoreflags });
    this.assertEqual(ancdata.length, 2);
    const ancmap = this.ancillaryMapping(ancdata);
    const tcdata = ancmap.get(`${socket.IPPROTO_IPV6},${S.IPV6_TCLASS}`)!;
    this.assertEqual(tcdata.length, SIZEOF_INT);
    let a = tcdata.readInt32LE(0);
    this.assertGreaterEqual(a, 0);
    this.assertLessEqual(a, 255);
    const hldata = ancmap.get(`${socket.IPPROTO_IPV6},${S.IPV6_HOPLIMIT}`)!;
    this.assertEqual(hldata.length, SIZEOF_INT);
    a = hldata.readInt32LE(0);
    this.assertGreaterEqual(a, 0);
    this.assertLessEqual(a, maxhop);
  }

  testRecvTrafficClassAndHopLimit(): void {
    this.checkTrafficClassAndHopLimit(10240);
  }
  _testRecvTrafficClassAndHopLimit(): void {
    this.waitAndSend();
  }

  testRecvTrafficClassAndHopLimitCMSG_SPACE(): void {
    this.checkTrafficClassAndHopLimit(socket.CMSG_SPACE(SIZEOF_INT) * 2);
  }
  _testRecvTrafficClassAndHopLimitCMSG_SPACE(): void {
    this.waitAndSend();
  }

  testSetTrafficClassAndHopLimit(): void {
    this.checkTrafficClassAndHopLimit(10240, this.hop_limit);
  }
  _testSetTrafficClassAndHopLimit(): void {
    this.assertTrue(this.misc_event.wait(this.fail_timeout));
    this.assertEqual(this.sendmsgToServer([MSG], [[socket.IPPROTO_IPV6, S.IPV6_TCLASS, Int32Array.from([this.traffic_class])],
      [socket.IPPROTO_IPV6, S.IPV6_HOPLIMIT, Int32Array.from([this.hop_limit])]]), MSG.length);
  }

  testOddCmsgSize(): void {
    // Try to send ancillary data with first item one byte too long. Fall
    // back to sending with correct size if this fails, and check that
    // second item was handled correctly.
    this.checkTrafficClassAndHopLimit(10240, this.hop_limit);
  }
  _testOddCmsgSize(): void {
    this.assertTrue(this.misc_event.wait(this.fail_timeout));
    let nbytes: number;
    try {
      nbytes = this.sendmsgToServer([MSG], [
        [socket.IPPROTO_IPV6, S.IPV6_TCLASS, Buffer.concat([int32bytes([this.traffic_class]), Buffer.alloc(1)])],
        [socket.IPPROTO_IPV6, S.IPV6_HOPLIMIT, Int32Array.from([this.hop_limit])]]);
    } catch (e) {
      if (!(e instanceof OSError)) throw e;
      this.assertIsInstance(e.errno, Number);
      nbytes = this.sendmsgToServer([MSG], [
        [socket.IPPROTO_IPV6, S.IPV6_TCLASS, Int32Array.from([this.traffic_class])],
        [socket.IPPROTO_IPV6, S.IPV6_HOPLIMIT, Int32Array.from([this.hop_limit])]]);
      this.assertEqual(nbytes, MSG.length);
    }
  }

  // Tests for proper handling of truncated ancillary data
  checkHopLimitTruncatedHeader(ancbufsize: number | null, ignoreflags = 0): void {
    this.serv_sock.setsockopt(socket.IPPROTO_IPV6, S.IPV6_RECVHOPLIMIT, 1);
    this.misc_event.set();
    const args = ancbufsize === null ? [] : [ancbufsize];
    const [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length, ...args);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.assertEqual(ancdata, []);
    this.checkFlags(flags, { eor: true, checkset: socket.MSG_CTRUNC, ignore: ignoreflags });
  }

  testCmsgTruncNoBufSize(): void {
    // BSD seems to set MSG_CTRUNC only if an item has been partially received.
    this.checkHopLimitTruncatedHeader(null, socket.MSG_CTRUNC);
  }
  _testCmsgTruncNoBufSize(): void {
    this.waitAndSend();
  }

  testSingleCmsgTrunc0(): void {
    this.checkHopLimitTruncatedHeader(0, socket.MSG_CTRUNC);
  }
  _testSingleCmsgTrunc0(): void {
    this.waitAndSend();
  }

  testSingleCmsgTrunc1(): void {
    this.checkHopLimitTruncatedHeader(1);
  }
  _testSingleCmsgTrunc1(): void {
    this.waitAndSend();
  }

  testSingleCmsgTrunc2Int(): void {
    this.checkHopLimitTruncatedHeader(2 * SIZEOF_INT);
  }
  _testSingleCmsgTrunc2Int(): void {
    this.waitAndSend();
  }

  testSingleCmsgTruncLen0Minus1(): void {
    this.checkHopLimitTruncatedHeader(socket.CMSG_LEN(0) - 1);
  }
  _testSingleCmsgTruncLen0Minus1(): void {
    this.waitAndSend();
  }

  testSingleCmsgTruncInData(): void {
    // Test truncation of a control message inside its associated data.
    this.serv_sock.setsockopt(socket.IPPROTO_IPV6, S.IPV6_RECVHOPLIMIT, 1);
    this.misc_event.set();
    const [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length, socket.CMSG_LEN(SIZEOF_INT) - 1);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.checkFlags(flags, { eor: true, checkset: socket.MSG_CTRUNC });
    this.assertLessEqual(ancdata.length, 1);
    if (ancdata.length) {
      const [cmsg_level, cmsg_type, cmsg_data] = ancdata[0];
      this.assertEqual(cmsg_level, socket.IPPROTO_IPV6);
      this.assertEqual(cmsg_type, S.IPV6_HOPLIMIT);
      this.assertLess(cmsg_data.length, SIZEOF_INT);
    }
  }
  _testSingleCmsgTruncInData(): void {
    this.waitAndSend();
  }

  checkTruncatedSecondHeader(ancbufsize: number, ignoreflags = 0): void {
    this.serv_sock.setsockopt(socket.IPPROTO_IPV6, S.IPV6_RECVHOPLIMIT, 1);
    this.serv_sock.setsockopt(socket.IPPROTO_IPV6, S.IPV6_RECVTCLASS, 1);
    this.misc_event.set();
    const [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length, ancbufsize);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.checkFlags(flags, { eor: true, checkset: socket.MSG_CTRUNC, ignore: ignoreflags });
    this.assertEqual(ancdata.length, 1);
    const [cmsg_level, cmsg_type, cmsg_data] = ancdata[0];
    this.assertEqual(cmsg_level, socket.IPPROTO_IPV6);
    this.assertIn(cmsg_type, new Set([S.IPV6_TCLASS, S.IPV6_HOPLIMIT]));
    this.assertEqual(cmsg_data.length, SIZEOF_INT);
    const a = cmsg_data.readInt32LE(0);
    this.assertGreaterEqual(a, 0);
    this.assertLessEqual(a, 255);
  }

  testSecondCmsgTrunc0(): void {
    this.checkTruncatedSecondHeader(socket.CMSG_SPACE(SIZEOF_INT), socket.MSG_CTRUNC);
  }
  _testSecondCmsgTrunc0(): void {
    this.waitAndSend();
  }

  testSecondCmsgTrunc1(): void {
    this.checkTruncatedSecondHeader(socket.CMSG_SPACE(SIZEOF_INT) + 1);
  }
  _testSecondCmsgTrunc1(): void {
    this.waitAndSend();
  }

  testSecondCmsgTrunc2Int(): void {
    this.checkTruncatedSecondHeader(socket.CMSG_SPACE(SIZEOF_INT) + 2 * SIZEOF_INT);
  }
  _testSecondCmsgTrunc2Int(): void {
    this.waitAndSend();
  }

  testSecondCmsgTruncLen0Minus1(): void {
    this.checkTruncatedSecondHeader(socket.CMSG_SPACE(SIZEOF_INT) + socket.CMSG_LEN(0) - 1);
  }
  _testSecondCmsgTruncLen0Minus1(): void {
    this.waitAndSend();
  }

  testSecondCmsgTruncInData(): void {
    // Test truncation of the second of two control messages inside its associated data.
    this.serv_sock.setsockopt(socket.IPPROTO_IPV6, S.IPV6_RECVHOPLIMIT, 1);
    this.serv_sock.setsockopt(socket.IPPROTO_IPV6, S.IPV6_RECVTCLASS, 1);
    this.misc_event.set();
    const [msg, ancdata, flags, addr] = this.doRecvmsg(this.serv_sock, MSG.length,
      socket.CMSG_SPACE(SIZEOF_INT) + socket.CMSG_LEN(SIZEOF_INT) - 1);
    this.assertEqual(msg, MSG);
    this.checkRecvmsgAddress(addr, this.cli_addr);
    this.checkFlags(flags, { eor: true, checkset: socket.MSG_CTRUNC });
    const cmsg_types = new Set([S.IPV6_TCLASS, S.IPV6_HOPLIMIT]);
    let [cmsg_level, cmsg_type, cmsg_data] = ancdata.shift();
    this.assertEqual(cmsg_level, socket.IPPROTO_IPV6);
    if (!cmsg_types.delete(cmsg_type)) throw new Error(`KeyError: ${cmsg_type}`);
    this.assertEqual(cmsg_data.length, SIZEOF_INT);
    const a = cmsg_data.readInt32LE(0);
    this.assertGreaterEqual(a, 0);
    this.assertLessEqual(a, 255);
    if (ancdata.length) {
      [cmsg_level, cmsg_type, cmsg_data] = ancdata.shift();
      this.assertEqual(cmsg_level, socket.IPPROTO_IPV6);
      if (!cmsg_types.delete(cmsg_type)) throw new Error(`KeyError: ${cmsg_type}`);
      this.assertLess(cmsg_data.length, SIZEOF_INT);
    }
    this.assertEqual(ancdata, []);
  }
  _testSecondCmsgTruncInData(): void {
    this.waitAndSend();
  }
}

const S = socket.constants;

// ---- socket bases --------------------------------------------------------------------

/** ThreadedSocketTestMixin + UDPTestBase / UDP6TestBase (connectionless). */
function dgramBase(family: number, host?: string) {
  abstract class Base extends ThreadedSocketMixin(InetTestBaseMixin(ThreadableTest, host)) {
    newSocket(): socket.Socket {
      return socket.socket(family, socket.SOCK_DGRAM);
    }
    override async setUp(): Promise<void> {
      if (family === socket.AF_INET6) requireIPv6();
      await super.setUp();
    }
  }
  return Base;
}

/** ConnectedStreamTestMixin + TCPTestBase / UnixStreamBase. */
function streamBase(kind: 'tcp' | 'unix') {
  const inner = kind === 'tcp' ? InetTestBaseMixin(ThreadableTest) : UnixSocketTestBaseMixin(ThreadableTest);
  const Stream = ConnectedStreamMixin(ThreadedSocketMixin(inner as Ctor<any>)) as Ctor<any>;
  abstract class Base extends Stream {
    newSocket(): socket.Socket {
      return socket.socket(kind === 'tcp' ? socket.AF_INET : socket.AF_UNIX, socket.SOCK_STREAM);
    }
  }
  return Base;
}

/**
 * A concrete class named `name` over a socket base: the mixins' methods
 * copied in MRO order (the first that defines a name wins), then
 * SendrecvmsgBase's; setUp is SendrecvmsgBase's and
 * SendrecvmsgServerTimeoutBase's around the socket base's.
 */
function compose(name: string, base: Ctor<any>, mixins: Function[]): Function {
  const C = { [name]: class extends (base as new (m: string) => any) {
    async setUp(): Promise<void> {
      this.misc_event = newEvent();
      this.fail_timeout = LOOPBACK_TIMEOUT;
      await super.setUp();
      if (this.serverTimeout) this.serv_sock.settimeout(this.fail_timeout);
    }
  } }[name];
  const seen = new Set<string>(['constructor', 'setUp']);
  for (const m of [...mixins, SendrecvmsgBase]) {
    for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(m.prototype))) {
      if (seen.has(k)) continue;
      seen.add(k);
      Object.defineProperty(C.prototype, k, d);
    }
  }
  return C;
}

const UDPBase = dgramBase(socket.AF_INET);
const UDP6Base = dgramBase(socket.AF_INET6, HOSTv6);
const TCPBase = streamBase('tcp');
const UnixBase = streamBase('unix');

const udp = [SendrecvmsgDgramFlagsBase, SendrecvmsgConnectionlessBase];
const udp6 = [SendrecvmsgUDP6Address, SendrecvmsgDgramFlagsBase, SendrecvmsgConnectionlessBase];
const connected = [SendrecvmsgConnectedBase];

const classes = [
  compose('SendmsgUDPTest', UDPBase, [SendmsgConnectionlessTests, SendmsgTests, ...udp]),
  compose('RecvmsgUDPTest', UDPBase, [RecvmsgTests, RecvmsgGenericTests, ...udp]),
  compose('RecvmsgIntoUDPTest', UDPBase, [RecvmsgIntoTests, RecvmsgIntoMixin, RecvmsgGenericTests, ...udp]),
  compose('SendmsgUDP6Test', UDP6Base, [SendmsgConnectionlessTests, SendmsgTests, ...udp6]),
  compose('RecvmsgUDP6Test', UDP6Base, [RecvmsgTests, RecvmsgGenericTests, ...udp6]),
  compose('RecvmsgIntoUDP6Test', UDP6Base, [RecvmsgIntoTests, RecvmsgIntoMixin, RecvmsgGenericTests, ...udp6]),
  compose('RecvmsgRFC3542AncillaryUDP6Test', UDP6Base, [RFC3542AncillaryTest, ...udp6]),
  compose('RecvmsgIntoRFC3542AncillaryUDP6Test', UDP6Base, [RecvmsgIntoMixin, RFC3542AncillaryTest, ...udp6]),
  compose('SendmsgTCPTest', TCPBase, [SendmsgStreamTests, SendmsgTests, ...connected]),
  compose('RecvmsgTCPTest', TCPBase, [RecvmsgTests, RecvmsgGenericStreamTests, RecvmsgGenericTests, ...connected]),
  compose('RecvmsgIntoTCPTest', TCPBase,
    [RecvmsgIntoTests, RecvmsgIntoMixin, RecvmsgGenericStreamTests, RecvmsgGenericTests, ...connected]),
  compose('SendmsgUnixStreamTest', UnixBase, [SendmsgStreamTests, SendmsgTests, ...connected]),
  compose('RecvmsgUnixStreamTest', UnixBase, [RecvmsgTests, RecvmsgGenericStreamTests, RecvmsgGenericTests, ...connected]),
  compose('RecvmsgIntoUnixStreamTest', UnixBase,
    [RecvmsgIntoTests, RecvmsgIntoMixin, RecvmsgGenericStreamTests, RecvmsgGenericTests, ...connected]),
  compose('RecvmsgSCMRightsStreamTest', UnixBase, [SCMRightsTest, ...connected]),
  compose('RecvmsgIntoSCMRightsStreamTest', UnixBase, [RecvmsgIntoMixin, SCMRightsTest, ...connected]),
];

run('test_socket', classes);
