"""Smoke test for the loopback S3 test servers started by start.sh.

usage: .venv/bin/python tooling/servers/smoke.py [seaweedfs|moto|all]...   (default: all)

Reads the same STOWAGE_* variables as env.sh (with the same defaults). Uses botocore,
which moto[server] brings into the venv. Exits non-zero on the first failure.

SeaweedFS checks: signed requests work and wrong/absent credentials are refused; a
bucket made path-style is reachable virtual-hosted-style (requests go to 127.0.0.1 with
`Host: <bucket>.<STOWAGE_SEAWEED_DOMAIN>:<port>`) and the other way round; both checksum
modes of the SDK; the filer sees S3 objects under /buckets/<bucket>/.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

E = os.environ.get


def settings(name: str) -> dict:
    region = E("STOWAGE_S3_REGION", "us-east-1")
    if name == "seaweedfs":
        s3_port = E("STOWAGE_SEAWEED_S3_PORT", "8333")
        return {
            "endpoint": f"http://127.0.0.1:{s3_port}",
            "port": s3_port,
            "filer": f"http://127.0.0.1:{E('STOWAGE_SEAWEED_FILER_PORT', '8988')}",
            "access_key": E("STOWAGE_SEAWEED_ACCESS_KEY", "stowage"),
            "secret_key": E("STOWAGE_SEAWEED_SECRET_KEY", "stowage-secret"),
            "region": E("STOWAGE_SEAWEED_REGION", region),
            "domain": E("STOWAGE_SEAWEED_DOMAIN", "s3.stowage.test"),
        }
    port = E("STOWAGE_MOTO_PORT", "5055")
    return {
        "endpoint": f"http://127.0.0.1:{port}",
        "port": port,
        "access_key": E("STOWAGE_MOTO_ACCESS_KEY", "testing"),
        "secret_key": E("STOWAGE_MOTO_SECRET_KEY", "testing"),
        "region": E("STOWAGE_MOTO_REGION", region),
    }


def client(s: dict, *, endpoint: str | None = None, style: str = "path", secret: str | None = None,
           unsigned: bool = False, checksums: str = "when_supported"):
    cfg = Config(
        s3={"addressing_style": style},
        retries={"max_attempts": 1},
        connect_timeout=5,
        read_timeout=30,
        request_checksum_calculation=checksums,
        response_checksum_validation=checksums,
        signature_version=UNSIGNED if unsigned else "s3v4",
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint or s["endpoint"],
        region_name=s["region"],
        aws_access_key_id=s["access_key"],
        aws_secret_access_key=secret or s["secret_key"],
        config=cfg,
    )


def vhost_client(s: dict, seen: list):
    """A client addressing buckets as <bucket>.<domain>:<port>, whose requests are sent to
    127.0.0.1 with the virtual host in the Host header (the domain does not resolve).
    The request is signed for the virtual host before this rewrite."""
    c = client(s, endpoint=f"http://{s['domain']}:{s['port']}", style="virtual")
    target = urlsplit(s["endpoint"]).netloc

    def redirect(request, **_):
        parts = urlsplit(request.url)
        seen.append((parts.netloc, parts.path))
        request.headers["Host"] = parts.netloc
        request.url = urlunsplit(parts._replace(netloc=target))

    c.meta.events.register("before-send.s3", redirect)
    return c


def check(label: str, cond: bool, detail: object = "") -> None:
    if not cond:
        raise AssertionError(f"{label}: {detail}")
    print(f"  ok  {label}")


def error_code(fn) -> str | None:
    try:
        fn()
    except ClientError as e:
        return e.response.get("Error", {}).get("Code") or str(e.response["ResponseMetadata"]["HTTPStatusCode"])
    return None


def roundtrip(c, bucket: str, key: str, body: bytes) -> bytes:
    c.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/plain")
    return c.get_object(Bucket=bucket, Key=key)["Body"].read()


def empty_and_delete(c, bucket: str) -> None:
    for page in c.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            c.delete_object(Bucket=bucket, Key=obj["Key"])
    c.delete_bucket(Bucket=bucket)


def smoke_seaweedfs() -> None:
    s = settings("seaweedfs")
    print(f"seaweedfs at {s['endpoint']} (virtual hosts *.{s['domain']}, filer {s['filer']})")
    c = client(s)
    c.list_buckets()
    check("signed ListBuckets", True)
    check("wrong secret is refused", error_code(lambda: client(s, secret="wrong").list_buckets()) is not None)
    check("anonymous request is refused", error_code(lambda: client(s, unsigned=True).list_buckets()) == "AccessDenied")

    bucket = f"smoke-{uuid.uuid4().hex[:12]}"
    c.create_bucket(Bucket=bucket)
    try:
        body = b"path-style body"
        check("path-style put/get", roundtrip(c, bucket, "path/one.txt", body) == body)

        seen: list = []
        v = vhost_client(s, seen)
        vbody = b"virtual-host body"
        check("virtual-host put/get", roundtrip(v, bucket, "vhost/two.txt", vbody) == vbody)
        host, path = seen[-1]
        check("virtual-host requests carry the bucket in Host, not in the path",
              host == f"{bucket}.{s['domain']}:{s['port']}" and path == "/vhost/two.txt", seen[-1])
        check("virtual-host get of a path-style object",
              v.get_object(Bucket=bucket, Key="path/one.txt")["Body"].read() == body)
        check("path-style get of a virtual-host object",
              c.get_object(Bucket=bucket, Key="vhost/two.txt")["Body"].read() == vbody)
        keys = [o["Key"] for o in v.list_objects_v2(Bucket=bucket).get("Contents", [])]
        check("virtual-host list", keys == ["path/one.txt", "vhost/two.txt"], keys)
        missing = f"nope-{uuid.uuid4().hex[:8]}"
        code = error_code(lambda: v.head_object(Bucket=missing, Key="x"))
        check("virtual-host request for an unknown bucket is a 404", code in ("404", "NoSuchBucket"), code)
        code = error_code(lambda: c.put_object(Bucket=missing, Key="x", Body=b"x"))
        check("PutObject to a missing bucket is NoSuchBucket (no auto-create)", code == "NoSuchBucket", code)
        code = error_code(lambda: c.delete_bucket(Bucket=bucket))
        check("DeleteBucket of a non-empty bucket is BucketNotEmpty", code == "BucketNotEmpty", code)

        for mode in ("when_supported", "when_required"):
            cm = client(s, checksums=mode)
            data = os.urandom(64 * 1024)
            check(f"put/get with checksums {mode}", roundtrip(cm, bucket, f"ck/{mode}", data) == data)

        with urllib.request.urlopen(f"{s['filer']}/buckets/{bucket}/path/one.txt", timeout=10) as r:
            check("filer serves S3 objects under /buckets/<bucket>/", r.read() == body)
    finally:
        empty_and_delete(c, bucket)
    check("bucket deleted", bucket not in [b["Name"] for b in c.list_buckets().get("Buckets", [])])


def smoke_moto() -> None:
    s = settings("moto")
    print(f"moto at {s['endpoint']}")
    c = client(s)
    c.list_buckets()
    check("signed ListBuckets", True)
    bucket = f"smoke-{uuid.uuid4().hex[:12]}"
    c.create_bucket(Bucket=bucket)
    try:
        body = b"moto body"
        check("path-style put/get", roundtrip(c, bucket, "a/b.txt", body) == body)
        url = c.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "a/b.txt"}, ExpiresIn=60)
        with urllib.request.urlopen(url, timeout=10) as r:
            check("presigned GET", r.read() == body)
        keys = [o["Key"] for o in c.list_objects_v2(Bucket=bucket).get("Contents", [])]
        check("list", keys == ["a/b.txt"], keys)
    finally:
        empty_and_delete(c, bucket)


def main(argv: list[str]) -> int:
    targets: list[str] = []
    for a in argv or ["all"]:
        if a == "all":
            targets += ["seaweedfs", "moto"]
        elif a in ("seaweedfs", "moto"):
            targets.append(a)
        else:
            print(f"smoke.py: unknown server {a!r} (expected seaweedfs, moto or all)", file=sys.stderr)
            return 2
    started = time.monotonic()
    for t in dict.fromkeys(targets):
        try:
            {"seaweedfs": smoke_seaweedfs, "moto": smoke_moto}[t]()
        except (AssertionError, BotoCoreError, ClientError, urllib.error.URLError, OSError) as e:
            print(f"smoke.py: FAILED ({t}): {type(e).__name__}: {e}", file=sys.stderr)
            return 1
    print(f"smoke.py: all checks passed in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
