#!/usr/bin/env python3
"""Splits a MIME file (an .m7m) with Python's email package, a parser Ponte did not write: each part's
decoded body is written to OUTDIR/<filename>, and one line per part "content-type filename size" is printed."""
import email
import email.policy
import os
import sys

# message_from_bytes, not message_from_binary_file: the latter reads through a TextIOWrapper whose
# universal newlines turn a lone CR of a binary part into LF.
with open(sys.argv[1], "rb") as f:
    msg = email.message_from_bytes(f.read(), policy=email.policy.default)
if not msg.is_multipart():
    sys.exit("not multipart")
for part in msg.iter_parts():
    name = part.get_filename()
    body = part.get_payload(decode=True)
    with open(os.path.join(sys.argv[2], name), "wb") as out:
        out.write(body)
    print(part.get_content_type(), name, len(body))
