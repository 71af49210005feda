// multiprocessing.connection as a namespace: import { connection } from 'posixkit/multiprocessing'.
export { Connection, Pipe } from './connection';
export {
  AuthenticationError, Client, Listener, addressType, address_type, answerChallenge, answer_challenge,
  deliverChallenge, deliver_challenge, wait,
} from './listener';
export type { Family, ListenerOptions } from './listener';
export { BufferTooShort } from './errors';
