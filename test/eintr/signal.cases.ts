// Blocking calls of posixkit/signal under the EINTR rule.
import * as os from '../../lib/os';
import * as signal from '../../lib/signal';
import { runInChild, sleepSync } from '../helpers/proc';
import type { EintrCase } from './types';

export const cases: EintrCase[] = [
  {
    // pause() returns once a handler ran (it is not retried, as in C and
    // Python); the child's SIGUSR2 after ~300 ms ends it if nothing else does.
    name: 'signal.pause',
    prepare() {
      const prev = signal.signal(signal.SIGUSR2, () => {});
      const ppid = os.getpid();
      const pid = runInChild(() => { sleepSync(300); os.kill(ppid, signal.SIGUSR2); return 0; });
      return {
        call: () => signal.pause(),
        cleanup: () => {
          try { os.kill(pid, 9); } catch { /* gone */ }
          os.waitpid(pid, 0);
          signal.signal(signal.SIGUSR2, prev);
        },
      };
    },
  },
  {
    name: 'signal.signalfd_read',
    prepare() {
      // SIGUSR2 blocked and read from a signalfd; a handler stays installed
      // so a copy that lands on another Node thread is forwarded, not fatal.
      const prevHandler = signal.signal(signal.SIGUSR2, () => {});
      const prevMask = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2]);
      const fd = signal.signalfd([signal.SIGUSR2]);
      const ppid = os.getpid();
      const pid = runInChild(() => { sleepSync(300); os.kill(ppid, signal.SIGUSR2); return 0; });
      return {
        call: () => signal.signalfd_read(fd, 1),
        check: (r) => {
          const [info] = r as signal.SigInfo[];
          if (info.ssi_signo !== signal.SIGUSR2 || info.ssi_pid !== pid) throw new Error(`unexpected siginfo ${JSON.stringify(info)}`);
        },
        cleanup: () => {
          try { os.kill(pid, 9); } catch { /* gone */ }
          os.waitpid(pid, 0);
          os.close(fd);
          // A SIGUSR2 the call did not read is discarded while the mask still blocks it.
          signal.signal(signal.SIGUSR2, signal.SIG_IGN);
          signal.pthread_sigmask(signal.SIG_SETMASK, prevMask);
          signal.signal(signal.SIGUSR2, prevHandler);
        },
      };
    },
  },
  {
    name: 'signal.sigtimedwait',
    prepare() {
      const prevHandler = signal.signal(signal.SIGUSR2, () => {});
      const prevMask = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2]);
      const ppid = os.getpid();
      const pid = runInChild(() => { sleepSync(300); os.kill(ppid, signal.SIGUSR2); return 0; });
      return {
        call: () => signal.sigtimedwait([signal.SIGUSR2], 10),
        check: (r) => {
          const info = r as signal.SigwaitInfo | null;
          if (info === null || info.si_signo !== signal.SIGUSR2 || info.si_pid !== pid) throw new Error(`unexpected ${JSON.stringify(info)}`);
        },
        cleanup: () => {
          try { os.kill(pid, 9); } catch { /* gone */ }
          os.waitpid(pid, 0);
          signal.signal(signal.SIGUSR2, signal.SIG_IGN);
          signal.pthread_sigmask(signal.SIG_SETMASK, prevMask);
          signal.signal(signal.SIGUSR2, prevHandler);
        },
      };
    },
  },
];
