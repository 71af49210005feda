// posixkit/http: a pure HTTP/1.1 core (bytes in, bytes out) that any server
// model drives. See docs/api/http.md.
export { HttpCore, HttpConnection, createConnection } from './core';
export type { HttpConfig, AccessLogEntry } from './core';
export { OutputQueue, releaseOutput, isFileOutput, outputLength } from '../server/output';
export type { OutputItem, FileOutput } from '../server/output';
export { parseHead, checkHost, bodyFraming, ChunkedDecoder, DEFAULT_LIMITS, KNOWN_METHODS } from './parser';
export type { HttpLimits, RequestHead, HeadResult, Framing } from './parser';
export { buildHead, errorBody, escapeControls, escapeHtml, parseRange, httpDate, parseHttpDate, STATUS_TEXT, HeaderInjectionError } from './response';
export { Router, demoRoutes } from './routes';
export type { RouteHandler, RouteRequest, RouteResponse } from './routes';
export { decodePath, openStatic, contentType, CONTENT_TYPES, FileCache, listingPage } from './static';
export type { CachedFile } from './static';
export { serveHttp, serveHttpOnLoop, httpProtocol } from './server';
export type { ServeHttpOptions, HttpProtocolOptions, RoutesOption, RoutesRef } from './server';
