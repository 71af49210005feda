# Python's side of ipc-queue-pool.js: multiprocessing.Queue and Pool.map,
# fork start method (as posixkit). Usage: ipc-queue-pool.py MODE N
#   queue N      one producer process -> parent, N small messages: msgs/s
#   queue4x4 N   4 producers, 4 consumer processes, N items in all: items/s
#   poolcpu N    Pool(2).map(cpu, range(N)) with chunksize 1: items/s
#   pooltiny N   Pool(2).map(square, range(N)) (default chunksize): items/s
import multiprocessing as mp
import sys
import time


def cpu(x):
    s = 0
    for i in range(200_000):
        s = (s + i * x) % 1_000_003
    return s


def square(x):
    return x * x


def producer(q, n, base=0):
    for i in range(n):
        q.put((base + i, "item"))


def consumer(q, out):
    got = 0
    while True:
        v = q.get()
        if v is None:
            break
        got += 1
    out.put(got)


def main():
    mode, n = sys.argv[1], int(sys.argv[2])
    mp.set_start_method("fork")
    if mode == "queue":
        q = mp.Queue()
        t = time.perf_counter()
        p = mp.Process(target=producer, args=(q, n))
        p.start()
        for _ in range(n):
            q.get()
        dt = time.perf_counter() - t
        p.join()
    elif mode == "queue4x4":
        q, out = mp.Queue(), mp.Queue()
        per = n // 4
        t = time.perf_counter()
        cons = [mp.Process(target=consumer, args=(q, out)) for _ in range(4)]
        prods = [mp.Process(target=producer, args=(q, per, k * per)) for k in range(4)]
        for p in cons + prods:
            p.start()
        for p in prods:
            p.join()
        for _ in cons:
            q.put(None)
        total = sum(out.get() for _ in cons)
        dt = time.perf_counter() - t
        for p in cons:
            p.join()
        assert total == per * 4, total
    elif mode in ("poolcpu", "pooltiny"):
        with mp.Pool(2) as pool:
            fn = cpu if mode == "poolcpu" else square
            pool.map(fn, range(4), 1)  # warm up: workers started and running
            t = time.perf_counter()
            if mode == "poolcpu":
                pool.map(cpu, range(n), 1)
            else:
                pool.map(square, range(n))
            dt = time.perf_counter() - t
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(round(n / dt))


if __name__ == "__main__":
    main()
