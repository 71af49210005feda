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
exports.waitReadable = waitReadable;
exports.readable = readable;
// The one place multiprocessing waits for fds: poll(2) for the synchronous
// timed waits (Connection.poll, Queue.get timeout, Process.join timeout, the
// Pool's result pump) and epoll + libuv for the async forms. Everything goes
// through posixkit/select, so the EINTR rule and the kernel calls are its.
const errors_1 = require("../errors");
const select = __importStar(require("../select"));
const sel = select;
function need() {
    if (typeof sel.poll !== 'function') {
        throw (0, errors_1.codedError)('ERR_NOT_AVAILABLE', 'posixkit/select is not built yet: timed waits need poll(2)');
    }
    return sel;
}
/**
 * Blocks until one of `fds` is readable (data, EOF or error) or `timeoutSec`
 * passes (null or undefined: forever; 0: just look). Returns the ready fds.
 */
function waitReadable(fds, timeoutSec) {
    const s = need();
    const p = s.poll();
    for (const fd of fds)
        p.register(fd, s.POLLIN);
    const ms = timeoutSec === null || timeoutSec === undefined ? null : Math.max(0, Math.ceil(timeoutSec * 1000));
    return p.poll(ms).map(([fd]) => fd);
}
function readable(fd, timeoutSec) {
    return waitReadable([fd], timeoutSec).length > 0;
}
