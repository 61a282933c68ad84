#!/usr/bin/python3
"""Scrapes URL with the Prometheus client library's own text-format parser
(python3-prometheus-client) and prints one line per sample: NAME{label=value,...} VALUE, labels
sorted; exits 1 when the text does not parse. Used by test-observe.sh.
   promparse.py URL"""
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
    ctype = r.headers.get("Content-Type", "")
    text = r.read().decode("utf-8")
if not ctype.startswith("text/plain; version=0.0.4"):
    print(f"content type {ctype!r}", file=sys.stderr)
    sys.exit(1)
try:
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            v = int(s.value) if float(s.value).is_integer() else s.value
            print(f"{s.name}{{{labels}}} {v}")
except Exception as e:  # the parser's own error: the text is not the format
    print(f"does not parse: {e}", file=sys.stderr)
    sys.exit(1)
