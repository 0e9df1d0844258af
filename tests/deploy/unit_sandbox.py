"""A unit file's seccomp-based hardening, applied to a child process without systemd.

This machine has no systemd as PID 1 (and no container runtime), so `systemctl start` cannot run
the units. What can be reproduced faithfully is the part of the hardening that decides whether
the binary works at all: the seccomp filters systemd installs for SystemCallFilter=,
SystemCallArchitectures=native, MemoryDenyWriteExecute=, RestrictAddressFamilies=,
RestrictNamespaces=, RestrictRealtime=, RestrictSUIDSGID= and LockPersonality=, plus
NoNewPrivileges=. They are built here with libseccomp (Debian's python3-seccomp), following
systemd 252's src/shared/seccomp-util.c, with the system call groups taken from this machine's
own `systemd-analyze syscall-filter`, and loaded in the child just before it executes the
binary, as systemd does. The mount and namespace settings (ProtectSystem=, PrivateTmp=, ...) are
not reproduced: they need the service manager.
"""

import ctypes
import errno
import os
import pathlib
import socket
import subprocess

import seccomp

# Linux constants (x86-64 / asm-generic), as in the kernel headers.
PROT_WRITE, PROT_EXEC = 0x2, 0x4
SHM_EXEC = 0o100000
CLONE_NEW = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | \
    0x40000000 | 0x00000080  # NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME
SCHED_FIFO, SCHED_RR = 1, 2
S_ISUID, S_ISGID = 0o4000, 0o2000
PER_LINUX = 0
PR_SET_NO_NEW_PRIVS = 38


def parse_unit(path):
    """{(section, key): [values...]} of a unit file; repeated keys keep every value in order."""
    directives, section = {}, None
    # A line ending in a backslash goes on on the next one.
    text = pathlib.Path(path).read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        directives.setdefault((section, key.strip()), []).append(value.strip())
    return directives


def _syscall_groups():
    """{"@group": [members...]} from `systemd-analyze syscall-filter` (members may be groups)."""
    text = subprocess.run(["systemd-analyze", "syscall-filter"], capture_output=True, text=True,
                          check=True).stdout
    groups, current = {}, None
    for line in text.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), [])
        elif current is not None and line.strip() and not line.strip().startswith("#"):
            current.append(line.strip())
    return groups


def expand(names, groups):
    """System call names of `names` (names and @groups), groups expanded recursively."""
    out = set()
    for name in names:
        if name.startswith("@"):
            out |= expand(groups[name], groups)
        else:
            out.add(name)
    return out


def allowed_syscalls(values):
    """The system calls SystemCallFilter= lines allow, as systemd reads them: an allow-list
    starts with @default; a line starting with ~ takes its calls out again."""
    groups = _syscall_groups()
    allowed = None
    for value in values:
        deny = value.startswith("~")
        names = value.lstrip("~").split()
        if allowed is None:
            if deny:
                raise ValueError("only allow-lists are emulated")
            allowed = expand(["@default"], groups)
        if deny:
            allowed -= expand(names, groups)
        else:
            allowed |= expand(names, groups)
    return allowed


def _add(f, action, name, *args):
    try:
        f.add_rule(action, name, *args)
    except (RuntimeError, ValueError):
        pass  # a call this architecture or libseccomp does not know


class Sandbox:
    """The filters of one unit's [Service] section; `preexec` loads them in a child."""

    def __init__(self, unit_path):
        unit = parse_unit(unit_path)
        service = {k: v for (section, k), v in unit.items() if section == "Service"}
        self.emulated = []
        self.filters = []
        yes = lambda key: service.get(key, ["no"])[-1] in ("yes", "true", "1")
        self.no_new_privs = yes("NoNewPrivileges")

        if yes("MemoryDenyWriteExecute"):
            f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
            deny = seccomp.ERRNO(errno.EPERM)
            _add(f, deny, "mmap", seccomp.Arg(2, seccomp.MASKED_EQ, PROT_WRITE | PROT_EXEC,
                                              PROT_WRITE | PROT_EXEC))
            for name in ("mprotect", "pkey_mprotect"):
                _add(f, deny, name, seccomp.Arg(2, seccomp.MASKED_EQ, PROT_EXEC, PROT_EXEC))
            _add(f, deny, "shmat", seccomp.Arg(2, seccomp.MASKED_EQ, SHM_EXEC, SHM_EXEC))
            self._keep(f, "MemoryDenyWriteExecute")

        if "RestrictAddressFamilies" in service:
            families = {getattr(socket, name) for name in
                        " ".join(service["RestrictAddressFamilies"]).split()}
            f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
            # socket(family, ...) with any family but these: EAFNOSUPPORT (families are < 64).
            for family in range(64):
                if family not in families:
                    _add(f, seccomp.ERRNO(errno.EAFNOSUPPORT), "socket",
                         seccomp.Arg(0, seccomp.EQ, family))
            self._keep(f, "RestrictAddressFamilies")

        if yes("RestrictNamespaces"):
            f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
            eperm = seccomp.ERRNO(errno.EPERM)
            _add(f, eperm, "setns")
            _add(f, eperm, "unshare", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_NEW, CLONE_NEW))
            for bit in range(64):
                if CLONE_NEW & (1 << bit):
                    _add(f, eperm, "unshare", seccomp.Arg(0, seccomp.MASKED_EQ, 1 << bit, 1 << bit))
                    _add(f, eperm, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, 1 << bit, 1 << bit))
            # clone3's flags sit in memory seccomp cannot read: ENOSYS, and glibc falls back to
            # clone (systemd does the same).
            _add(f, seccomp.ERRNO(errno.ENOSYS), "clone3")
            self._keep(f, "RestrictNamespaces")

        if yes("RestrictRealtime"):
            f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
            for policy in (SCHED_FIFO, SCHED_RR):
                _add(f, seccomp.ERRNO(errno.EPERM), "sched_setscheduler",
                     seccomp.Arg(1, seccomp.EQ, policy))
            self._keep(f, "RestrictRealtime")

        if yes("RestrictSUIDSGID"):
            f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
            for name, mode_arg in (("chmod", 1), ("fchmod", 1), ("fchmodat", 2), ("mknod", 1),
                                   ("mknodat", 2)):
                for bit in (S_ISUID, S_ISGID):
                    _add(f, seccomp.ERRNO(errno.EPERM), name,
                         seccomp.Arg(mode_arg, seccomp.MASKED_EQ, bit, bit))
            self._keep(f, "RestrictSUIDSGID")

        if yes("LockPersonality"):
            f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
            # personality() with any persona but the current one (PER_LINUX): EPERM.
            _add(f, seccomp.ERRNO(errno.EPERM), "personality",
                 seccomp.Arg(0, seccomp.NE, PER_LINUX))
            self._keep(f, "LockPersonality")

        if "SystemCallFilter" in service:
            # Anything else kills the process, systemd's default (SystemCallErrorNumber= unset).
            # Other architectures' calls are killed too: SystemCallArchitectures=native.
            f = seccomp.SyscallFilter(defaction=seccomp.KILL_PROCESS)
            for name in sorted(allowed_syscalls(service["SystemCallFilter"])):
                _add(f, seccomp.ALLOW, name)
            self._keep(f, "SystemCallFilter")

    def _keep(self, f, name):
        self.filters.append(f)
        self.emulated.append(name)

    def preexec(self):
        """For subprocess's preexec_fn: runs in the child after fork, before exec. The
        allow-list goes last: loading the others needs seccomp(), which it may not allow."""
        if self.no_new_privs:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        for f in self.filters:
            f.load()
