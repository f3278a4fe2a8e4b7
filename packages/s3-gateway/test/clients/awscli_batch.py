"""Runs aws cli commands in one process (its own entry point, `create_clidriver().main`), so
the table does not pay the cli's start-up once per command.

Usage: awscli_batch.py COMMANDS.json; prints a JSON list of {"rc", "out", "err"}.
"""
import contextlib
import io
import json
import sys

from awscli.clidriver import create_clidriver

results = []
for args in json.load(open(sys.argv[1])):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = create_clidriver().main(args)
        except SystemExit as e:  # argparse errors
            rc = e.code if isinstance(e.code, int) else 1
    results.append({"rc": rc, "out": out.getvalue(), "err": err.getvalue()[-2000:]})
print(json.dumps(results))
