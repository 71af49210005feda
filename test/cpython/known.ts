// The ported CPython test methods that do not pass, and why. The harness
// (support/unittest.ts) skips every method listed here; CPYTHON_KNOWN=run runs
// them anyway (`node scripts/cpython-conformance.js --verify` does, to check
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

const CLOSED_EPOLL = 'a closed epoll object throws OSError EBADF (Python: ValueError "I/O operation on closed epoll '
  + 'object"): posixkit has one rule for every closed fd owner (socket, epoll, Connection), the one Python\'s own '
  + 'socket follows; JS has no ValueError and a RangeError would blame an argument';

const entries: Record<string, [KnownKind, string]> = {
  // ---- test_epoll
  'test_epoll.TestEPoll.test_close': ['difference', CLOSED_EPOLL],
  'test_epoll.TestEPoll.test_context_manager': ['difference', CLOSED_EPOLL],
  'test_epoll.TestEPoll.test_create': ['difference', CLOSED_EPOLL],
  // ---- test_poll
  'test_poll.PollTests.test_poll_unit_tests': ['difference',
    'unregister() of an fd that is not registered throws FileNotFoundError (ENOENT), as epoll does, where Python '
    + 'raises KeyError: JS has no KeyError, and poll and epoll give one error for "not registered"'],
  'test_poll.PollTests.test_threaded_poll': ['difference',
    'two threads cannot share one poll object in JS (a worker has its own heap), so Python\'s RuntimeError for '
    + 'concurrent poll() calls has no counterpart; the port\'s forked "thread" polls its own copy'],
  // ---- test_select
  'test_select.SelectTestCase.test_select_mutated': ['difference',
    'select() copies each list before calling any fileno(), so a fileno() that shrinks the list still gets every '
    + 'entry back (10); CPython walks the live list and returns the 5 left'],
  'test_select.SelectTestCase.test_disallow_instantiation': ['python-only',
    'checks the C type flag Py_TPFLAGS_DISALLOW_INSTANTIATION of select.poll'],
  // ---- test_socketserver
  'test_socketserver.ErrorHandlerTest.test_threading_handled': ['difference',
    'ThreadingMixIn runs handleError/shutdownRequest overrides in the request\'s worker thread, on a stand-in of the '
    + 'server rebuilt from its class, so a class with such overrides must be loadable there (static module = '
    + '__filename); this port defines ThreadingErrorTestServer in a .ts test file, which a worker cannot load, and '
    + 'gets the clear refusal instead (test/unit/socketserver.test.ts runs the same test from a .js fixture: passes)'],
  'test_socketserver.ErrorHandlerTest.test_threading_not_handled': ['missing-api',
    'threading.excepthook (catch_threading_exception); also needs the shutdownRequest override to reach the worker'],
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
  'test_signal.PosixTests.test_interprocess_signal': ['missing-api',
    'signal.default_int_handler (a handler that raises KeyboardInterrupt)'],
  'test_signal.PosixTests.test_keyboard_interrupt_exit_code': ['difference',
    'a SIGINT with Node\'s default action ends the process by the signal (returncode -2, as checked) without '
    + 'printing a KeyboardInterrupt traceback: Node has no KeyboardInterrupt'],
  'test_signal.RaiseSignalTest.test_sigint': ['difference',
    'raise_signal(SIGINT) with Node\'s default action ends the process (Node has no KeyboardInterrupt)'],
  'test_signal.WakeupFDTests.test_invalid_fd': ['missing-api', 'signal.set_wakeup_fd'],
  'test_signal.WakeupFDTests.test_invalid_socket': ['missing-api', 'signal.set_wakeup_fd'],
  'test_signal.WakeupFDTests.test_set_wakeup_fd_blocking': ['missing-api', 'signal.set_wakeup_fd'],
  'test_signal.WakeupFDTests.test_set_wakeup_fd_result': ['missing-api', 'signal.set_wakeup_fd'],
  'test_signal.WakeupFDTests.test_set_wakeup_fd_socket_result': ['missing-api', 'signal.set_wakeup_fd'],
  'test_signal.WakeupSignalTests.test_pending': ['missing-api', 'signal.set_wakeup_fd'],
  'test_signal.WakeupSignalTests.test_signum': ['missing-api', 'signal.set_wakeup_fd'],
  'test_signal.WakeupSignalTests.test_wakeup_fd_during': ['missing-api', 'signal.set_wakeup_fd'],
  'test_signal.WakeupSignalTests.test_wakeup_fd_early': ['missing-api', 'signal.set_wakeup_fd'],
  'test_signal.WakeupSignalTests.test_wakeup_write_error': ['missing-api', 'signal.set_wakeup_fd'],
  'test_signal.WakeupSocketSignalTests.test_send_error': ['missing-api', 'signal.set_wakeup_fd'],
  'test_signal.WakeupSocketSignalTests.test_socket': ['missing-api', 'signal.set_wakeup_fd'],
  'test_signal.WakeupSocketSignalTests.test_warn_on_full_buffer': ['missing-api',
    'signal.set_wakeup_fd with warn_on_full_buffer'],
  'test_signal.PendingSignalsTests.test_pthread_kill': ['missing-api', 'signal.pthread_kill'],
  'test_signal.PendingSignalsTests.test_pthread_kill_main_thread': ['missing-api', 'signal.pthread_kill'],
  'test_signal.PendingSignalsTests.test_pthread_sigmask': ['defect',
    'os.kill(os.getpid(), sig) returns before the JS handler of sig ran (Python runs it before kill() returns)'],
  'test_signal.StressTest.test_stress_modifying_handlers': ['defect',
    'signal.signal() does not run the handlers of signals already recorded before it changes the action (CPython '
    + 'does, "Check for pending signals before changing signal handler"), so a loop that only swaps handlers never '
    + 'runs its handler: the test spins until its watchdog'],
  'test_signal.PidfdSignalTest.test_pidfd_send_signal': ['missing-api',
    'signal.pidfd_send_signal; os.open with O_DIRECTORY'],
  // ---- _test_eintr
  '_test_eintr.OSEINTRTest.test_wait3': ['missing-api', 'os.wait3'],
  '_test_eintr.OSEINTRTest.test_wait4': ['missing-api', 'os.wait4'],
  '_test_eintr.SocketEINTRTest.test_os_open': ['missing-api', 'os.open with the O_* flags'],
  '_test_eintr.FNTLEINTRTest.test_flock': ['missing-api', 'fcntl.flock and LOCK_* (posixkit has no fcntl module)'],
  '_test_eintr.FNTLEINTRTest.test_lockf': ['missing-api', 'fcntl.lockf and LOCK_* (posixkit has no fcntl module)'],
  // ---- test_socket
  'test_socket.GeneralModuleTests.test_SocketType_is_socketobject': ['python-only',
    'checks that socket.SocketType is _socket.socket'],
  'test_socket.GeneralModuleTests.test_repr': ['python-only', 'checks repr() of a socket'],
  'test_socket.GeneralModuleTests.test_csocket_repr': ['python-only', 'checks repr() of a _socket.socket'],
  'test_socket.GeneralModuleTests.test_weakref': ['python-only', 'checks weakref.proxy and the garbage collector'],
  'test_socket.GeneralModuleTests.testRefCountGetNameInfo': ['python-only', 'checks sys.getrefcount'],
  'test_socket.GeneralModuleTests.test_dealloc_warn': ['python-only', 'checks the ResourceWarning of a collected socket'],
  'test_socket.GeneralModuleTests.test_name_closed_socketio': ['python-only',
    'checks the io object socket.makefile() returns (Python\'s io layer; no makefile in posixkit)'],
  'test_socket.GeneralModuleTests.test_unusable_closed_socketio': ['python-only',
    'checks the io object socket.makefile() returns (Python\'s io layer; no makefile in posixkit)'],
  'test_socket.GeneralModuleTests.test_makefile_mode': ['python-only',
    'checks socket.makefile() modes (Python\'s io layer; no makefile in posixkit)'],
  'test_socket.GeneralModuleTests.test_makefile_invalid_mode': ['python-only',
    'checks socket.makefile() modes (Python\'s io layer; no makefile in posixkit)'],
  'test_socket.GeneralModuleTests.test_pickle': ['python-only', 'checks pickling of sockets and enums'],
  'test_socket.GeneralModuleTests.test_str_for_enums': ['python-only', 'checks repr()/str() of the IntEnum constants'],
  'test_socket.GeneralModuleTests.test__sendfile_use_sendfile': ['python-only',
    'checks the private socket._sendfile_use_sendfile and _GiveupOnSendfile'],
  'test_socket.GeneralModuleTests.test_addressfamily_enum': ['python-only', 'checks the AddressFamily IntEnum'],
  'test_socket.GeneralModuleTests.test_socketkind_enum': ['python-only', 'checks the SocketKind IntEnum'],
  'test_socket.GeneralModuleTests.test_msgflag_enum': ['python-only', 'checks the MsgFlag IntFlag'],
  'test_socket.GeneralModuleTests.test_addressinfo_enum': ['python-only', 'checks the AddressInfo IntFlag'],
  'test_socket.GeneralModuleTests.testSocketError': ['defect',
    'herror() and gaierror() (and OSError()) cannot be constructed without arguments'],
  'test_socket.TestExceptions.testExceptionTree': ['defect', 'socket.error (an alias of OSError) is missing'],
  'test_socket.CmsgMacroTests.testCMSG_LEN': ['defect',
    'CMSG_LEN refuses lengths above 1 MiB; Python accepts up to the socklen_t limit (and raises OverflowError above)'],
  'test_socket.CmsgMacroTests.testCMSG_SPACE': ['defect',
    'CMSG_SPACE refuses lengths above 1 MiB; Python accepts up to the socklen_t limit (and raises OverflowError above)'],
  'test_socket.GeneralModuleTests.testGetaddrinfo': ['difference',
    'a lone surrogate in a JS string is encoded as U+FFFD (Node\'s rule for every string), so getaddrinfo(host, '
    + '\'\\uD800\') fails with gaierror EAI_SERVICE where Python raises UnicodeEncodeError'],
  'test_socket.GeneralModuleTests.testSendtoErrors': ['difference',
    'argument errors carry Node\'s messages (\'The "data" argument must be a bytes-like object...\'), not '
    + 'Python\'s (\'a bytes-like object is required, not \\\'str\\\'\'); the error classes match'],
  'test_socket.GeneralModuleTests.test_socket_fileno_rejects_float': ['difference',
    'a non-integer number is a RangeError (ERR_OUT_OF_RANGE), as in Node\'s own validators; Python raises '
    + 'TypeError for a float'],
  'test_socket.GeneralModuleTests.test_socket_fileno_rejects_invalid_socket': ['difference',
    'the RangeError carries Node\'s message (\'The value of "fileno" is out of range...\'), not "negative file '
    + 'descriptor"'],
  'test_socket.GeneralModuleTests.test_socket_fileno_rejects_negative': ['difference',
    'the RangeError carries Node\'s message (\'The value of "fileno" is out of range...\'), not "negative file '
    + 'descriptor"'],
  'test_socket.GeneralModuleTests.testHostnameRes': ['missing-api', 'socket.getfqdn'],
  'test_socket.GeneralModuleTests.test_getfqdn_filter_localhost': ['missing-api', 'socket.getfqdn'],
  'test_socket.GeneralModuleTests.testInterfaceNameIndex': ['missing-api',
    'socket.if_nameindex, if_nametoindex, if_indextoname'],
  'test_socket.GeneralModuleTests.testInvalidInterfaceIndexToName': ['missing-api', 'socket.if_indextoname'],
  'test_socket.GeneralModuleTests.testInvalidInterfaceNameToIndex': ['missing-api', 'socket.if_nametoindex'],
  'test_socket.GeneralModuleTests.test_getaddrinfo_ipv6_scopeid_symbolic': ['missing-api', 'socket.if_nameindex'],
  'test_socket.GeneralModuleTests.test_getnameinfo_ipv6_scopeid_symbolic': ['missing-api', 'socket.if_nameindex'],
  'test_socket.GeneralModuleTests.test_sethostname': ['missing-api', 'socket.sethostname'],
  'test_socket.GeneralModuleTests.test_socket_close': ['missing-api', 'socket.close(fd)'],
  'test_socket.InheritanceTest.test_SOCK_CLOEXEC': ['missing-api', 'Socket.get_inheritable'],
  'test_socket.InheritanceTest.test_default_inheritable': ['missing-api', 'Socket.get_inheritable'],
  'test_socket.InheritanceTest.test_dup': ['missing-api', 'Socket.get_inheritable'],
  'test_socket.InheritanceTest.test_get_inheritable_cloexec': ['missing-api', 'Socket.get_inheritable'],
  'test_socket.InheritanceTest.test_set_inheritable': ['missing-api', 'Socket.get_inheritable/set_inheritable'],
  'test_socket.InheritanceTest.test_set_inheritable_cloexec': ['missing-api', 'Socket.set_inheritable'],
  'test_socket.InheritanceTest.test_socketpair': ['missing-api', 'Socket.get_inheritable'],
  'test_socket.CreateServerTest.test_dualstack_ipv6_family': ['missing-api', 'socket.has_dualstack_ipv6()'],
  'test_socket.CreateServerFunctionalTest.test_dual_stack_client_v4': ['missing-api', 'socket.has_dualstack_ipv6()'],
  'test_socket.CreateServerFunctionalTest.test_dual_stack_client_v6': ['missing-api', 'socket.has_dualstack_ipv6()'],
  'test_socket.NetworkConnectionNoServer.test_create_connection_all_errors': ['missing-api',
    'create_connection(..., all_errors=true) raising an AggregateError (ExceptionGroup)'],
  'test_socket.InterruptedRecvTimeoutTest.testInterruptedRecvmsgIntoTimeout': ['missing-api', 'Socket.recvmsg_into'],
  ...Object.fromEntries(['SendmsgUDPTest', 'SendmsgUDP6Test', 'SendmsgTCPTest', 'SendmsgUnixStreamTest'].flatMap((c) => [
    [`test_socket.${c}.testSendmsgDataGenerator`, ['defect',
      'sendmsg() rejects buffers given as an iterable that is not an array (a generator); Python takes any iterable']],
    [`test_socket.${c}.testSendmsgAncillaryGenerator`, ['defect',
      'sendmsg() rejects ancillary data given as an iterable that is not an array (a generator); Python takes any '
      + 'iterable']],
  ])),
  ...Object.fromEntries(['RecvmsgIntoUDPTest', 'RecvmsgIntoUDP6Test', 'RecvmsgIntoRFC3542AncillaryUDP6Test',
    'RecvmsgIntoTCPTest', 'RecvmsgIntoUnixStreamTest', 'RecvmsgIntoSCMRightsStreamTest']
    .map((c) => [`test_socket.${c}.*`, ['missing-api', 'Socket.recvmsg_into']])),
  // ---- test_os
  'test_os.FDInheritanceTests.test_get_set_inheritable': ['missing-api', 'os.open and os.O_RDONLY'],
  'test_os.FDInheritanceTests.test_get_inheritable_cloexec': ['missing-api',
    'os.open; fcntl.fcntl with F_GETFD/F_SETFD/FD_CLOEXEC (posixkit has no fcntl module)'],
  'test_os.FDInheritanceTests.test_set_inheritable_cloexec': ['missing-api', 'os.open and os.O_RDONLY'],
  'test_os.FDInheritanceTests.test_get_set_inheritable_o_path': ['missing-api', 'os.open and os.O_PATH'],
  'test_os.FDInheritanceTests.test_open': ['missing-api', 'os.open and os.O_RDONLY'],
  'test_os.FDInheritanceTests.test_dup': ['missing-api', 'os.open and os.O_RDONLY'],
  'test_os.FDInheritanceTests.test_dup2': ['missing-api', 'os.open and os.O_RDONLY'],
  'test_os.FDInheritanceTests.test_openpty': ['missing-api', 'os.openpty'],
  'test_os.BlockingTests.test_blocking': ['missing-api', 'os.open and os.O_RDONLY'],
  'test_os.TestInvalidFD.test_dup2_negative_fd': ['missing-api', 'os.open and os.O_RDONLY'],
  // ---- test_mmap
  'test_mmap.MmapTests.test_access_parameter': ['missing-api',
    'mmap access= with ACCESS_READ/ACCESS_WRITE/ACCESS_COPY; MemoryMap getslice/setslice/setitem, seek, write, write_byte, resize'],
  'test_mmap.MmapTests.test_anonymous': ['missing-api',
    'MemoryMap getitem/setitem (indexing with bounds checks)'],
  'test_mmap.MmapTests.test_basic': ['missing-api',
    'MemoryMap find, getitem/setitem, getslice/setslice, seek/tell, resize'],
  'test_mmap.MmapTests.test_double_close': ['missing-api',
    'mmap access=ACCESS_READ (a read-only fd cannot be mapped shared read-write)'],
  'test_mmap.MmapTests.test_empty_file': ['missing-api',
    'mmap access=ACCESS_READ; then the RangeError message ("cannot map an empty file") differs from "cannot mmap an empty file"'],
  'test_mmap.MmapTests.test_entire_file': ['missing-api',
    'MemoryMap.read'],
  'test_mmap.MmapTests.test_extended_getslice': ['missing-api',
    'MemoryMap getslice/setslice (extended slices)'],
  'test_mmap.MmapTests.test_extended_set_del_slice': ['missing-api',
    'MemoryMap getslice/setslice (extended slices)'],
  'test_mmap.MmapTests.test_find_does_not_access_beyond_buffer': ['missing-api',
    'MemoryMap.find'],
  'test_mmap.MmapTests.test_find_end': ['missing-api',
    'MemoryMap.find'],
  'test_mmap.MmapTests.test_rfind': ['missing-api',
    'MemoryMap.rfind'],
  'test_mmap.MmapTests.test_tougher_find': ['missing-api',
    'MemoryMap.find'],
  'test_mmap.MmapTests.test_flush_return_value': ['missing-api',
    'MemoryMap.write'],
  'test_mmap.MmapTests.test_io_methods': ['missing-api',
    'MemoryMap read/read_byte/write/write_byte/seek/tell'],
  'test_mmap.MmapTests.test_length_0_offset': ['missing-api',
    'mmap access=ACCESS_READ; MemoryMap.getitem'],
  'test_mmap.MmapTests.test_madvise': ['missing-api',
    'MemoryMap.madvise and the MADV_* constants'],
  'test_mmap.MmapTests.test_move': ['missing-api',
    'MemoryMap.move, getslice/setslice'],
  'test_mmap.MmapTests.test_non_ascii_byte': ['missing-api',
    'MemoryMap write_byte/read_byte/seek, getitem'],
  'test_mmap.MmapTests.test_offset': ['missing-api',
    'MemoryMap getslice, resize, seek'],
  'test_mmap.MmapTests.test_prot_readonly': ['missing-api',
    'MemoryMap.write'],
  'test_mmap.MmapTests.test_read_all': ['missing-api',
    'MemoryMap write/seek/read'],
  'test_mmap.MmapTests.test_read_invalid_arg': ['missing-api',
    'MemoryMap.read'],
  'test_mmap.MmapTests.test_resize_past_pos': ['missing-api',
    'MemoryMap read/resize/read_byte/write_byte/write'],
  'test_mmap.MmapTests.test_write_returning_the_number_of_bytes_written': ['missing-api',
    'MemoryMap.write'],
  'test_mmap.MmapTests.test_error': ['defect',
    'mmap.error (an alias of OSError) is missing'],
  'test_mmap.MmapTests.test_bad_file_desc': ['difference',
    'a negative fd other than -1 is refused before the syscall with a RangeError (ERR_OUT_OF_RANGE), the rule for every posixkit fd argument; Python passes -2 to the kernel and gets EBADF'],
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
  'test_mmap.LargeMmapTests.test_around_2GB': ['missing-api',
    'mmap access=ACCESS_READ; MemoryMap.getslice'],
  'test_mmap.LargeMmapTests.test_large_offset': ['missing-api',
    'mmap access=ACCESS_READ; MemoryMap.getitem'],
  'test_mmap.LargeMmapTests.test_large_filesize': ['defect',
    'MemoryMap.size() returns the mapping length where Python returns the size of the underlying file (the test also needs access=ACCESS_READ)'],
  'test_mmap.LargeMmapTests.test_around_4GB': ['defect',
    'mmap(fd, 0) of a sparse file just over 4 GiB aborts the process (node FATAL ERROR: napi_throw from the '
    + 'native mmap while an exception is pending)'],
  // ---- _test_multiprocessing
  '_test_multiprocessing._TestProcess.test_current': ['missing-api',
    'Process.authkey'],
  '_test_multiprocessing._TestProcess.test_process': ['missing-api',
    'Process.authkey; Process({ kwargs })'],
  '_test_multiprocessing._TestProcess.test_parent_process_attributes': ['missing-api',
    'multiprocessing.parent_process()'],
  '_test_multiprocessing._TestProcess.test_parent_process': ['missing-api',
    'multiprocessing.parent_process() (without it the grandchild never reports and the test waits LONG_TIMEOUT)'],
  '_test_multiprocessing._TestProcess.test_set_executable': ['difference',
    'posixkit only forks: there is no interpreter for set_executable() to choose (spawn/forkserver)'],
  '_test_multiprocessing._TestProcess.test_close': ['difference',
    'state errors are Errors with stable codes (ERR_PROCESS_RUNNING, ERR_PROCESS_CLOSED), not ValueError: a RangeError would blame an argument'],
  '_test_multiprocessing._TestProcess.test_sentinel': ['difference',
    'reading sentinel before start() throws ERR_PROCESS_NOT_STARTED (an Error with a stable code), not ValueError'],
  '_test_multiprocessing._TestProcess.test_wait_for_threads': ['defect',
    'a Process child leaves with _exit as soon as run() returns, so its non-daemon threads are killed; Python joins them first'],
  '_test_multiprocessing._TestProcess.test_lose_target_ref': ['python-only',
    'checks weakref.ref and the garbage collector'],
  '_test_multiprocessing._TestProcess.test_error_on_stdio_flush_1': ['python-only',
    'replaces sys.stdout/sys.stderr with closed or missing io objects'],
  '_test_multiprocessing._TestProcess.test_error_on_stdio_flush_2': ['python-only',
    'replaces sys.stdout/sys.stderr with closed or missing io objects'],
  '_test_multiprocessing._TestSubclassingProcess.test_stderr_flush': ['missing-api',
    'os.open with O_WRONLY/O_CREAT/O_EXCL'],
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
    'shared_memory.ShareableList'],
  '_test_multiprocessing._TestSharedMemory.test_shared_memory_cleaned_after_process_termination': ['difference',
    'posixkit has no resource tracker: a segment outlives a creator killed before unlink() (docs/api/mmap.md, Lifetime policy)'],
};

/**
 * Ported methods that pass but take too long for `npm test` (they run when
 * CPYTHON_RESOURCES includes 'slow', as .ci/run and the conformance script do).
 */
export const slow: Record<string, string> = {
  'test_signal.StressTest.test_stress_delivery_simultaneous':
    '~50 s (CPython < 1 s): 5,000 rounds that each sleep 10 ms, because os.kill() returns before the handler ran',
};

export const known: Record<string, Known> = Object.fromEntries(
  Object.entries(entries).map(([id, [kind, reason]]) => [id, { kind, reason }]),
);
