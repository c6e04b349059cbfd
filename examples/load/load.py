#!/usr/bin/env python3
"""Load generator of examples/load.sh: hostile clients of the plugin socket and the DNS responder.

    load.py plugin SOCKET                 idle, slow and oversized plugin connections
    load.py dns-udp ADDR PORT COUNT       a UDP flood (ANY . with EDNS 4096), prints answers and bytes
    load.py dns-tcp ADDR PORT COUNT       COUNT slow TCP connections, prints how many stayed open
    load.py upstream ADDR PORT SECONDS    a careless upstream: every query gets 60 A records (~1 KB)
    load.py input SOCKET                  5,000 unique 404 paths, 5,000 ReleaseAddress to unknown pools,
                                          600 create/delete cycles of a network with a 250 KiB option

Every phase is bounded in count and time; every socket is closed at the end.
"""
import os
import socket
import struct
import sys
import time


def plugin(path):
    idle, partial, refused = [], [], {}
    # 500 idle connections: the server keeps at most 256 and closes the idle ones after 120 s
    for _ in range(500):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            idle.append(s)
        except OSError:
            refused["connect"] = refused.get("connect", 0) + 1
            s.close()
    time.sleep(0.5)
    answers = count_answers(idle, 2.0)
    print(f"plugin: 500 idle connections: {answers.get('503', 0)} answered 503, "
          f"{answers.get('closed', 0)} closed, {answers.get('open', 0)} held open")
    for s in idle:
        s.close()
    time.sleep(0.5)
    # 600 partial 1 MiB bodies (a 1 MiB Content-Length, 900 KiB sent): at most 64 MiB is held
    body = b" " * (900 * 1024)
    for _ in range(600):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            s.sendall(b"POST /NetworkDriver.CreateNetwork HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n")
            s.settimeout(0.2)
            try:
                s.sendall(body)
            except (socket.timeout, OSError):
                pass
            partial.append(s)
        except OSError:
            refused["connect"] = refused.get("connect", 0) + 1
            s.close()
        if len(partial) % 200 == 0:
            print(f"plugin: {len(partial)} partial bodies sent so far", flush=True)
    answers = count_answers(partial, 3.0)
    print(f"plugin: 600 partial 1 MiB bodies: {answers.get('503', 0)} answered 503, "
          f"{answers.get('closed', 0)} closed, {answers.get('open', 0)} held open; connect refused "
          f"{refused.get('connect', 0)}")
    print("RESOURCES-PEAK", flush=True)
    sys.stdin.readline()  # the shell prints the daemon's resources, then lets us go on
    for s in partial:
        s.close()
    time.sleep(0.5)
    # 250 bodies trickled in 100-byte pieces (50 MB counted, within the budget): each piece used
    # to pin its read buffer, and 250 of them exhausted direct memory
    trickled = []
    for _ in range(250):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.sendall(b"POST /NetworkDriver.CreateNetwork HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n")
        trickled.append(s)
    piece, errors = b" " * 100, 0
    for _ in range(2000):
        for s in trickled:
            try:
                s.send(piece)
            except OSError:
                errors += 1
    answers = count_answers(trickled, 1.0)
    print(f"plugin: 250 bodies trickled in 100-byte pieces: {answers.get('503', 0)} answered 503, "
          f"{answers.get('closed', 0)} closed, {answers.get('open', 0)} held open")
    print("RESOURCES-PEAK", flush=True)
    sys.stdin.readline()
    for s in trickled:
        s.close()


def exchange(s, path, body):
    """One keep-alive request: the status code and the body."""
    s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(65536)
    head, rest = data.split(b"\r\n\r\n", 1)
    length = int([h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0])
    while len(rest) < length:
        rest += s.recv(65536)
    return int(head[9:12]), rest


def hostile_input(path, store_file):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    before = len(exchange(s, "/Jovl.Status", b"{}")[1])
    for i in range(5000):
        exchange(s, f"/Unknown.Path{i}{'y' * 100}", b"{}")
    released = {}
    for i in range(5000):
        body = f'{{"PoolID":"jovl/10.{i // 250}.{i % 250}.0/24","Address":"10.0.0.5"}}'.encode()
        code = exchange(s, "/IpamDriver.ReleaseAddress", body)[0]
        released[code] = released.get(code, 0) + 1
    after = len(exchange(s, "/Jovl.Status", b"{}")[1])
    print(f"input: 5,000 unique 404 paths and 5,000 ReleaseAddress to unknown pools {released}: "
          f"/Jovl.Status {before} -> {after} bytes")
    start, big, codes = time.time(), "x" * (250 * 1024), {}
    for i in range(600):
        nid = "%064x" % (0xabc000 + i)
        create = ('{"NetworkID":"%s","Options":{"com.docker.network.generic":{"big":"%s"}},'
                  '"IPv4Data":[{"AddressSpace":"","Pool":"10.78.0.0/24","Gateway":"10.78.0.1/24"}]}' % (nid, big))
        for p, body in (("/NetworkDriver.CreateNetwork", create), ("/NetworkDriver.DeleteNetwork", '{"NetworkID":"%s"}' % nid)):
            code = exchange(s, p, body.encode())[0]
            codes[code] = codes.get(code, 0) + 1
    print(f"input: 600 create/delete cycles of a network with a 250 KiB option in {time.time() - start:.1f} s "
          f"{codes}: store file {os.path.getsize(store_file) / 1e6:.1f} MB")
    s.close()


def count_answers(sockets, wait):
    out = {}
    deadline = time.time() + wait
    for s in sockets:
        s.settimeout(max(0.01, deadline - time.time()))
        try:
            data = s.recv(64)
            key = data[9:12].decode() if data.startswith(b"HTTP/1.1 ") else "closed"
        except socket.timeout:
            key = "open"
        except OSError:
            key = "closed"
        out[key] = out.get(key, 0) + 1
    return out


def query(qid, edns):
    # ANY . (the amplification probe of issue 14)
    header = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 1 if edns else 0)
    q = header + b"\x00" + struct.pack(">HH", 255, 1)  # ANY .
    if edns:
        q += b"\x00" + struct.pack(">HHIH", 41, 4096, 0, 0)
    return q


def dns_udp(addr, port, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    sent = recv = recv_bytes = 0
    rcodes = {}
    q = query(1, True)
    start = time.time()
    for i in range(count):
        s.sendto(q, (addr, port))
        sent += len(q)
        while True:
            try:
                data = s.recv(65535)
            except BlockingIOError:
                break
            recv += 1
            recv_bytes += len(data)
            rcodes[data[3] & 15] = rcodes.get(data[3] & 15, 0) + 1
    s.settimeout(1.0)
    try:
        while True:
            data = s.recv(65535)
            recv += 1
            recv_bytes += len(data)
            rcodes[data[3] & 15] = rcodes.get(data[3] & 15, 0) + 1
    except socket.timeout:
        pass
    s.close()
    took = time.time() - start
    names = {0: "NOERROR", 2: "SERVFAIL", 5: "REFUSED"}
    print(f"dns-udp from {os.environ.get('FROM', '?')}: {count} queries ({sent} bytes) in {took:.1f} s -> "
          f"{recv} answers ({recv_bytes} bytes, ratio {recv_bytes / max(1, sent):.2f}); "
          + ", ".join(f"{names.get(k, k)} {v}" for k, v in sorted(rcodes.items())))


def dns_tcp(addr, port, count):
    held = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(1.0)
        try:
            s.connect((addr, port))
            s.sendall(b"\x00")  # the first byte of a length, then nothing
            held.append(s)
        except OSError:
            s.close()
    time.sleep(6.5)  # past the 5 s whole-query deadline
    still = 0
    for s in held:
        s.settimeout(0.05)
        try:
            still += 0 if s.recv(1) == b"" else 1
        except socket.timeout:
            still += 1
        except OSError:
            pass
        s.close()
    print(f"dns-tcp from {os.environ.get('FROM', '?')}: {count} slow connections, {len(held)} connected, "
          f"{still} still open after 6.5 s")


def upstream(addr, port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    s.settimeout(0.5)
    end = time.time() + seconds
    while time.time() < end:
        try:
            data, peer = s.recvfrom(2048)
        except socket.timeout:
            continue
        if len(data) < 17:
            continue
        qend = 12
        while qend < len(data) and data[qend] != 0:
            qend += data[qend] + 1
        qend += 5
        answer = data[:2] + struct.pack(">HHHHH", 0x8180, 1, 60, 0, 0) + data[12:qend]
        for i in range(60):
            answer += struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + bytes([192, 0, 2, i])
        s.sendto(answer, peer)
    s.close()


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "plugin":
        plugin(sys.argv[2])
    elif cmd == "dns-udp":
        dns_udp(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "upstream":
        upstream(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    elif cmd == "input":
        hostile_input(sys.argv[2], sys.argv[3])
    elif cmd == "dns-tcp":
        dns_tcp(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(__doc__)
