"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.Connection = void 0;
exports.sendFrame = sendFrame;
exports.writeAll = writeAll;
exports.Pipe = Pipe;
// Connection and Pipe: messages over fds shared by forked processes.
// Framing is Python's (a signed 32-bit big-endian length, or -1 then a 64-bit
// length for huge messages), so sendBytes/recvBytes talk to a Python
// Connection on the same pipe; objects travel as V8 structured clones
// (node:v8 serialize), where Python would pickle. Every read and write is
// posixkit's os.read/os.write: blocking calls that honour the EINTR rule.
const _codec_1 = require("./_codec");
const errors_1 = require("../errors");
const os = __importStar(require("../os"));
const socket_1 = require("../socket");
const _wait_1 = require("./_wait");
const errors_2 = require("./errors");
const SMALL = 64 * 1024; // frames up to this size go out in one write(2)
const INT32_MAX = 0x7fffffff;
/**
 * One end of a Pipe. `readFd` and `writeFd` may be the same fd (a socket) or
 * two pipe fds (the duplex form over two pipes); -1 for a direction it lacks.
 */
class Connection {
    #rfd;
    #wfd;
    #readable;
    #writable;
    #hdr = Buffer.alloc(8);
    constructor(readFd, writeFd = readFd, options = {}) {
        (0, errors_1.validateInteger)(readFd, 'readFd', -1, INT32_MAX);
        (0, errors_1.validateInteger)(writeFd, 'writeFd', -1, INT32_MAX);
        this.#readable = (options.readable ?? true) && readFd >= 0;
        this.#writable = (options.writable ?? true) && writeFd >= 0;
        if (!this.#readable && !this.#writable) {
            throw (0, errors_2.stateError)('ERR_INVALID_ARG_VALUE', 'at least one of readable and writable must be true');
        }
        this.#rfd = readFd;
        this.#wfd = writeFd;
    }
    get closed() {
        return this.#rfd < 0 && this.#wfd < 0;
    }
    get readable() {
        return this.#readable;
    }
    get writable() {
        return this.#writable;
    }
    /** The fd to wait on for reading (the write fd for a write-only end). */
    fileno() {
        this.#check('fileno');
        return this.#readable ? this.#rfd : this.#wfd;
    }
    close() {
        const r = this.#rfd;
        const w = this.#wfd;
        this.#rfd = -1;
        this.#wfd = -1;
        if (r >= 0)
            os.close(r);
        if (w >= 0 && w !== r)
            os.close(w);
    }
    [Symbol.dispose]() {
        this.close();
    }
    // ---- sending -----------------------------------------------------------
    /** Sends a structured-cloneable value; blocks while the pipe is full. */
    send(value) {
        this.#checkWritable('send');
        this.#sendFrame((0, _codec_1.encode)(value));
    }
    /** Sends `data[offset, offset + size)` as one message. */
    sendBytes(data, offset = 0, size) {
        this.#checkWritable('sendBytes');
        (0, errors_1.validateBytes)(data, 'data');
        const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        (0, errors_1.validateInteger)(offset, 'offset', 0, bytes.length);
        const n = size === undefined ? bytes.length - offset : (0, errors_1.validateInteger)(size, 'size', 0, bytes.length - offset);
        this.#sendFrame(bytes.subarray(offset, offset + n));
    }
    #sendFrame(body) {
        sendFrame(this.#wfd, body);
    }
    // ---- receiving ---------------------------------------------------------
    /** Receives one value sent with send(); blocks until it arrives. */
    recv() {
        this.#checkReadable('recv');
        return (0, _codec_1.decode)(this.#recvFrame(undefined));
    }
    /**
     * Receives one message as a Buffer. A message longer than `maxlength`
     * closes the connection and throws (as Python: the stream is out of step).
     */
    recvBytes(maxlength) {
        this.#checkReadable('recvBytes');
        if (maxlength !== undefined)
            (0, errors_1.validateInteger)(maxlength, 'maxlength', 0);
        return this.#recvFrame(maxlength);
    }
    /**
     * Reads one message into `buffer` at byte `offset`; returns its length. A
     * message that does not fit throws BufferTooShort carrying the whole message.
     */
    recvBytesInto(buffer, offset = 0) {
        this.#checkReadable('recvBytesInto');
        (0, errors_1.validateBytes)(buffer, 'buffer');
        const dst = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
        (0, errors_1.validateInteger)(offset, 'offset', 0, dst.length);
        const n = this.#readLength();
        if (n > dst.length - offset) {
            const whole = Buffer.allocUnsafe(n);
            this.#readExact(whole, true);
            throw new errors_2.BufferTooShort(whole);
        }
        this.#readExact(dst.subarray(offset, offset + n), true);
        return n;
    }
    /**
     * Whether there is something to read (a message or end of file):
     * timeout 0 (the default) looks, seconds wait, null waits forever.
     */
    poll(timeout = 0) {
        this.#checkReadable('poll');
        if (timeout !== null) {
            if (typeof timeout !== 'number' || Number.isNaN(timeout))
                throw (0, errors_1.invalidArgType)('timeout', 'a number or null', timeout);
        }
        return (0, _wait_1.readable)(this.#rfd, timeout === null ? null : Math.max(0, timeout));
    }
    #recvFrame(maxlength) {
        const n = this.#readLength();
        if (maxlength !== undefined && n > maxlength) {
            this.close();
            throw (0, errors_2.stateError)('ERR_BAD_MESSAGE_LENGTH', `bad message length: ${n} > maxlength ${maxlength}`);
        }
        const body = Buffer.allocUnsafe(n);
        this.#readExact(body, true);
        return body;
    }
    #readLength() {
        const h = this.#hdr;
        this.#readExact(h.subarray(0, 4), false);
        const n = h.readInt32BE(0);
        if (n >= 0)
            return n;
        if (n !== -1)
            throw (0, errors_2.stateError)('ERR_BAD_MESSAGE_LENGTH', `bad message length header: ${n}`);
        this.#readExact(h, true);
        const big = h.readBigUInt64BE(0);
        if (big > BigInt(Number.MAX_SAFE_INTEGER))
            throw (0, errors_2.stateError)('ERR_BAD_MESSAGE_LENGTH', `bad message length: ${big}`);
        return Number(big);
    }
    // Fills `buf` completely; EOF before the first byte of a message is the
    // peer's orderly close, EOF inside one a truncated message: both EOFError.
    #readExact(buf, inside) {
        let got = 0;
        while (got < buf.length) {
            const r = os.readinto(this.#rfd, got === 0 ? buf : buf.subarray(got));
            if (r === 0) {
                throw new errors_2.EOFError(got === 0 && !inside
                    ? 'connection closed by the peer (end of file)'
                    : `end of file inside a message (${got} of ${buf.length} bytes)`);
            }
            got += r;
        }
    }
    #check(op) {
        if (this.closed)
            throw (0, errors_1.errnoError)(errors_1.errno.EBADF, op);
    }
    #checkReadable(op) {
        this.#check(op);
        if (!this.#readable)
            throw (0, errors_2.stateError)('ERR_CONNECTION_WRITE_ONLY', `${op}: connection is write-only`);
    }
    #checkWritable(op) {
        this.#check(op);
        if (!this.#writable)
            throw (0, errors_2.stateError)('ERR_CONNECTION_READ_ONLY', `${op}: connection is read-only`);
    }
}
exports.Connection = Connection;
/** Writes one length-prefixed message; small ones in a single write(2). */
function sendFrame(fd, body) {
    const n = body.length;
    const hlen = n > INT32_MAX ? 12 : 4;
    if (n + hlen <= SMALL) {
        const frame = Buffer.allocUnsafe(hlen + n);
        writeHeader(frame, n);
        body.copy(frame, hlen);
        writeAll(fd, frame);
    }
    else {
        const h = Buffer.allocUnsafe(hlen);
        writeHeader(h, n);
        writeAll(fd, h);
        writeAll(fd, body);
    }
}
function writeHeader(buf, n) {
    if (n > INT32_MAX) {
        buf.writeInt32BE(-1, 0);
        buf.writeBigUInt64BE(BigInt(n), 4);
    }
    else {
        buf.writeInt32BE(n, 0);
    }
}
/** write(2) until all of `data` is out: a pipe takes a large write in parts. */
function writeAll(fd, data) {
    let off = 0;
    while (off < data.length)
        off += os.write(fd, off === 0 ? data : data.subarray(off));
}
/**
 * Python's Pipe(duplex): two Connections. Duplex ends are the two sockets of
 * an AF_UNIX socketpair(2) (as Python on Unix); `duplex = false` is a pipe(2),
 * `[readEnd, writeEnd]`. All fds are close-on-exec and inherited by forked
 * children; each process closes the ends it does not use.
 */
function Pipe(duplex = true) {
    if (typeof duplex !== 'boolean')
        throw (0, errors_1.invalidArgType)('duplex', 'of type boolean', duplex);
    if (!duplex) {
        const [r, w] = os.pipe();
        return [new Connection(r, -1, { writable: false }), new Connection(-1, w, { readable: false })];
    }
    const [a, b] = (0, socket_1.socketpair)(socket_1.AF_UNIX, socket_1.SOCK_STREAM);
    const fa = a.detach();
    const fb = b.detach();
    return [new Connection(fa, fa), new Connection(fb, fb)];
}
