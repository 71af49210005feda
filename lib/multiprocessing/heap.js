"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.allocate = allocate;
exports.shareBlock = shareBlock;
exports.attachBlock = attachBlock;
// Shared memory for synchronization primitives and shared ctypes, in the
// manner of Python's multiprocessing.heap: small blocks carved out of a few
// memfd-backed MAP_SHARED arenas.
//
// - Forked children inherit the arenas (same pages), so a Lock made before
//   fork() is the same lock in the child.
// - The bump pointer lives inside the arena (word 0) and moves with
//   Atomics.add, so a parent and its children allocating after a fork never
//   hand out the same bytes.
// - A worker thread maps an arena again from its memfd (attachShared), so a
//   primitive crosses to a worker as a small plain descriptor.
// Blocks are never freed (as a Lock in Python lives as long as anyone may
// use it); each arena costs one fd, kept open so workers can map it.
const mmap_1 = require("../mmap");
const ARENA_SIZE = 256 * 1024;
const HEADER = 64; // word 0: bump pointer; rest keeps blocks cache-line apart from it
const arenas = [];
// Arenas of other threads mapped into this one, by inode.
const attached = new Map();
function newArena(size) {
    const map = (0, mmap_1.mmap)(-1, size);
    const i32 = new Int32Array(map.buffer, 0, HEADER / 4);
    Atomics.store(i32, 0, HEADER);
    return { map, i32, shared: null };
}
function tryCarve(arena, size, align) {
    const need = Math.ceil(size / align) * align;
    // A full arena is left alone, so its bump pointer never runs away.
    if (Atomics.load(arena.i32, 0) + need + align > arena.map.length)
        return null;
    // Reserve need + align so any start can be aligned; the waste is small.
    const start = Atomics.add(arena.i32, 0, need + align);
    const aligned = Math.ceil(start / align) * align;
    if (aligned + need > arena.map.length)
        return null;
    return { map: arena.map, byteOffset: aligned, size, arena };
}
/** Allocates `size` bytes (zeroed, never freed) aligned to `align` (<= 64). */
function allocate(size, align = 8) {
    if (size > ARENA_SIZE / 4) {
        const arena = newArena(HEADER + Math.ceil((size + align) / 4096) * 4096);
        arenas.push(arena);
        return tryCarve(arena, size, align);
    }
    for (let i = arenas.length - 1; i >= 0 && i >= arenas.length - 2; i--) {
        const b = tryCarve(arenas[i], size, align);
        if (b)
            return b;
    }
    const arena = newArena(ARENA_SIZE);
    arenas.push(arena);
    return tryCarve(arena, size, align);
}
function shareBlock(b) {
    if (!b.arena.shared)
        b.arena.shared = b.map.share();
    return { mapping: b.arena.shared, byteOffset: b.byteOffset, size: b.size };
}
/** The Block a SharedBlock describes, mapped into this thread (each arena once). */
function attachBlock(s) {
    const key = `${s.mapping.dev}:${s.mapping.ino}`;
    let arena = attached.get(key);
    if (!arena) {
        const own = arenas.find((a) => a.shared && a.shared.ino === s.mapping.ino && a.shared.dev === s.mapping.dev);
        if (own) {
            arena = own;
        }
        else {
            const map = (0, mmap_1.attachShared)(s.mapping);
            arena = { map, i32: new Int32Array(map.buffer, 0, HEADER / 4), shared: s.mapping };
        }
        attached.set(key, arena);
    }
    return { map: arena.map, byteOffset: s.byteOffset, size: s.size, arena };
}
