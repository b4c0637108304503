#!/usr/bin/env python3
"""Compare two recordings of scripts/record-run.sh, file by file, after
masking what a real network run does not repeat: timings, the host port,
how TCP coalesced replies into reads (consecutive reads are merged), how
much a flood got through before a stall (numbers in notes and messages),
and which errno a write that raced a close reported. Verdicts, case order,
requirements, sent bytes and their schedules, and every report's structure
are compared exactly. Prints the differing line count per file; exit 1 if
any file differs. Run it on two recordings of the same binary first: that
residue is the noise floor.

Usage: scripts/compare-runs.py BEFORE_DIR AFTER_DIR [-v]"""
import base64
import difflib
import json
import os
import re
import sys


def normalize(path):
    s = open(path).read()
    s = re.sub(r'127\.0\.0\.1:[0-9]+', 'ADDR', s)
    s = re.sub(r'(Connection reset by peer \(os error 104\)|Broken pipe \(os error 32\))', 'WRITE-RACE', s)
    if path.endswith('.json'):
        d = json.loads(s)
        def raw(b):
            return b['text'].encode('utf-8', 'surrogatepass') if 'text' in b else base64.b64decode(b['base64'])
        def walk(o):
            if isinstance(o, dict):
                for k in list(o):
                    if k.endswith('_ms'):
                        o[k] = 'T'
                    else:
                        walk(o[k])
                if 'steps' in o and isinstance(o['steps'], list):
                    out = []
                    for st in o['steps']:
                        if out and st.get('step') == 'received' and out[-1].get('step') == 'received':
                            out[-1]['bytes'] = {'len': out[-1]['bytes']['len'] + st['bytes']['len'], 'raw': out[-1]['bytes'].get('raw', '') + repr(raw(st['bytes']))}
                        else:
                            if st.get('step') == 'received':
                                st['bytes'] = {'len': st['bytes']['len'], 'raw': repr(raw(st['bytes']))}
                            out.append(st)
                    for st in out:
                        if st.get('step') == 'received':
                            st['bytes'] = 'R'  # how much a flood gets back varies; the sent side is exact
                    # a flood's slices: how many went out before the stall varies
                    flood = []
                    for st in out:
                        sliced = st.get('step') == 'sent' and isinstance(st.get('bytes'), dict) and st['bytes'].get('truncated')
                        if sliced:
                            st = {'step': 'sent', 'bytes': 'FLOOD'}
                        if not (flood and st == flood[-1] and sliced):
                            flood.append(st)
                    o['steps'] = flood
                for k in ('message', 'observed', 'notes', 'note', 'queues', 'sent_total', 'written'):
                    if k in o:
                        o[k] = re.sub(r'[0-9]+(\.[0-9]+)?', 'N', json.dumps(o[k]))
            elif isinstance(o, list):
                for x in o:
                    walk(x)
        walk(d)
        return json.dumps(d, indent=1, sort_keys=True).split("\n")
    else:
        s = re.sub(r'"(at_ms|duration_ms)": [0-9.e-]+', r'"\1": T', s)
        s = re.sub(r'[0-9]+(\.[0-9]+)? ?(ms|µs|s)\b', 'T', s)
        s = re.sub(r'time="[0-9.]+"', 'time="T"', s)
        s = re.sub(r'timestamp="[^"]*"', 'timestamp="T"', s)
        lines = s.split('\n'); out = []
        pat = re.compile(r'^<tr><td>T</td><td>received (\d+) B</td><td class="mono bytes">&quot;(.*)&quot;</td></tr>$')
        for l in lines:
            m = pat.match(l)
            if m and out and pat.match(out[-1]):
                p = pat.match(out[-1])
                out[-1] = f'<tr><td>T</td><td>received {int(p.group(1)) + int(m.group(1))} B</td><td class="mono bytes">&quot;{p.group(2)}{m.group(2)}&quot;</td></tr>'
            else:
                out.append(l)
        out = [re.sub(r'received \d+ B</td><td class="mono bytes">.*</td></tr>$', 'received R', l) for l in out]
        out = [re.sub(r'<td>sent \d+ B as .*…\(\+\d+ bytes\)</td></tr>$', 'sent FLOOD', l) for l in out]
        out = [re.sub(r'[0-9]+(\.[0-9]+)?', 'N', l) if ('ms' in l or 'bytes' in l or 'written' in l) else l for l in out]
        merged = []
        for l in out:
            if merged and l == merged[-1] and (l.endswith('received R') or l.endswith('sent FLOOD')):
                continue
            merged.append(l)
        return merged


def main():
    before, after = sys.argv[1], sys.argv[2]
    verbose = "-v" in sys.argv
    differ = False
    for name in sorted(os.listdir(before)):
        if name.startswith("serve"):
            continue
        a, b = normalize(os.path.join(before, name)), normalize(os.path.join(after, name))
        diff = [l for l in difflib.unified_diff(a, b, lineterm="", n=0) if l[:1] in "+-" and l[:3] not in ("+++", "---")]
        print(f"{name}: {len(diff)} differing lines")
        if diff:
            differ = True
            if verbose:
                print("\n".join(d[:200] for d in diff[:40]))
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
