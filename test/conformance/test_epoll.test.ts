// Port of CPython 3.11 Lib/test/test_epoll.py.
import { openSync, closeSync } from 'node:fs';
import * as os from '../../lib/os';
import * as select from '../../lib/select';
import * as socket from '../../lib/socket';
import { errno } from '../../lib/errors';
import { monotonic } from './support/helpers';
import { OSError, pyErrno, run, TestCase, ValueError } from './support/unittest';

class TestEPoll extends TestCase {
  serverSocket!: socket.Socket;
  connections: socket.Socket[] = [];

  override setUp(): void {
    this.serverSocket = socket.create_server(['127.0.0.1', 0]);
    this.connections = [this.serverSocket];
  }

  override tearDown(): void {
    for (const skt of this.connections) skt.close();
  }

  _connected_pair(): [socket.Socket, socket.Socket] {
    const client = socket.socket();
    client.setblocking(false);
    let raised = false;
    try {
      client.connect(['127.0.0.1', (this.serverSocket.getsockname() as [string, number])[1]]);
    } catch (e) {
      if (!(e instanceof OSError)) throw e;
      raised = true;
      this.assertEqual(pyErrno(e), errno.EINPROGRESS);
    }
    if (!raised) throw new Error('Connect should have raised EINPROGRESS');
    const [server] = this.serverSocket.accept();
    this.connections.push(client, server);
    return [client, server];
  }

  test_create(): void {
    const ep = select.epoll(16);
    this.assertTrue(ep.fileno() > 0, ep.fileno());
    this.assertTrue(!ep.closed);
    ep.close();
    this.assertTrue(ep.closed);
    this.assertRaises(ValueError, () => ep.fileno());
    select.epoll(-1, select.EPOLL_CLOEXEC).close();
    select.epoll(undefined, select.EPOLL_CLOEXEC).close();
    select.epoll(undefined, 0).close();
  }

  test_badcreate(): void {
    // [python-only] select.epoll(1, 2, 3): JS ignores extra arguments (Python's arity check)
    this.assertRaises(TypeError, () => select.epoll('foo' as never));
    this.assertRaises(TypeError, () => select.epoll(null as never));
    this.assertRaises(TypeError, () => select.epoll([] as never));
    this.assertRaises(TypeError, () => select.epoll(['foo'] as never));
    this.assertRaises(TypeError, () => select.epoll({} as never));

    this.assertRaises(ValueError, () => select.epoll(0));
    this.assertRaises(ValueError, () => select.epoll(-2));
    this.assertRaises(ValueError, () => select.epoll(-2)); // sizehint=-2

    this.assertRaises(OSError, () => select.epoll(undefined, 12356));
  }

  test_context_manager(): void {
    let ep: select.Epoll;
    {
      using e = select.epoll(16);
      ep = e;
      this.assertGreater(ep.fileno(), 0);
      this.assertFalse(ep.closed);
    }
    this.assertTrue(ep.closed);
    this.assertRaises(ValueError, () => ep.fileno());
  }

  test_add(): void {
    const [server, client] = this._connected_pair();

    let ep = select.epoll(2);
    try {
      ep.register(server.fileno(), select.EPOLLIN | select.EPOLLOUT);
      ep.register(client.fileno(), select.EPOLLIN | select.EPOLLOUT);
    } finally {
      ep.close();
    }

    // adding by object w/ fileno works, too.
    ep = select.epoll(2);
    try {
      ep.register(server, select.EPOLLIN | select.EPOLLOUT);
      ep.register(client, select.EPOLLIN | select.EPOLLOUT);
    } finally {
      ep.close();
    }

    ep = select.epoll(2);
    try {
      // TypeError: argument must be an int, or have a fileno() method.
      this.assertRaises(TypeError, () => ep.register({} as never, select.EPOLLIN | select.EPOLLOUT));
      this.assertRaises(TypeError, () => ep.register(null as never, select.EPOLLIN | select.EPOLLOUT));
      // ValueError: file descriptor cannot be a negative integer (-1)
      this.assertRaises(ValueError, () => ep.register(-1, select.EPOLLIN | select.EPOLLOUT));
      // OSError: [Errno 9] Bad file descriptor
      this.assertRaises(OSError, () => ep.register(10000, select.EPOLLIN | select.EPOLLOUT));
      // registering twice also raises an exception
      ep.register(server, select.EPOLLIN | select.EPOLLOUT);
      this.assertRaises(OSError, () => ep.register(server, select.EPOLLIN | select.EPOLLOUT));
    } finally {
      ep.close();
    }
  }

  test_fromfd(): void {
    const [server, client] = this._connected_pair();
    let ep2: select.Epoll;
    {
      using ep = select.epoll(2);
      ep2 = select.Epoll.fromfd(ep.fileno());

      ep2.register(server.fileno(), select.EPOLLIN | select.EPOLLOUT);
      ep2.register(client.fileno(), select.EPOLLIN | select.EPOLLOUT);

      const events = ep.poll(1, 4);
      const events2 = ep2.poll(0.9, 4);
      this.assertEqual(events.length, 2);
      this.assertEqual(events2.length, 2);
    }
    try {
      ep2.poll(1, 4);
    } catch (e) {
      if (!(e instanceof OSError)) throw e;
      this.assertEqual(pyErrno(e), errno.EBADF, String(e));
      return;
    }
    this.fail("epoll on closed fd didn't raise EBADF");
  }

  test_control_and_wait(): void {
    // create the epoll object
    const [client, server] = this._connected_pair();
    const ep = select.epoll(16);
    ep.register(server.fileno(), select.EPOLLIN | select.EPOLLOUT | select.EPOLLET);
    ep.register(client.fileno(), select.EPOLLIN | select.EPOLLOUT | select.EPOLLET);

    // EPOLLOUT
    let now = monotonic();
    let events = ep.poll(1, 4);
    let then = monotonic();
    this.assertFalse(then - now > 0.1, then - now);

    let expected = [[client.fileno(), select.EPOLLOUT], [server.fileno(), select.EPOLLOUT]];
    this.assertEqual(sorted(events), sorted(expected));

    // no event
    events = ep.poll(0.1, 4);
    this.assertFalse(events.length);

    // send: EPOLLIN and EPOLLOUT
    client.sendall(Buffer.from('Hello!'));
    server.sendall(Buffer.from('world!!!'));

    now = monotonic();
    events = ep.poll(1.0, 4);
    then = monotonic();
    this.assertFalse(then - now > 0.01);

    expected = [[client.fileno(), select.EPOLLIN | select.EPOLLOUT],
      [server.fileno(), select.EPOLLIN | select.EPOLLOUT]];
    this.assertEqual(sorted(events), sorted(expected));

    // unregister, modify
    ep.unregister(client.fileno());
    ep.modify(server.fileno(), select.EPOLLOUT);
    now = monotonic();
    events = ep.poll(1, 4);
    then = monotonic();
    this.assertFalse(then - now > 0.01);

    expected = [[server.fileno(), select.EPOLLOUT]];
    this.assertEqual(events, expected);
    ep.close();
  }

  test_errors(): void {
    this.assertRaises(ValueError, () => select.epoll(-2));
    const ep = select.epoll();
    this.assertRaises(ValueError, () => ep.register(-1, select.EPOLLIN));
    ep.close();
  }

  test_unregister_closed(): void {
    const [server] = this._connected_pair();
    const fd = server.fileno();
    const ep = select.epoll(16);
    ep.register(server);

    const now = monotonic();
    ep.poll(1, 4);
    const then = monotonic();
    this.assertFalse(then - now > 0.01);

    server.close();

    const e = this.assertRaises(OSError, () => ep.unregister(fd));
    this.assertEqual(pyErrno(e), errno.EBADF);
    ep.close();
  }

  test_close(): void {
    const fd = openSync(__filename, 'r');
    this.addCleanup(() => closeSync(fd));
    const epoll = select.epoll();

    // test fileno() method and closed attribute
    this.assertIsInstance(epoll.fileno(), Number);
    this.assertFalse(epoll.closed);

    // test close()
    epoll.close();
    this.assertTrue(epoll.closed);
    this.assertRaises(ValueError, () => epoll.fileno());

    // close() can be called more than once
    epoll.close();

    // operations must fail with ValueError("I/O operation on closed ...")
    this.assertRaises(ValueError, () => epoll.modify(fd, select.EPOLLIN));
    this.assertRaises(ValueError, () => epoll.poll(1.0));
    this.assertRaises(ValueError, () => epoll.register(fd, select.EPOLLIN));
    this.assertRaises(ValueError, () => epoll.unregister(fd));
  }

  test_fd_non_inheritable(): void {
    const epoll = select.epoll();
    this.addCleanup(() => epoll.close());
    this.assertEqual(os.get_inheritable(epoll.fileno()), false);
  }
}

/** Python's sorted() of [fd, mask] pairs. */
function sorted(pairs: number[][]): number[][] {
  return [...pairs].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

run('test_epoll', [TestEPoll]);
