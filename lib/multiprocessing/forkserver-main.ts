// The fork server (node forkserver-main.js LISTEN_FD PRELOAD_JSON): loads
// the preload modules, then serves requests on the inherited listening
// socket. Each request brings the fds of a new child (its status pipe, the
// memfds of shared primitives) and its description; the server forks, the
// child runs the description (spawn-main.ts's runChild), and the server
// writes the child's pid and, once it has reaped it (a pidfd per child
// tells when), its exit code into the status pipe.
import { deserialize } from 'node:v8';
import * as os from '../os';
import { poll, POLLIN } from '../select';
import { Socket } from '../socket';
import { Connection } from './connection';
import { recvfds } from './reduction';
import type { ChildSpec } from './spawn';
import { runChild } from './spawn-main';

interface Running {
  pid: number;
  status: number;
}

// The fds a description names were received under other numbers here.
function remap(v: unknown, map: Map<number, number>, seen = new Set<unknown>()): void {
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  const m = (v as { mapping?: { kind?: string; fd?: number } }).mapping;
  if (m && m.kind === 'posixkit.mapping' && typeof m.fd === 'number' && map.has(m.fd)) m.fd = map.get(m.fd)!;
  for (const x of Object.values(v as object)) remap(x, map, seen);
}

function writeInt(fd: number, n: number): void {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n, 0);
  try {
    os.write(fd, b);
  } catch { /* the requester is gone */ }
}

function serve(lfd: number): ChildSpec | null {
  const listener = new Socket(undefined, undefined, undefined, lfd);
  const running = new Map<number, Running>(); // by pidfd
  for (;;) {
    const p = poll();
    p.register(lfd, POLLIN);
    for (const pidfd of running.keys()) p.register(pidfd, POLLIN);
    for (const [fd] of p.poll(null)) {
      if (fd !== lfd) {
        const child = running.get(fd);
        if (!child) continue;
        running.delete(fd);
        let code = 255;
        try {
          code = os.waitstatus_to_exitcode(os.waitpid(child.pid, 0)[1]);
        } catch { /* reaped already */ }
        writeInt(child.status, code);
        os.close(child.status);
        os.close(fd);
        continue;
      }
      let conn: Socket;
      try {
        conn = listener.accept()[0];
      } catch {
        continue;
      }
      let fds: number[] = [];
      let spec: ChildSpec;
      try {
        fds = recvfds(conn, 253);
        const c = new Connection(conn.fileno(), conn.fileno());
        const msg = deserialize(c.recvBytes()) as { spec: ChildSpec; shared: number[] };
        spec = msg.spec;
        const map = new Map(msg.shared.map((orig, i) => [orig, fds[i + 1]]));
        remap(spec.args, map);
        remap(spec.fields, map);
      } catch {
        for (const fd of fds) os.close(fd);
        conn.close();
        continue;
      }
      conn.close();
      const [status, ...shared] = fds;
      const pid = os.fork();
      if (pid === 0) {
        listener.close();
        os.close(status);
        for (const [pidfd, r] of running) {
          os.close(pidfd);
          os.close(r.status);
        }
        return spec;
      }
      for (const fd of shared) os.close(fd);
      writeInt(status, pid);
      running.set(os.pidfd_open(pid), { pid, status });
    }
  }
}

if (require.main === module) {
  const lfd = Number(process.argv[2]);
  os.set_inheritable(lfd, false);
  for (const m of JSON.parse(process.argv[3] ?? '[]') as string[]) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(m);
    } catch { /* as Python: a module that fails to load is skipped */ }
  }
  const spec = serve(lfd);
  if (spec) void runChild(spec).then((code) => process.exit(code));
}
