#!/usr/bin/env python3
"""Splits a perf profile of the gateway's server into the stages of ingest.

Reads `perf script` output (a profile recorded with call graphs, e.g. `perf record -g
--call-graph dwarf -p PID`) on stdin and prints, for each stage, its share of the server's
samples and, given the resources ingested and the server's CPU seconds, its CPU per resource.
A sample belongs to the stage of the deepest frame on its stack that names one (so malloc under
the validator is validation's); samples naming none are "other".

  perf script -i perf.data | tests/bench/ingest_stages.py --resources 40000 --cpu-seconds 1.9
"""

import argparse
import collections
import re
import sys

# (stage, pattern over a frame's symbol), in the order the report lists them.
STAGES = [
    ("gRPC and the network (reads, writes, polling)",
     r"grpc|gpr_|tcp_|sendmsg|recvmsg|epoll|__sys_|sock_|ip_|net_rx|softirq"),
    ("decode (JSON parse, body entries)", r"pipeline::DecodeJson|pipeline::ReadBody|ReadBody"),
    ("validate (FHIR R4 and profiles)", r"validation::"),
    ("map (to protocol events)", r"mappers::MapResource|mappers::Map"),
    ("identity (subject resolution, HMAC ids and digests)",
     r"identity::|EnvelopeStamper|HmacSha256"),
    ("store: insert (rows, indexes)", r"SqliteEventStoreImpl::Write|sqlite3BtreeInsert"),
    ("store: commit and fsync (WAL frames, fdatasync)",
     r"sqlite3PagerCommitPhaseOne|sqlite3WalFrames|fdatasync|fsync|sqlite3VdbeHalt"),
    ("response building", r"ToSubmitResponse|pipeline::.*Committed"),
    ("audit", r"audit::|AuditInterceptor|CallSummary"),
    ("metrics", r"metrics::"),
    ("deviation recording (timelines after commit)", r"DeviationRecorder|SubjectTimelines"),
]
COMPILED = [(name, re.compile(pattern)) for name, pattern in STAGES]


def stage_of(frames):
    """The stage of the deepest frame naming one; frames are leaf first."""
    for symbol in frames:
        for name, pattern in COMPILED:
            if pattern.search(symbol):
                return name
    return "other"


def samples(lines):
    """Yields each sample's frames (leaf first) from perf script output."""
    frames = []
    in_sample = False
    for line in lines:
        if not line.strip():
            if in_sample:
                yield frames
            frames, in_sample = [], False
            continue
        if not line[0].isspace():  # the header line of a sample
            in_sample = True
            continue
        parts = line.strip().split(None, 1)
        if len(parts) == 2:
            frames.append(parts[1])
    if in_sample:
        yield frames


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, required=True, help="resources ingested")
    parser.add_argument("--cpu-seconds", type=float, required=True,
                        help="the server's CPU time over the profiled load")
    args = parser.parse_args()
    counts = collections.Counter(stage_of(frames) for frames in samples(sys.stdin))
    total = sum(counts.values())
    if total == 0:
        sys.exit("no samples on stdin (perf script output expected)")
    per_resource_us = args.cpu_seconds * 1e6 / args.resources
    print(f"| stage | share of server CPU | µs per resource |")
    print(f"|---|---|---|")
    for name in [name for name, _ in STAGES] + ["other"]:
        share = counts[name] / total
        print(f"| {name} | {100 * share:.1f} % | {share * per_resource_us:.1f} |")
    print(f"| **all** | 100 % ({total} samples) | **{per_resource_us:.1f}** |")


if __name__ == "__main__":
    main()
