"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SharedMemory = exports.MemoryMap = exports.ALLOCATIONGRANULARITY = exports.PAGESIZE = exports.MS_INVALIDATE = exports.MS_SYNC = exports.MS_ASYNC = exports.MAP_POPULATE = exports.MAP_ANON = exports.MAP_ANONYMOUS = exports.MAP_PRIVATE = exports.MAP_SHARED = exports.PROT_EXEC = exports.PROT_WRITE = exports.PROT_READ = exports.PROT_NONE = void 0;
exports.mmap = mmap;
exports.attachShared = attachShared;
exports.futex_wait = futex_wait;
exports.futex_wake = futex_wake;
exports._setShmNameGenerator = _setShmNameGenerator;
// posixkit/mmap: memory mappings (mmap/msync/munmap), POSIX shared memory
// compatible with Python's multiprocessing.shared_memory, and futexes on
// shared int32 words.
//
// The memory reaches JS as an ArrayBuffer over the mapped pages. close()
// detaches that ArrayBuffer, so every view of it becomes empty: JS can never
// read or write unmapped memory, and the address itself is never exposed.
const node_crypto_1 = require("node:crypto");
const errors_1 = require("./errors");
const native_1 = require("./native");
const native = (0, native_1.family)();
const K = native.mmanConstants;
exports.PROT_NONE = K.PROT_NONE;
exports.PROT_READ = K.PROT_READ;
exports.PROT_WRITE = K.PROT_WRITE;
exports.PROT_EXEC = K.PROT_EXEC;
exports.MAP_SHARED = K.MAP_SHARED;
exports.MAP_PRIVATE = K.MAP_PRIVATE;
exports.MAP_ANONYMOUS = K.MAP_ANONYMOUS;
exports.MAP_ANON = K.MAP_ANONYMOUS;
exports.MAP_POPULATE = K.MAP_POPULATE;
exports.MS_ASYNC = K.MS_ASYNC;
exports.MS_SYNC = K.MS_SYNC;
exports.MS_INVALIDATE = K.MS_INVALIDATE;
/** The page size; file offsets of mmap() must be multiples of it. */
exports.PAGESIZE = K.PAGESIZE;
/** Python's mmap.ALLOCATIONGRANULARITY (the page size on Linux). */
exports.ALLOCATIONGRANULARITY = K.PAGESIZE;
const EAGAIN = K.EAGAIN;
const ETIMEDOUT = K.ETIMEDOUT;
// A MemoryMap dropped without close() still gives its fd back (the pages go
// when the last of the object and its buffer is collected, native side).
const fdReaper = new FinalizationRegistry((fd) => {
    try {
        native.close(fd);
    }
    catch { /* already closed */ }
});
/**
 * A memory mapping. `buffer` is an ArrayBuffer over the mapped pages: views
 * made on it (Int32Array, Buffer ...) read and write the memory directly, and
 * a forked child sees the same pages when the mapping is MAP_SHARED.
 */
class MemoryMap {
    #handle;
    #buffer;
    #length;
    #fd;
    #ownsFd;
    /** @internal use mmap(). */
    constructor(handle, length, fd, ownsFd) {
        this.#handle = handle;
        this.#buffer = handle.buffer;
        this.#length = length;
        this.#fd = fd;
        this.#ownsFd = ownsFd;
        if (ownsFd && fd >= 0)
            fdReaper.register(this, fd, this);
    }
    /** The mapped memory; detached (byteLength 0) once closed. */
    get buffer() {
        return this.#buffer;
    }
    get length() {
        return this.#handle ? this.#length : 0;
    }
    /** Python's mmap.size()-like: the mapping's length in bytes. */
    size() {
        return this.#length;
    }
    get closed() {
        return this.#handle === null;
    }
    /** msync(2) of [offset, offset + size) (the whole mapping by default); offset must be page-aligned. */
    flush(offset = 0, size, flags = exports.MS_SYNC) {
        const handle = this.#live('msync');
        (0, errors_1.validateInteger)(offset, 'offset', 0, this.#length);
        const n = size === undefined ? this.#length - offset : (0, errors_1.validateInteger)(size, 'size', 0, this.#length - offset);
        (0, errors_1.validateInt32)(flags, 'flags', 0);
        native.msync(handle, offset, n, flags);
    }
    /**
     * A descriptor a worker thread can pass to attachShared() to map the same
     * pages. Only for mappings backed by an fd this object owns (mmap(-1) and
     * SharedMemory); the fd must stay open (this mapping not closed) until the
     * worker has attached.
     */
    share() {
        this.#live('share');
        if (!this.#ownsFd || this.#fd < 0) {
            throw (0, errors_1.codedError)('ERR_MMAP_NOT_SHAREABLE', 'only mappings backed by their own memory fd (mmap(-1, n) or SharedMemory) can be shared with a worker thread');
        }
        const [, ino, dev] = native.mman_fstat(this.#fd);
        return { kind: 'posixkit.mapping', fd: this.#fd, ino, dev, length: this.#length, offset: 0 };
    }
    /** The fd behind the mapping (the memfd of an anonymous mapping), or -1. */
    fileno() {
        this.#live('fileno');
        return this.#fd;
    }
    /** munmap(2). Every view of `buffer` becomes empty. Idempotent. */
    close() {
        const handle = this.#handle;
        if (!handle)
            return;
        this.#handle = null;
        native.munmap(handle);
        if (this.#ownsFd && this.#fd >= 0) {
            fdReaper.unregister(this);
            native.close(this.#fd);
        }
        this.#fd = -1;
    }
    [Symbol.dispose]() {
        this.close();
    }
    #live(syscall) {
        if (!this.#handle)
            throw mappingClosed(syscall);
        return this.#handle;
    }
}
exports.MemoryMap = MemoryMap;
function mappingClosed(syscall) {
    const e = (0, errors_1.errnoError)(K.EBADF, syscall);
    e.message = `${e.message} (mmap closed or invalid)`;
    return e;
}
/**
 * mmap(fd, length, options). fd -1 maps anonymous memory: MAP_SHARED by
 * default, so forked children share it. posixkit backs it with a memfd
 * (memfd_create(MFD_CLOEXEC)) rather than MAP_ANONYMOUS, so a worker thread
 * can map the very same pages (share()/attachShared()); the memory and its
 * sharing across fork are the same. With MAP_PRIVATE, fd -1 is plain
 * MAP_PRIVATE | MAP_ANONYMOUS memory.
 */
function mmap(fd, length, options = {}) {
    const f = fd === -1 ? -1 : (0, errors_1.toFd)(fd);
    (0, errors_1.validateInteger)(length, 'length', f === -1 ? 1 : 0, 2 ** 46);
    if (options === null || typeof options !== 'object')
        throw (0, errors_1.invalidArgType)('options', 'of type object', options);
    const prot = options.prot === undefined ? exports.PROT_READ | exports.PROT_WRITE : (0, errors_1.validateInt32)(options.prot, 'options.prot', 0);
    const flags = options.flags === undefined ? exports.MAP_SHARED : (0, errors_1.validateInt32)(options.flags, 'options.flags', 0);
    const offset = options.offset === undefined ? 0 : (0, errors_1.validateInteger)(options.offset, 'options.offset', 0, 2 ** 52);
    if (offset % exports.PAGESIZE !== 0)
        throw (0, errors_1.outOfRange)('options.offset', `a multiple of PAGESIZE (${exports.PAGESIZE})`, offset);
    if (f !== -1) {
        // Touching a page past the end of a file is SIGBUS, which would kill the
        // process: refuse such a mapping up front, as Python does (ValueError).
        const [size, , , mode] = native.mman_fstat(f);
        if ((mode & 0o170000) === 0o100000) {
            if (offset >= size && !(size === 0 && length === 0)) {
                throw (0, errors_1.outOfRange)('options.offset', `< the file size (${size})`, offset);
            }
            if (length === 0)
                length = size - offset;
            if (length === 0)
                throw (0, errors_1.outOfRange)('length', '> 0 (cannot map an empty file)', length);
            if (offset + length > size)
                throw (0, errors_1.outOfRange)('length', `<= the file size minus offset (${size - offset})`, length);
        }
        else if (length === 0) {
            throw (0, errors_1.outOfRange)('length', '> 0 (0 means "the whole file" for regular files only)', length);
        }
        const handle = native.mmap(f, length, prot, flags, offset);
        return new MemoryMap(handle, length, f, false);
    }
    if (offset !== 0)
        throw (0, errors_1.outOfRange)('options.offset', '0 for anonymous memory', offset);
    if ((flags & exports.MAP_SHARED) === 0) {
        const handle = native.mmap(-1, length, prot, flags | exports.MAP_ANONYMOUS, 0);
        return new MemoryMap(handle, length, -1, false);
    }
    const memfd = native.memfd_create('posixkit', K.MFD_CLOEXEC);
    try {
        native.mman_ftruncate(memfd, length);
        const handle = native.mmap(memfd, length, prot, flags & ~exports.MAP_ANONYMOUS, 0);
        return new MemoryMap(handle, length, memfd, true);
    }
    catch (e) {
        native.close(memfd);
        throw e;
    }
}
/**
 * Maps, in this thread, the pages described by another thread's
 * MemoryMap.share(). The fd number is checked against the inode it was
 * shared with, so a closed-and-reused fd number is refused (EBADF) rather
 * than mapped. The new mapping does not own the fd.
 */
function attachShared(desc) {
    if (desc === null || typeof desc !== 'object' || desc.kind !== 'posixkit.mapping') {
        throw (0, errors_1.invalidArgType)('desc', 'a descriptor returned by share()', desc);
    }
    const fd = (0, errors_1.validateInt32)(desc.fd, 'desc.fd', 0);
    const length = (0, errors_1.validateInteger)(desc.length, 'desc.length', 1, 2 ** 46);
    let st;
    try {
        st = native.mman_fstat(fd);
    }
    catch {
        throw mappingClosed('attachShared');
    }
    if (st[1] !== desc.ino || st[2] !== desc.dev)
        throw mappingClosed('attachShared');
    const handle = native.mmap(fd, length, exports.PROT_READ | exports.PROT_WRITE, exports.MAP_SHARED, desc.offset ?? 0);
    return new MemoryMap(handle, length, fd, false);
}
/**
 * futex(FUTEX_WAIT) on view[index]: sleeps in the kernel while the word
 * equals `expected`, until futex_wake on the same word (from any process or
 * thread mapping it), or `timeout` seconds. Returns what Atomics.wait returns:
 * 'ok', 'not-equal' or 'timed-out'. Not FUTEX_PRIVATE: works across
 * processes. Signals: JS handlers run and the wait resumes with the time
 * left (PEP 475); a handler that throws ends the wait with its error.
 * Blocks the calling thread (and the event loop, if it is the main thread).
 */
function futex_wait(view, index, expected, timeout) {
    if (!(view instanceof Int32Array))
        throw (0, errors_1.invalidArgType)('view', 'an instance of Int32Array', view);
    (0, errors_1.validateInteger)(index, 'index', 0, Math.max(0, view.length - 1));
    if (index >= view.length)
        throw (0, errors_1.outOfRange)('index', `< view.length (${view.length})`, index);
    (0, errors_1.validateInt32)(expected, 'expected');
    if (timeout !== undefined && timeout !== null) {
        if (typeof timeout !== 'number')
            throw (0, errors_1.invalidArgType)('timeout', 'of type number', timeout);
        if (!(timeout >= 0))
            throw (0, errors_1.outOfRange)('timeout', '>= 0', timeout);
    }
    const r = native.futex_wait(view, index, expected, timeout ?? undefined);
    return r === 0 ? 'ok' : r === -EAGAIN ? 'not-equal' : r === -ETIMEDOUT ? 'timed-out' : 'ok';
}
/** futex(FUTEX_WAKE): wakes up to `count` waiters of view[index]; returns how many woke. */
function futex_wake(view, index, count = 1) {
    if (!(view instanceof Int32Array))
        throw (0, errors_1.invalidArgType)('view', 'an instance of Int32Array', view);
    (0, errors_1.validateInteger)(index, 'index', 0, Math.max(0, view.length - 1));
    if (index >= view.length)
        throw (0, errors_1.outOfRange)('index', `< view.length (${view.length})`, index);
    if (count === Infinity)
        count = 2 ** 31 - 1;
    (0, errors_1.validateInt32)(count, 'count', 0);
    return native.futex_wake(view, index, count);
}
// ---- POSIX shared memory ----------------------------------------------------
// Python's multiprocessing.shared_memory naming: '/psm_' + hex, at most 14
// characters (the BSD limit Python keeps everywhere).
const SHM_PREFIX = '/psm_';
const SHM_SAFE_NAME_LENGTH = 14;
let nameGenerator = null;
/** Test hook: replaces the generator of SharedMemory names (null restores it). */
function _setShmNameGenerator(fn) {
    nameGenerator = fn;
}
function makeFilename() {
    if (nameGenerator)
        return nameGenerator();
    const nbytes = Math.floor((SHM_SAFE_NAME_LENGTH - SHM_PREFIX.length) / 2);
    return SHM_PREFIX + (0, node_crypto_1.randomBytes)(nbytes).toString('hex');
}
/**
 * POSIX shared memory in the shape of Python's
 * multiprocessing.shared_memory.SharedMemory: shm_open(O_CREAT | O_EXCL |
 * O_RDWR, 0600) + ftruncate + mmap to create, shm_open(O_RDWR) + fstat +
 * mmap to attach. A segment made here attaches from Python by `name` and
 * vice versa. The segment lives until unlink(), not until close().
 */
class SharedMemory {
    #name; // with the leading '/'
    #fd;
    #size;
    #map;
    #buf = null;
    constructor(options = {}) {
        if (options === null || typeof options !== 'object')
            throw (0, errors_1.invalidArgType)('options', 'of type object', options);
        const create = Boolean(options.create);
        let { name } = options;
        const size = options.size ?? 0;
        (0, errors_1.validateInteger)(size, 'size', Number.MIN_SAFE_INTEGER);
        if (size < 0)
            throw (0, errors_1.outOfRange)('size', 'a positive integer', size);
        if (create && size === 0)
            throw (0, errors_1.outOfRange)('size', 'a positive number different from zero', size);
        if (name === undefined || name === null) {
            if (!create)
                throw (0, errors_1.invalidArgValue)('name', name, "can only be omitted when create is true");
        }
        else if (typeof name !== 'string') {
            throw (0, errors_1.invalidArgType)('name', 'of type string', name);
        }
        else if (name.length === 0 || name.includes('\0')) {
            throw (0, errors_1.invalidArgValue)('name', name, 'must be a non-empty string without null bytes');
        }
        const flags = create ? K.O_CREAT | K.O_EXCL | K.O_RDWR : K.O_RDWR;
        let fd;
        if (name === undefined || name === null) {
            // A collision with an existing segment is retried with a new name, as
            // Python does (bounded: 100 collisions in a row means something is wrong).
            for (let attempt = 1;; attempt++) {
                const candidate = makeFilename();
                try {
                    fd = native.shm_open(candidate, flags, 0o600);
                    name = candidate;
                    break;
                }
                catch (e) {
                    if (e.code !== 'EEXIST' || attempt >= 100)
                        throw e;
                }
            }
        }
        else {
            // Python prepends the slash unconditionally, so do we (same segment names).
            name = `/${name}`;
            fd = native.shm_open(name, flags, 0o600);
        }
        this.#name = name;
        this.#fd = fd;
        try {
            if (create)
                native.mman_ftruncate(fd, size);
            this.#size = native.mman_fstat(fd)[0];
            if (this.#size === 0) {
                // mmap of length 0 is EINVAL; Python fails the same way on an empty segment.
                throw (0, errors_1.errnoError)(K.EINVAL, 'mmap');
            }
            const handle = native.mmap(fd, this.#size, exports.PROT_READ | exports.PROT_WRITE, exports.MAP_SHARED, 0);
            this.#map = new MemoryMap(handle, this.#size, fd, true);
        }
        catch (e) {
            native.close(fd);
            if (create) {
                try {
                    native.shm_unlink(name);
                }
                catch { /* already gone */ }
            }
            throw e;
        }
    }
    /** The segment's name without the leading slash (what Python reports). */
    get name() {
        return this.#name.startsWith('/') ? this.#name.slice(1) : this.#name;
    }
    /** Bytes, from fstat (may be larger than asked for). */
    get size() {
        return this.#size;
    }
    /** The shared memory as a Buffer; empty once closed. */
    get buf() {
        if (!this.#buf) {
            const ab = this.#map ? this.#map.buffer : new ArrayBuffer(0);
            this.#buf = Buffer.from(ab, 0, ab.byteLength);
        }
        return this.#buf;
    }
    /** The mapping (for typed-array views: `new Int32Array(shm.mmap.buffer)`). */
    get mmap() {
        if (!this.#map)
            throw mappingClosed('mmap');
        return this.#map;
    }
    get closed() {
        return this.#map === null;
    }
    /** Unmaps and closes the fd; the segment itself stays until unlink(). */
    close() {
        const m = this.#map;
        if (!m)
            return;
        this.#map = null;
        this.#fd = -1;
        m.close();
    }
    /** shm_unlink(3): removes the name; existing mappings stay valid. */
    unlink() {
        native.shm_unlink(this.#name);
    }
    [Symbol.dispose]() {
        this.close();
    }
    toString() {
        return `SharedMemory(${JSON.stringify(this.name)}, size=${this.#size})`;
    }
    [Symbol.for('nodejs.util.inspect.custom')]() {
        return this.toString();
    }
}
exports.SharedMemory = SharedMemory;
