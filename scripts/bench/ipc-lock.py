# Lock hand-off ping-pong between two processes with multiprocessing.Lock
# (a POSIX semaphore underneath), the Python baseline of ipc-lock.js.
import multiprocessing as mp
import sys
import time


def child(ping, pong, rounds):
    for _ in range(rounds):
        ping.acquire()
        pong.release()


if __name__ == '__main__':
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    mp.set_start_method('fork')
    ping, pong = mp.Lock(), mp.Lock()
    ping.acquire()
    pong.acquire()
    p = mp.Process(target=child, args=(ping, pong, rounds))
    p.start()
    t = time.perf_counter()
    for _ in range(rounds):
        ping.release()
        pong.acquire()
    dt = time.perf_counter() - t
    p.join()
    print(round(rounds / dt))
