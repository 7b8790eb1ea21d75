#!/usr/bin/env python3
"""Uploads COUNT small files over CONNECTIONS keep-alive HTTPS connections.

One process per connection (no interpreter lock shared between them); each
opens its connection (TLS handshake) before the clock starts, then all start
together. Prints one JSON object: uploads/s over the whole run, and p50/p99
of the per-request latency in ms.

    small_files.py dsg  URL CA COUNT CONNECTIONS SIZE PREFIX COOKIE CSRF CID CERT
    small_files.py dufs URL CA COUNT CONNECTIONS SIZE PREFIX
    small_files.py disk DIR COUNT SIZE

`disk` is the disk limit: COUNT times write SIZE bytes to a new file, fsync
it and fsync its directory (what a durable small upload needs at least).
"""

import http.client
import json
import multiprocessing as mp
import os
import ssl
import sys
import time
import urllib.parse


def connect(url, ca, cert=None):
    parts = urllib.parse.urlsplit(url)
    context = ssl.create_default_context(cafile=ca)
    if cert:
        context.load_cert_chain(cert)
    return http.client.HTTPSConnection(parts.hostname, parts.port, context=context)


def worker(kind, url, ca, names, size, extra, start, results):
    conn = connect(url, ca, extra[3] if kind == "dsg" else None)
    body = os.urandom(size)
    headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
    if kind == "dsg":
        cookie, csrf, cid, _ = extra
        headers["Cookie"] = cookie
        headers["X-CSRF-Token"] = csrf
        warm = ("GET", "/api/v1/compartments")
    else:
        warm = ("GET", "/")
    conn.request(*warm, headers={k: v for k, v in headers.items() if k in ("Cookie",)})
    conn.getresponse().read()
    start.wait()
    latencies = []
    failures = 0
    for name in names:
        if kind == "dsg":
            path = f"/api/v1/compartments/{cid}/files?name={urllib.parse.quote(name)}"
            method = "POST"
        else:
            path = "/" + urllib.parse.quote(name)
            method = "PUT"
        t0 = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - t0)
        if response.status not in (200, 201):
            failures += 1
    results.put((time.perf_counter(), latencies, failures))


def percentile(values, p):
    values = sorted(values)
    if not values:
        return 0.0
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def uploads(kind, url, ca, count, connections, size, prefix, extra):
    names = [f"{prefix}-{i:05d}.bin" for i in range(count)]
    start = mp.Barrier(connections + 1)
    results = mp.Queue()
    procs = [
        mp.Process(
            target=worker,
            args=(kind, url, ca, names[c::connections], size, extra, start, results),
        )
        for c in range(connections)
    ]
    for p in procs:
        p.start()
    start.wait()
    t0 = time.perf_counter()
    ends, latencies, failures = [], [], 0
    for _ in procs:
        end, lat, failed = results.get()
        ends.append(end)
        latencies.extend(lat)
        failures += failed
    for p in procs:
        p.join()
    elapsed = max(ends) - t0
    return {
        "per_s": count / elapsed if elapsed > 0 else 0.0,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "failures": failures,
    }


def disk(directory, count, size):
    body = os.urandom(size)
    dir_fd = os.open(directory, os.O_RDONLY)
    latencies = []
    t0 = time.perf_counter()
    for i in range(count):
        s = time.perf_counter()
        fd = os.open(os.path.join(directory, f"f{i:05d}"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, body)
        os.fsync(fd)
        os.close(fd)
        os.fsync(dir_fd)
        latencies.append(time.perf_counter() - s)
    elapsed = time.perf_counter() - t0
    os.close(dir_fd)
    return {
        "per_s": count / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "failures": 0,
    }


def main(argv):
    kind = argv[1]
    if kind == "disk":
        print(json.dumps(disk(argv[2], int(argv[3]), int(argv[4]))))
        return
    url, ca = argv[2], argv[3]
    count, connections, size = int(argv[4]), int(argv[5]), int(argv[6])
    prefix = argv[7]
    extra = tuple(argv[8:12]) if kind == "dsg" else ()
    print(json.dumps(uploads(kind, url, ca, count, connections, size, prefix, extra)))


if __name__ == "__main__":
    main(sys.argv)
