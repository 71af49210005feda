// posixkit: every module is also its own subpath (posixkit/os, posixkit/select ...).
export * as errors from './errors';
export * as os from './os';
export * as signal from './signal';
export * as resource from './resource';
export * as select from './select';
export * as socket from './socket';
export * as mmap from './mmap';
export * as fcntl from './fcntl';
export * as multiprocessing from './multiprocessing/index';
export * as threading from './threading';
export * as socketserver from './socketserver';
export * as models from './models/index';
export * as http from './http/index';
export * as ftp from './ftp/index';
export * as coroutine from './coroutine/index';
