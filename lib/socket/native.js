"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.K = exports.native = void 0;
// The socket family's slice of the addon (native/socket*.cc), under `binding.socket`.
const native_1 = require("../native");
exports.native = (0, native_1.family)().socket;
exports.K = exports.native.constants;
