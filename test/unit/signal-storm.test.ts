// Signal storm: ITIMER_REAL at 1 kHz plus a real-time signal sent
// ~1,000 times a second by another process, while this process reads a pipe
// a forked writer fills slowly and forks children. Nothing may be lost, no
// EINTR may reach the caller, nothing may crash.
//
// The oracle for "handler count == what the kernel delivered": real-time
// signals are queued, never merged (signal(7)), so the kernel delivers
// exactly as many SIGRTMIN as the sender's kill() calls that succeeded; the
// JS handler must run exactly that many times. SIGALRM from an interval
// timer does merge while pending, so its count is only bounded: at least
// one, at most one per elapsed millisecond, and equal to what the native
// handler recorded (nothing lost between the C handler and the JS one).
import { describe, expect, it } from 'vitest';
import * as os from '../../lib/os';
import * as signal from '../../lib/signal';
import { hooks } from '../helpers/native-hooks';
import { fdCount, runInChild, sleepSync, waitWithTimeout, zombieChildren } from '../helpers/proc';
import { until } from '../helpers/checks';

const { SIGALRM, SIGRTMIN } = signal;


const CHUNK = 2048;
const CHUNKS = 400;

describe('signal storm', () => {
  it('1 kHz SIGALRM + queued SIGRTMIN from another process, during blocking reads and forks', async () => {
    const fds = fdCount();
    let alrm = 0;
    let rt = 0;
    signal.signal(SIGALRM, () => { alrm++; });
    signal.signal(SIGRTMIN, () => { rt++; });
    const rec0 = hooks._signal_stats().recorded;
    const fwd0 = hooks._signal_stats().forwarded;
    const [dr, dw] = os.pipe();
    const [cr, cw] = os.pipe();
    const ppid = os.getpid();

    const writer = runInChild(() => {
      os.close(dr); os.close(cr); os.close(cw);
      const buf = Buffer.alloc(CHUNK);
      for (let c = 0; c < CHUNKS; c++) {
        for (let i = 0; i < CHUNK; i++) buf[i] = (c * CHUNK + i) % 251;
        let v = buf.subarray(0);
        while (v.length > 0) v = v.subarray(os.write(dw, v));
        sleepSync(2);
      }
      return 0;
    });
    const sender = runInChild(() => {
      os.close(dr); os.close(dw); os.close(cr);
      let sent = 0;
      const end = Date.now() + 1200;
      while (Date.now() < end) {
        try {
          os.kill(ppid, SIGRTMIN);
          sent++;
        } catch (e) {
          if ((e as { code?: string }).code !== 'EAGAIN') return 2; // queue full: not sent, not counted
        }
        sleepSync(1);
      }
      os.write(cw, Buffer.from(new Uint32Array([sent]).buffer));
      return 0;
    });
    os.close(dw);
    os.close(cw);

    signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001);
    const t0 = performance.now();
    let total = 0;
    let firstBad = -1;
    const forkCodes: number[] = [];
    let lastFork = t0;
    try {
      for (;;) {
        const b = os.read(dr, 65536);
        if (b.length === 0) break;
        for (let i = 0; i < b.length; i++) {
          if (b[i] !== (total + i) % 251 && firstBad < 0) firstBad = total + i;
        }
        total += b.length;
        if (performance.now() - lastFork > 50) {
          lastFork = performance.now();
          const want = 40 + (forkCodes.length % 10);
          const pid = runInChild(() => want);
          const [p, status] = os.waitpid(pid, 0);
          forkCodes.push(p === pid ? os.waitstatus_to_exitcode(status) - want : -1);
        }
      }
    } finally {
      signal.setitimer(signal.ITIMER_REAL, 0);
      os.close(dr);
    }
    const elapsedMs = performance.now() - t0;
    const sent = new Uint32Array(new Uint8Array(os.read(cr, 4)).buffer)[0];
    os.close(cr);
    expect(waitWithTimeout(writer).status).toBe(0);
    expect(waitWithTimeout(sender).status).toBe(0);

    // Signals recorded after the last EINTR are dispatched by the event loop.
    await until(() => rt >= sent, 3000);
    await new Promise((r) => setTimeout(r, 20));
    const stats = hooks._signal_stats();
    signal.signal(SIGRTMIN, signal.SIG_DFL);
    signal.signal(SIGALRM, signal.SIG_IGN);

    expect(firstBad).toBe(-1);
    expect(total).toBe(CHUNK * CHUNKS);
    expect(forkCodes.length).toBeGreaterThanOrEqual(5);
    expect(forkCodes.every((d) => d === 0)).toBe(true);
    expect(sent).toBeGreaterThan(200);
    expect(rt).toBe(sent);
    expect(stats.recorded[SIGRTMIN] - (rec0[SIGRTMIN] ?? 0)).toBe(sent);
    expect(alrm).toBeGreaterThan(0);
    expect(alrm).toBeLessThanOrEqual(Math.ceil(elapsedMs) + 50);
    expect(alrm).toBe(stats.recorded[SIGALRM] - (rec0[SIGALRM] ?? 0));
    expect(fdCount()).toBe(fds);
    expect(zombieChildren()).toEqual([]);
    // For the log: how often another Node thread took a signal and forwarded it.
    console.log(`storm: ${elapsedMs.toFixed(0)} ms, ${sent} SIGRTMIN, ${alrm} SIGALRM, ${forkCodes.length} forks, ` +
      `${stats.forwarded - fwd0} deliveries forwarded from other threads`);
  });
});
