// The conformance test methods that do not pass, and why. The harness
// (support/unittest.ts) skips every method listed here; CONFORMANCE_KNOWN=run runs
// them anyway (`node scripts/conformance.js --verify` does, to check
// that each entry still fails). Fix the defect or add the API, then delete
// the entry.
//   missing-api  posixkit lacks an API the test needs (named in the reason)
//   defect       posixkit behaves differently from CPython and should not
//   difference   an intended, documented difference a user would accept
//   python-only  the test checks Python machinery (mocks, pickling, repr...)
export type KnownKind = 'missing-api' | 'defect' | 'difference' | 'python-only';

export interface Known {
  kind: KnownKind;
  reason: string;
}

const NON_INTEGER = 'a non-integer number is a RangeError (ERR_OUT_OF_RANGE), the rule of Node\'s own validators '
  + 'and of every posixkit integer argument; Python raises TypeError for a float';
const NEGATIVE_FD = 'a negative fd (other than the -1 that means "none" where an API has it) is refused before the '
  + 'syscall with a RangeError (ERR_OUT_OF_RANGE), the rule for every posixkit fd argument; Python passes it to the '
  + 'kernel and gets OSError EBADF';
const PTHREAD_KILL_TID = 'the test passes threading.getIdent() (Node\'s threadId, 0 on the main thread); posixkit\'s '
  + 'pthread_kill names a thread by its kernel thread id (os.gettid(), threading.getNativeId()): worker threads '
  + 'have no pthread_t, and a tid cannot reach another process\'s thread';

const entries: Record<string, [KnownKind, string]> = {
  // ---- test_poll
  'test_poll.PollTests.test_threaded_poll': ['difference',
    'two threads cannot share one poll object in JS (a worker has its own heap), so Python\'s RuntimeError for '
    + 'concurrent poll() calls has no counterpart; the test\'s forked "thread" polls its own copy'],
  // ---- test_select
  'test_select.SelectTestCase.test_disallow_instantiation': ['python-only',
    'checks the C type flag Py_TPFLAGS_DISALLOW_INSTANTIATION of select.poll'],
  // ---- test_socketserver
  'test_socketserver.ErrorHandlerTest.test_threading_not_handled': ['defect',
    'ThreadingMixIn\'s request thread ends a handler\'s SystemExit quietly instead of letting it reach '
    + 'threading.excepthook, as Python\'s process_request_thread does (and the test still assigns '
    + 'threading.excepthook where posixkit has setExcepthook)'],
  'test_socketserver.MiscTestCase.test_threads_reaped': ['difference',
    'timing: a worker thread lives 30-90 ms (a new V8 isolate), so ten requests made back to back usually all '
    + 'still have their thread running at the tenth (it passes when the machine is idle); finished threads are '
    + 'dropped at each request, as in CPython'],
  'test_socketserver.MiscTestCase.test_all': ['python-only', 'checks the module\'s __all__'],
  // ---- test_signal
  'test_signal.GenericTests.test_enums': ['python-only', 'checks the IntEnum classes Signals/Handlers/Sigmasks'],
  'test_signal.GenericTests.test_functions_module_attr': ['python-only', 'checks __module__ of the functions'],
  'test_signal.WakeupFDTests.test_invalid_call': ['python-only',
    'checks set_wakeup_fd\'s positional-only and keyword-only parameters'],
  'test_signal.RaiseSignalTest.test__thread_interrupt_main': ['python-only',
    'checks _thread.interrupt_main() from a __del__ method'],
  'test_signal.PosixTests.test_keyboard_interrupt_exit_code': ['difference',
    'a SIGINT with Node\'s default action ends the process by the signal (returncode -2, as checked) without '
    + 'printing a KeyboardInterrupt traceback: Node has no KeyboardInterrupt'],
  'test_signal.RaiseSignalTest.test_sigint': ['difference',
    'raise_signal(SIGINT) with Node\'s default action ends the process (Node has no KeyboardInterrupt)'],
  'test_signal.PendingSignalsTests.test_pthread_kill': ['difference', PTHREAD_KILL_TID],
  'test_signal.PendingSignalsTests.test_pthread_kill_main_thread': ['difference', PTHREAD_KILL_TID],
  'test_signal.StressTest.test_stress_modifying_handlers': ['defect',
    'signal.signal() does not run the handlers of signals already recorded before it changes the action (CPython '
    + 'does, "Check for pending signals before changing signal handler"), so a loop that only swaps handlers never '
    + 'runs its handler: the test spins until its watchdog'],
  'test_signal.PidfdSignalTest.test_pidfd_send_signal': ['difference',
    'a non-null siginfo is a TypeError with Node\'s message ("The \\"siginfo\\" argument must be null"), not '
    + 'Python\'s "siginfo must be None"'],
  // ---- test_socket
  'test_socket.GeneralModuleTests.test_SocketType_is_socketobject': ['python-only',
    'checks that socket.SocketType is _socket.socket'],
  'test_socket.GeneralModuleTests.test_repr': ['python-only', 'checks repr() of a socket'],
  'test_socket.GeneralModuleTests.test_csocket_repr': ['python-only', 'checks repr() of a _socket.socket'],
  'test_socket.GeneralModuleTests.test_weakref': ['python-only', 'checks weakref.proxy and the garbage collector'],
  'test_socket.GeneralModuleTests.testRefCountGetNameInfo': ['python-only', 'checks sys.getrefcount'],
  'test_socket.GeneralModuleTests.test_dealloc_warn': ['python-only', 'checks the ResourceWarning of a collected socket'],
  'test_socket.GeneralModuleTests.test_unusable_closed_socketio': ['difference',
    'a closed makefile() object throws Error ERR_IO_CLOSED ("I/O operation on closed file", Python\'s message) where '
    + 'Python raises ValueError: JS has no ValueError and a RangeError would blame an argument'],
  'test_socket.GeneralModuleTests.test_pickle': ['python-only', 'checks pickling of sockets and enums'],
  'test_socket.GeneralModuleTests.test_str_for_enums': ['python-only', 'checks repr()/str() of the IntEnum constants'],
  'test_socket.GeneralModuleTests.test__sendfile_use_sendfile': ['python-only',
    'checks the private socket._sendfile_use_sendfile and _GiveupOnSendfile'],
  'test_socket.GeneralModuleTests.test_addressfamily_enum': ['python-only', 'checks the AddressFamily IntEnum'],
  'test_socket.GeneralModuleTests.test_socketkind_enum': ['python-only', 'checks the SocketKind IntEnum'],
  'test_socket.GeneralModuleTests.test_msgflag_enum': ['python-only', 'checks the MsgFlag IntFlag'],
  'test_socket.GeneralModuleTests.test_addressinfo_enum': ['python-only', 'checks the AddressInfo IntFlag'],
  'test_socket.GeneralModuleTests.testSendtoErrors': ['difference',
    'argument errors carry Node\'s messages (\'The "data" argument must be a bytes-like object...\'), not '
    + 'Python\'s (\'a bytes-like object is required, not \\\'str\\\'\'); the error classes match'],
  'test_socket.GeneralModuleTests.test_socket_fileno_rejects_float': ['difference', NON_INTEGER],
  'test_socket.GeneralModuleTests.test_socket_fileno_rejects_invalid_socket': ['difference',
    'the RangeError carries Node\'s message (\'The value of "fileno" is out of range...\'), not "negative file '
    + 'descriptor"'],
  'test_socket.GeneralModuleTests.test_socket_fileno_rejects_negative': ['difference',
    'the RangeError carries Node\'s message (\'The value of "fileno" is out of range...\'), not "negative file '
    + 'descriptor"'],
  'test_socket.GeneralModuleTests.test_socket_close': ['difference', `socket.close(-1): ${NEGATIVE_FD}`],
  // ---- test_os
  'test_os.TestInvalidFD.test_dup2_negative_fd': ['difference',
    'a negative fd is refused before the syscall (RangeError ERR_OUT_OF_RANGE, posixkit\'s rule for every fd '
    + 'argument) where Python lets dup2(2) answer EBADF'],
  // ---- test_mmap
  'test_mmap.MmapTests.test_read_invalid_arg': ['difference', `read(5.5): ${NON_INTEGER}`],
  'test_mmap.MmapTests.test_bad_file_desc': ['difference', `mmap(-2, 4096): ${NEGATIVE_FD}`],
  'test_mmap.MmapTests.test_subclass': ['python-only',
    'subclasses mmap.mmap through __new__'],
  'test_mmap.MmapTests.test_weakref': ['python-only',
    'checks weakref.ref and the garbage collector'],
  'test_mmap.MmapTests.test_repr': ['python-only',
    'checks repr() of mmap objects'],
  'test_mmap.MmapTests.test_concat_repeat_exception': ['python-only',
    'checks that m + m and m * 2 raise TypeError (Python operators)'],
  'test_mmap.MmapTests.test_mmap_closed_by_int_scenarios': ['python-only',
    'closes the map from an __index__ method during argument conversion'],
  // ---- _test_multiprocessing
  '_test_multiprocessing._TestProcess.test_close': ['difference',
    'state errors are Errors with stable codes (ERR_PROCESS_RUNNING, ERR_PROCESS_CLOSED), not ValueError: a RangeError would blame an argument'],
  '_test_multiprocessing._TestProcess.test_sentinel': ['difference',
    'reading sentinel before start() throws ERR_PROCESS_NOT_STARTED (an Error with a stable code), not ValueError'],
  '_test_multiprocessing._TestProcess.test_lose_target_ref': ['python-only',
    'checks weakref.ref and the garbage collector'],
  '_test_multiprocessing._TestProcess.test_error_on_stdio_flush_1': ['python-only',
    'replaces sys.stdout/sys.stderr with closed or missing io objects'],
  '_test_multiprocessing._TestProcess.test_error_on_stdio_flush_2': ['python-only',
    'replaces sys.stdout/sys.stderr with closed or missing io objects'],
  '_test_multiprocessing._TestSubclassingProcess.test_sys_exit': ['difference',
    'process.exit() takes an integer code (the Node rule): process.exit([1, 2, 3]) throws, where sys.exit([1, 2, 3]) prints the object and exits 1'],
  '_test_multiprocessing._TestSharedMemory.test_shared_memory_pickle_unpickle': ['python-only',
    'pickles SharedMemory objects'],
  '_test_multiprocessing._TestSharedMemory.test_shared_memory_pickle_unpickle_dead_object': ['python-only',
    'pickles SharedMemory objects'],
  '_test_multiprocessing._TestSharedMemory.test_shared_memory_ShareableList_pickling': ['python-only',
    'pickles ShareableList objects'],
  '_test_multiprocessing._TestSharedMemory.test_shared_memory_ShareableList_pickling_dead_object': ['python-only',
    'pickles ShareableList objects'],
  '_test_multiprocessing._TestSharedMemory.test_shared_memory_SharedMemoryServer_ignores_sigint': ['missing-api',
    'multiprocessing.SharedMemoryManager (and ShareableList)'],
  '_test_multiprocessing._TestSharedMemory.test_shared_memory_SharedMemoryManager_reuses_resource_tracker': ['missing-api',
    'multiprocessing.SharedMemoryManager (and ShareableList)'],
  '_test_multiprocessing._TestSharedMemory.test_shared_memory_SharedMemoryManager_basics': ['missing-api',
    'multiprocessing.SharedMemoryManager (and ShareableList)'],
  '_test_multiprocessing._TestSharedMemory.test_shared_memory_ShareableList_basics': ['missing-api',
    'shared_memory.ShareableList as the test calls it: posixkit has multiprocessing.ShareableList (sl[i], get/set, '
    + 'new ShareableList(seq, { name })), not a shared_memory namespace with getitem/setitem and a positional name'],
  '_test_multiprocessing._TestSharedMemory.test_shared_memory_cleaned_after_process_termination': ['difference',
    'posixkit has no resource tracker: a segment outlives a creator killed before unlink() (docs/api/mmap.md, Lifetime policy)'],
};

/**
 * Test methods that pass but take too long for `npm test` (they run when
 * CONFORMANCE_RESOURCES includes 'slow', as .ci/run and the conformance script do).
 */
export const slow: Record<string, string> = {
  'test_signal.StressTest.test_stress_delivery_simultaneous':
    '~50 s (CPython < 1 s): 5,000 rounds that each sleep 10 ms, because os.kill() returns before the handler ran',
};

export const known: Record<string, Known> = Object.fromEntries(
  Object.entries(entries).map(([id, [kind, reason]]) => [id, { kind, reason }]),
);
