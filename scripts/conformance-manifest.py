#!/usr/bin/env python3
"""Lists the Python test methods that test/conformance/ has a test for.

Writes JSON to stdout: {"python": version, "files": {file: {"scope": text,
"methods": [{"cls", "name", "linux", "skip"}]}}}. A method is counted for
Linux unless a decorator skips it statically here (skipIf(win32),
skipUnless(darwin), a missing attribute...); skips decided while a test runs
(skipTest, requires('walltime')) are the tests' business. Run by
`node scripts/conformance.js --manifest` with the python3 (3.11+)
whose Lib/test it reads.
"""
import importlib
import json
import sys
import unittest

SOCKET_CLASSES = [
    # general
    'GeneralModuleTests', 'TestExceptions', 'CmsgMacroTests', 'InheritanceTest', 'NonblockConstantTest',
    # AF_UNIX, abstract names, fd passing
    'TestLinuxAbstractNamespace', 'TestUnixDomain', 'SendRecvFdsTests', 'BasicSocketPairTest',
    # TCP / UDP
    'BasicTCPTest', 'BasicTCPTest2', 'BasicUDPTest', 'TCPCloserTest', 'NonBlockingTCPTests', 'BufferIOTest',
    'ContextManagersTest',
    # timeouts
    'TCPTimeoutTest', 'UDPTimeoutTest', 'InterruptedRecvTimeoutTest', 'InterruptedSendTimeoutTest',
    # create_server / create_connection
    'CreateServerTest', 'CreateServerFunctionalTest', 'NetworkConnectionNoServer', 'NetworkConnectionAttributesTest',
    'NetworkConnectionBehaviourTest',
    # sendmsg / recvmsg / recvmsg_into / SCM_RIGHTS over UDP, UDP6, TCP, AF_UNIX stream
    'SendmsgUDPTest', 'RecvmsgUDPTest', 'RecvmsgIntoUDPTest',
    'SendmsgUDP6Test', 'RecvmsgUDP6Test', 'RecvmsgIntoUDP6Test',
    'RecvmsgRFC3542AncillaryUDP6Test', 'RecvmsgIntoRFC3542AncillaryUDP6Test',
    'SendmsgTCPTest', 'RecvmsgTCPTest', 'RecvmsgIntoTCPTest',
    'SendmsgUnixStreamTest', 'RecvmsgUnixStreamTest', 'RecvmsgIntoUnixStreamTest',
    'RecvmsgSCMRightsStreamTest', 'RecvmsgIntoSCMRightsStreamTest',
]

OS_INVALID_FD = {'test_dup', 'test_dup2', 'test_dup2_negative_fd', 'test_read', 'test_write', 'test_inheritable',
                 'test_blocking'}

FILES = {
    'test_epoll': ('test.test_epoll', None, 'every class'),
    'test_poll': ('test.test_poll', None, 'every class'),
    'test_select': ('test.test_select', None, 'every class'),
    'test_socketserver': ('test.test_socketserver', None, 'every class'),
    '_test_eintr': ('test._test_eintr', None, 'every class'),
    'test_signal': ('test.test_signal', None, 'every class'),
    'test_mmap': ('test.test_mmap', None, 'every class'),
    'test_socket': ('test.test_socket', {c: None for c in SOCKET_CLASSES},
                    'the general, TCP/UDP/UDP6, AF_UNIX (abstract names, fd passing), timeout, create_server/'
                    'create_connection and sendmsg/recvmsg/recvmsg_into/SCM_RIGHTS classes (3.11 has no AF_UNIX '
                    'SOCK_SEQPACKET class); left out: CAN, RDS, TIPC, VSOCK, Bluetooth, QIPCRTR, ALG, UDPLITE, '
                    'SCTP (other protocols), makefile() (FileObjectClassTestCase and subclasses: Python\'s io '
                    'layer), sendfile (SendfileUsing*), Windows and macOS classes'),
    'test_os': ('test.test_os', {'ForkTests': None, 'PidTests': None, 'FDInheritanceTests': None,
                                 'BlockingTests': None, 'TestInvalidFD': OS_INVALID_FD},
                'the fork, wait, waitstatus, pipe, dup, inheritable and blocking methods: ForkTests, PidTests, '
                'FDInheritanceTests, BlockingTests, and TestInvalidFD\'s dup/dup2/read/write/inheritable/blocking '
                'methods'),
    '_test_multiprocessing': ('test._test_multiprocessing',
                              {'_TestProcess': None, '_TestSubclassingProcess': None, '_TestPollEintr': None,
                               '_TestSharedMemory': None},
                              'the Process classes (_TestProcess, _TestSubclassingProcess, _TestPollEintr) and '
                              '_TestSharedMemory, as test_multiprocessing_fork runs them (type "processes")'),
}


def skip_reason(obj):
    if getattr(obj, '__unittest_skip__', False):
        return getattr(obj, '__unittest_skip_why__', '') or 'skipped'
    return None


def main():
    loader = unittest.TestLoader()
    out = {'python': sys.version.split()[0], 'files': {}}
    for file, (modname, scope, text) in FILES.items():
        mod = importlib.import_module(modname)
        classes = []
        if scope is None:
            for name in dir(mod):
                obj = getattr(mod, name)
                if isinstance(obj, type) and issubclass(obj, unittest.TestCase) and obj.__module__ == mod.__name__:
                    if loader.getTestCaseNames(obj):
                        classes.append((name, obj, None))
        else:
            classes = [(name, getattr(mod, name), methods) for name, methods in scope.items()]
        methods = []
        for name, cls, only in sorted(classes, key=lambda c: c[0]):
            cls_skip = skip_reason(cls)
            for meth in loader.getTestCaseNames(cls):
                if only is not None and meth not in only:
                    continue
                why = cls_skip or skip_reason(getattr(cls, meth))
                methods.append({'cls': name, 'name': meth, 'linux': why is None, 'skip': why})
        out['files'][file] = {'scope': text, 'methods': methods}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
