#!/usr/bin/env python3
# clockprobe.py: checks that CPython (time.* through glibc, so through the vDSO)
# sees the time namespace.
#
# Prints one line:
#   PROBE lang=python realtime=S.NNNNNNNNN monotonic=S.NNNNNNNNN boottime=S.NNNNNNNNN
# from time.clock_gettime_ns(CLOCK_REALTIME / CLOCK_MONOTONIC / CLOCK_BOOTTIME),
# and exits 0.
import time


def fixed(ns):
    """Formats a signed count of nanoseconds as seconds with 9 decimals."""
    sign = "-" if ns < 0 else ""
    sec, frac = divmod(abs(ns), 1_000_000_000)
    return f"{sign}{sec}.{frac:09d}"


def main():
    realtime = time.clock_gettime_ns(time.CLOCK_REALTIME)
    monotonic = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    boottime = time.clock_gettime_ns(time.CLOCK_BOOTTIME)
    print(f"PROBE lang=python realtime={fixed(realtime)} monotonic={fixed(monotonic)}"
          f" boottime={fixed(boottime)}", flush=True)


if __name__ == "__main__":
    main()
