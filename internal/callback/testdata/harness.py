

# Test harness, appended to docs/snippets/verify.py by docs_test.go: runs
# verify_atomyx on each case read from standard input, one line of output each.
import base64
import json
import sys

for c in json.load(sys.stdin):
    try:
        verify_atomyx(c["secrets"], c["signature"], c["timestamp"], base64.b64decode(c["body"]), c["tolerance"])
        print("ok")
    except ValueError as err:
        print("error: " + str(err))
