# Python baseline receiver: signal.signal handler records time.monotonic_ns()
# and acks on fd 3, while the main thread blocks in os.read(0) (PEP 475
# retries it after the handler).
import os
import signal
import sys
import time

t1 = []


def handler(sig, frame):
    t1.append(time.monotonic_ns())
    os.write(3, b"r")


signal.signal(signal.SIGUSR2, handler)
sys.stdout.write(f"PID {os.getpid()}\n")
sys.stdout.flush()
os.write(3, b"r")
os.read(0, 1)
sys.stdout.write("T1 " + " ".join(map(str, t1)) + "\n")
sys.stdout.flush()
