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
exports.addPrivateFd = addPrivateFd;
exports.closePrivateFd = closePrivateFd;
exports.onForkChild = onForkChild;
exports.forgetPrivateFd = forgetPrivateFd;
// Bookkeeping shared by Process and Pool around fork().
//
// Some fds belong to this process's own multiprocessing objects and mean
// nothing in a child: the read end of a child's exit sentinel, a pool's task
// and result pipes, a child's own sentinel write end. A forked child closes
// them at once, so that (a) a Pool's worker sees end of file when the pool
// stops it even if the user forked other processes meanwhile, and (b) a
// grandchild does not hold its parent's sentinel open, which would make the
// parent look alive to the grandparent's join(timeout).
// Pipe and Queue fds are NOT here: children inherit those on purpose.
const os = __importStar(require("../os"));
const privateFds = new Set();
const childHooks = [];
function addPrivateFd(fd) {
    privateFds.add(fd);
}
function closePrivateFd(fd) {
    if (privateFds.delete(fd))
        os.close(fd);
}
/** Runs in every forked child, before fork() returns there. */
function onForkChild(hook) {
    childHooks.push(hook);
}
os.register_at_fork({
    after_in_child: () => {
        for (const fd of privateFds) {
            try {
                os.close(fd);
            }
            catch { /* already gone */ }
        }
        privateFds.clear();
        for (const h of childHooks)
            h();
    },
});
/** Stops tracking `fd` without closing it (its owner closes it). */
function forgetPrivateFd(fd) {
    privateFds.delete(fd);
}
