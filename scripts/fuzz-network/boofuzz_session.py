#!/usr/bin/env python3
"""boofuzz's side of scripts/fuzz-network.sh: a session whose request is what
framecheck sends for `--framing u16be` (a 2-byte big-endian length, fuzzable,
then a string payload, fuzzable), against HOST:PORT, for at most SECONDS.
A thread probes the server once every 100 ms with a valid frame; the first
probe that fails (no connection, or no echo within 1 s) is the finding time
(generous to boofuzz, which would blame the case after the one that did it).
Prints one JSON line: cases, seconds, cases_per_s, finding_s (or null).

Usage: boofuzz_session.py HOST PORT SECONDS [LENGTH_BYTES]  (2: u16be, 4: u32be)"""
import json
import os
import socket
import sys
import threading
import time

from boofuzz import (
    FuzzLoggerText,
    Session,
    Target,
    TCPSocketConnection,
    s_block,
    s_get,
    s_initialize,
    s_size,
    s_string,
)

host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
width = int(sys.argv[4]) if len(sys.argv) > 4 else 2
start = time.monotonic()
found = {"at": None}
stop = threading.Event()


def probe():
    while not stop.is_set() and found["at"] is None:
        try:
            with socket.create_connection((host, port), timeout=1) as c:
                c.settimeout(1)
                frame = (5).to_bytes(width, "big") + b"probe"
                c.sendall(frame)
                got = b""
                while len(got) < len(frame):
                    d = c.recv(len(frame) - len(got))
                    if not d:
                        break
                    got += d
                if got != frame:
                    raise OSError("no echo")
        except OSError:
            found["at"] = time.monotonic() - start
            return
        stop.wait(0.1)


threading.Thread(target=probe, daemon=True).start()

devnull = open(os.devnull, "w")
# boofuzz at its best for speed: it reads no reply (BOOFUZZ_RECV=1 makes it
# read one recv per case, with a 10 ms timeout, as its defaults do with 5 s;
# a frame whose length was fuzzed upwards gets no echo, so every such case
# waits out the timeout). Findings come from the probe thread either way.
recv = os.environ.get("BOOFUZZ_RECV", "0") == "1"
session = Session(
    target=Target(connection=TCPSocketConnection(host, port, recv_timeout=0.01)),
    fuzz_loggers=[FuzzLoggerText(file_handle=devnull)],
    web_port=None,
    sleep_time=0,
    receive_data_after_each_request=recv,
    receive_data_after_fuzz=recv,
    db_filename=os.path.join(os.environ.get("TMPDIR", "/tmp"), f"boofuzz-{os.getpid()}.db"),
)
s_initialize("frame")
s_size("payload", length=width, endian=">", fuzzable=True, name="length")
with s_block("payload"):
    s_string("hello", name="text")
session.connect(s_get("frame"))


def watchdog():
    # boofuzz has no time limit: end the process at the deadline.
    while time.monotonic() - start < seconds and found["at"] is None:
        time.sleep(0.05)
    report()
    os._exit(0)


def report():
    elapsed = time.monotonic() - start
    cases = session.num_cases_actually_fuzzed
    print(
        json.dumps(
            {
                "cases": cases,
                "seconds": round(elapsed, 3),
                "cases_per_s": round(cases / elapsed, 1),
                "finding_s": None if found["at"] is None else round(found["at"], 3),
            }
        ),
        flush=True,
    )


threading.Thread(target=watchdog, daemon=True).start()
try:
    session.fuzz()
finally:
    stop.set()
report()
os._exit(0)
