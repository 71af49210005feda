"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.sysEpollWait = exports.sysPoll = exports.sysSelect = exports.K = exports.native = void 0;
exports.blockingSeconds = blockingSeconds;
// The native slice of posixkit/select (native/select.cc) and the helpers its
// two TS modules share.
const errors_1 = require("../errors");
const native_1 = require("../native");
exports.native = (0, native_1.family)();
exports.K = exports.native.selectConstants;
// The binding object holds every family's functions and is in dictionary
// mode; the waits are fetched once so a hot loop does not look them up.
exports.sysSelect = exports.native.select;
exports.sysPoll = exports.native.poll;
exports.sysEpollWait = exports.native.epoll_wait;
/** A timeout in seconds: undefined/null/negative block (-1), else >= 0, finite. */
function blockingSeconds(value, name, scale = 1) {
    if (value === undefined || value === null)
        return -1;
    if (typeof value !== 'number')
        throw (0, errors_1.invalidArgType)(name, 'of type number', value);
    if (Number.isNaN(value))
        throw (0, errors_1.outOfRange)(name, 'a number', value);
    if (value < 0)
        return -1;
    if (!Number.isFinite(value) || value / scale > errors_1.INT32_MAX / 1000) {
        throw (0, errors_1.outOfRange)(name, `<= ${Math.floor((errors_1.INT32_MAX / 1000) * scale)}`, value);
    }
    return value / scale;
}
