#!/usr/bin/env python3
"""Which of a program's functions run: one BPF multi-uprobe on the entry of every function.

    trace-calls.py [--section NAME] PROGRAM SYMBOLS OUT -- COMMAND...

PROGRAM is the binary COMMAND runs (stripped or not), SYMBOLS its symbol file (the .dbg beside a
Native AOT publish, or the unstripped binary). While COMMAND runs, every call of a function that
PROGRAM's symbols name (in section NAME only, if given) is counted in the kernel; OUT gets the names of
those that ran, one a line, in address order. Root only (CAP_BPF and CAP_PERFMON), x86-64, Linux 6.6
or later (BPF uprobe_multi links).

Why BPF and not tracefs uprobes: tracefs attaches and detaches probes one at a time, and each detach
waits for an RCU grace period: 57,000 probes took 45 minutes to remove. One uprobe_multi link attaches
them all in one call and detaches them with one wait.
"""
import ctypes
import os
import struct
import subprocess
import sys

SYS_BPF = 321  # x86_64
BPF_MAP_CREATE, BPF_MAP_LOOKUP_ELEM, BPF_PROG_LOAD, BPF_LINK_CREATE = 0, 1, 5, 28
BPF_MAP_TYPE_ARRAY, BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_MULTI = 2, 2, 48
HELPER_MAP_LOOKUP_ELEM, HELPER_GET_ATTACH_COOKIE = 1, 174

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), 128)
    fd = libc.syscall(SYS_BPF, cmd, buf, 128)
    if fd < 0:
        raise OSError(ctypes.get_errno(), f"bpf command {cmd}: {os.strerror(ctypes.get_errno())}")
    return fd, buf


def insn(op, dst=0, src=0, off=0, imm=0):
    return struct.pack("<BBhi", op, (src << 4) | dst, off, imm)


def functions(program, symbols, section):
    """(file offset, name) of every function SYMBOLS names inside PROGRAM's executable segment (and SECTION)."""
    segments = []
    for line in subprocess.run(["readelf", "-lW", program], capture_output=True, text=True, check=True).stdout.splitlines():
        f = line.split()
        if f and f[0] == "LOAD" and "E" in f[6:-1]:
            segments.append((int(f[1], 16), int(f[2], 16), int(f[4], 16)))
    low, high = 0, 1 << 64
    if section:
        for line in subprocess.run(["readelf", "-SW", symbols], capture_output=True, text=True, check=True).stdout.splitlines():
            f = line.replace("[ ", "[").split()
            if len(f) > 5 and f[1] == section:
                low, high = int(f[3], 16), int(f[3], 16) + int(f[5], 16)
        if high == 1 << 64:
            sys.exit(f"trace-calls: {symbols} has no section {section}")
    found = {}
    for line in subprocess.run(["readelf", "-sW", symbols], capture_output=True, text=True, check=True).stdout.splitlines():
        f = line.split()
        if len(f) < 8 or f[3] != "FUNC" or f[6] == "UND":
            continue
        vaddr = int(f[1], 16)
        if not low <= vaddr < high:
            continue
        for offset, start, size in segments:
            if start <= vaddr < start + size:
                found.setdefault(vaddr - start + offset, f[7].split("@")[0])
    return sorted(found.items())


def main():
    args = sys.argv[1:]
    section = None
    if args[:1] == ["--section"]:
        section, args = args[1], args[2:]
    if len(args) < 5 or args[3] != "--":
        sys.exit(__doc__)
    program, symbols, out, command = args[0], args[1], args[2], args[4:]
    funcs = functions(program, symbols, section)
    if not funcs:
        sys.exit(f"trace-calls: no functions found in {symbols}" + (f" section {section}" if section else ""))
    n = len(funcs)
    counts_fd, _ = bpf(BPF_MAP_CREATE, struct.pack("<IIII", BPF_MAP_TYPE_ARRAY, 4, 8, n))
    code = b"".join([
        insn(0x85, imm=HELPER_GET_ATTACH_COOKIE),      # r0 = the probe's cookie: the function's index
        insn(0x63, dst=10, src=0, off=-4),             # *(u32 *)(r10 - 4) = r0
        insn(0xbf, dst=2, src=10),                     # r2 = r10
        insn(0x07, dst=2, imm=-4),                     # r2 -= 4
        insn(0x18, dst=1, src=1, imm=counts_fd),       # r1 = the counts map
        insn(0x00),
        insn(0x85, imm=HELPER_MAP_LOOKUP_ELEM),        # r0 = &counts[index]
        insn(0x15, dst=0, off=2),                      # if r0 == 0 skip the add
        insn(0xb7, dst=1, imm=1),                      # r1 = 1
        insn(0xdb, dst=0, src=1),                      # atomic *(u64 *)r0 += r1
        insn(0xb7, dst=0, imm=0),                      # return 0
        insn(0x95),
    ])
    code_buf = ctypes.create_string_buffer(code)
    license_buf = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(65536)
    attr = struct.pack("<IIQQIIQII16sII", BPF_PROG_TYPE_KPROBE, len(code) // 8, ctypes.addressof(code_buf),
                       ctypes.addressof(license_buf), 1, len(log), ctypes.addressof(log), 0, 0, b"trace_calls", 0,
                       BPF_TRACE_UPROBE_MULTI)
    try:
        prog_fd, _ = bpf(BPF_PROG_LOAD, attr)
    except OSError:
        sys.exit("trace-calls: the kernel refused the program:\n" + log.value.decode(errors="replace"))
    path_buf = ctypes.create_string_buffer(os.path.realpath(program).encode())
    offsets = (ctypes.c_uint64 * n)(*[offset for offset, _ in funcs])
    cookies = (ctypes.c_uint64 * n)(*range(n))
    link_fd, _ = bpf(BPF_LINK_CREATE, struct.pack("<IIIIQQQQIII", prog_fd, 0, BPF_TRACE_UPROBE_MULTI, 0,
                                                  ctypes.addressof(path_buf), ctypes.addressof(offsets), 0,
                                                  ctypes.addressof(cookies), n, 0, 0))
    try:
        status = subprocess.run(command).returncode
    finally:
        os.close(link_fd)
        os.close(prog_fd)
    value = ctypes.c_uint64()
    ran = []
    for index in range(n):
        key = ctypes.c_uint32(index)
        bpf(BPF_MAP_LOOKUP_ELEM, struct.pack("<IIQQQ", counts_fd, 0, ctypes.addressof(key), ctypes.addressof(value), 0))
        if value.value:
            ran.append(funcs[index][1])
    os.close(counts_fd)
    with open(out, "w") as f:
        f.writelines(name + "\n" for name in ran)
    print(f"trace-calls: {len(ran)} of {n} functions ran; command exited {status}", file=sys.stderr)
    sys.exit(status)


if __name__ == "__main__":
    main()
