// Faithfulness: each call makes the syscall its name promises, with the
// arguments given, as strace(1) sees it. Covers the calls whose effect is
// otherwise hard to observe (sched_yield, fsync, advice) and the rest in one run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/proc';

const hasStrace = spawnSync('strace', ['-V']).status === 0;
const dir = mkdtempSync(path.join(tmpdir(), 'pk-os-strace-'));
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

const SCRIPT = `
const os = require('./dist/os'); const signal = require('./dist/signal'); const resource = require('./dist/resource');
const f = ${JSON.stringify(path.join(dir, 'file'))};
const fd = os.open(f, os.O_RDWR | os.O_CREAT, 0o600);
os.pwrite(fd, 'abcdef', 2); os.pread(fd, 3, 2);
os.pwritev(fd, [Buffer.from('x')], 0, os.RWF_DSYNC); os.preadv(fd, [Buffer.alloc(2)], 1);
os.fsync(fd); os.fdatasync(fd); os.ftruncate(fd, 4096);
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM); os.posix_fallocate(fd, 0, 8192); os.lockf(fd, os.F_TLOCK, 0);
os.lseek(fd, 0, os.SEEK_END);
const [r, w] = os.pipe(); os.writev(w, [Buffer.from('ab'), Buffer.from('c')]); os.readv(r, [Buffer.alloc(3)]);
os.sendfile(w, fd, 0, 1); os.splice(r, fd, 1, null, 100);
os.copy_file_range(fd, fd, 1, 0, 200);
const e = os.eventfd(0); os.eventfd_write(e, 1); os.eventfd_read(e);
os.memfd_create('traced');
os.dup2(r, 900); os.dup2(r, 901); os.closerange(900, 902);
os.sched_yield(); os.sched_getaffinity(0); os.sched_setaffinity(0, os.sched_getaffinity(0));
os.setpriority(os.PRIO_PROCESS, 0, 1); os.getpriority(os.PRIO_PROCESS, 0);
os.sched_getscheduler(0); os.sched_getparam(0); os.sched_rr_get_interval(0);
os.umask(0o22); os.getresuid(); os.getgroups(); os.setpgrp(); os.uname(); os.times();
resource.getrlimit(resource.RLIMIT_NOFILE); resource.setrlimit(resource.RLIMIT_CORE, [0, 0]); resource.getrusage(resource.RUSAGE_SELF);
signal.signal(signal.SIGUSR1, () => {});
signal.pthread_kill(os.gettid(), signal.SIGUSR1);
const self = os.pidfd_open(os.getpid()); signal.pidfd_send_signal(self, signal.SIGUSR1);
const pid = os.posix_spawn('/bin/true', ['true'], {}, { setsid: true }); os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT); os.wait4(pid, 0);
`;

// Each call, as strace prints it (a regexp on the line).
const EXPECTED: Array<[string, RegExp]> = [
  ['open', /openat\(AT_FDCWD, ".*\/file", O_RDWR\|O_CREAT\|O_CLOEXEC, 0600\) = \d+/],
  ['pwrite', /pwrite64\(\d+, "abcdef", 6, 2\) = 6/],
  ['pread', /pread64\(\d+, "abc", 3, 2\) = 3/],
  ['pwritev', /pwritev2\(\d+, \[\{iov_base="x", iov_len=1\}\], 1, 0, RWF_DSYNC\) = 1/],
  ['preadv', /preadv\(\d+, \[\{iov_base=.*, iov_len=2\}\], 1, 1\) = 2/],
  ['fsync', /^\d+\s+fsync\(\d+\) = 0/],
  ['fdatasync', /fdatasync\(\d+\) = 0/],
  ['ftruncate', /ftruncate\(\d+, 4096\) = 0/],
  ['posix_fadvise', /fadvise64\(\d+, 0, 0, POSIX_FADV_RANDOM\) = 0/],
  ['posix_fallocate', /fallocate\(\d+, 0, 0, 8192\) = 0/],
  ['lockf', /fcntl\(\d+, F_SETLK, \{l_type=F_WRLCK, l_whence=SEEK_CUR, l_start=0, l_len=0\}\) = 0/],
  ['lseek', /lseek\(\d+, 0, SEEK_END\) = 8192/],
  ['writev', /writev\(\d+, \[\{iov_base="ab", iov_len=2\}, \{iov_base="c", iov_len=1\}\], 2\) = 3/],
  ['readv', /readv\(\d+, \[\{iov_base="abc", iov_len=3\}\], 1\) = 3/],
  ['sendfile', /sendfile\(\d+, \d+, \[0\] => \[1\], 1\) = 1/],
  ['splice', /splice\(\d+, NULL, \d+, \[100\], 1, 0\) = 1/],
  ['copy_file_range', /copy_file_range\(\d+, \[0\].*, \d+, \[200\].*, 1, 0\) = 1/],
  ['eventfd', /eventfd2\(0, EFD_CLOEXEC\) = \d+/],
  ['eventfd_write', /write\(\d+, "\\1\\0\\0\\0\\0\\0\\0\\0", 8\) = 8/],
  ['eventfd_read', /read\(\d+, "\\1\\0\\0\\0\\0\\0\\0\\0", 8\) = 8/],
  ['memfd_create', /memfd_create\("traced", MFD_CLOEXEC\) = \d+/],
  ['closerange', /close_range\(900, 901, 0\) = 0/],
  ['sched_yield', /sched_yield\(\) = 0/],
  ['sched_getaffinity', /sched_getaffinity\(0, \d+, \[[\d ]+\]\) = \d+/],
  ['sched_setaffinity', /sched_setaffinity\(0, \d+, \[[\d ]+\]\) = 0/],
  ['setpriority', /setpriority\(PRIO_PROCESS, 0, 1\) = 0/],
  ['getpriority', /getpriority\(PRIO_PROCESS, 0\) = 19/], // the kernel's 20 - nice
  ['sched_getscheduler', /sched_getscheduler\(0\) = 0 \(SCHED_OTHER\)/],
  ['sched_getparam', /sched_getparam\(0, \[0\]\) = 0/],
  ['sched_rr_get_interval', /sched_rr_get_interval\(0, /],
  ['umask', /umask\(022\) = /],
  ['getresuid', /getresuid\(/],
  ['getgroups', /getgroups\(/],
  ['setpgrp', /setpgid\(0, 0\) = 0/],
  ['uname', /uname\(\{sysname="Linux"/],
  ['times', /times\(/],
  ['getrlimit', /prlimit64\(0, RLIMIT_NOFILE, NULL, /],
  ['setrlimit', /prlimit64\(0, RLIMIT_CORE, \{rlim_cur=0, rlim_max=0\}, NULL\) = 0/],
  ['getrusage', /getrusage\(RUSAGE_SELF, /],
  ['pthread_kill', /tgkill\((\d+), \1, SIGUSR1\) = 0/],
  ['pidfd_send_signal', /pidfd_send_signal\(\d+, SIGUSR1, NULL, 0\) = 0/],
  ['posix_spawn', /clone3?\(.*CLONE_VFORK/],
  ['waitid', /waitid\(P_PID, \d+, \{.*\}, WEXITED\|WNOWAIT, NULL\) = 0/],
  ['wait4', /wait4\(\d+, \[\{WIFEXITED\(s\) && WEXITSTATUS\(s\) == 0\}\], 0, \{ru_utime=/],
];

describe.skipIf(!hasStrace)('each call makes its syscall (strace)', () => {
  it('every call in one traced run', () => {
    const log = path.join(dir, 'trace');
    const r = spawnSync('strace', ['-f', '-qq', '-s', '16', '-o', log, process.execPath, '-e', SCRIPT], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    // One line per call: an "<unfinished ...>" joined with its "resumed" half, runs of spaces as one.
    const lines: string[] = [];
    const open = new Map<string, number>();
    for (const l of readFileSync(log, 'utf8').split('\n')) {
      const pid = l.slice(0, l.indexOf(' '));
      const resumed = /^\d+\s+<\.\.\. \w+ resumed>(.*)$/.exec(l);
      if (resumed && open.has(pid)) {
        const i = open.get(pid)!;
        lines[i] = lines[i].replace(' <unfinished ...>', '') + resumed[1];
        open.delete(pid);
        continue;
      }
      if (l.endsWith('<unfinished ...>')) open.set(pid, lines.length);
      lines.push(l);
    }
    for (let i = 0; i < lines.length; i++) lines[i] = lines[i].replace(/ {2,}/g, ' ');
    const missing = EXPECTED.filter(([, re]) => !lines.some((l) => re.test(l))).map(([name]) => name);
    expect(missing).toEqual([]);
  });
});
