"""Every operation of the client table with boto3 (default settings: CRC32 trailers on uploads).

Usage: boto3_ops.py ENDPOINT BUCKET WORKDIR; prints one JSON object {operation: "ok" | error text}.
Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
"""
import hashlib
import json
import os
import sys
import http.client
import urllib.parse
import urllib.request

import boto3
from boto3.s3.transfer import TransferConfig

endpoint, bucket, workdir = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
results = {}


def op(name):
    def wrap(fn):
        try:
            fn()
            results[name] = "ok"
        except Exception as e:  # noqa: BLE001 - every failure is reported in the table
            results[name] = f"{type(e).__name__}: {e}"[:300]
        return fn

    return wrap


@op("create bucket")
def _():
    s3.create_bucket(Bucket=bucket)


@op("put small")
def _():
    s3.put_object(Bucket=bucket, Key="small/hello.txt", Body=b"hello from boto3")


@op("get small")
def _():
    body = s3.get_object(Bucket=bucket, Key="small/hello.txt")["Body"].read()
    assert body == b"hello from boto3", body


big = os.path.join(workdir, "big.bin")


@op("put multipart")
def _():
    s3.upload_file(big, bucket, "big/big.bin", Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
    etag = s3.head_object(Bucket=bucket, Key="big/big.bin")["ETag"]
    assert "-" in etag, etag


@op("get multipart")
def _():
    out = os.path.join(workdir, "big.out")
    s3.download_file(bucket, "big/big.bin", out)
    assert hashlib.sha256(open(out, "rb").read()).hexdigest() == hashlib.sha256(open(big, "rb").read()).hexdigest()


@op("list prefix+delimiter")
def _():
    for k in ("list/a.txt", "list/sub/b.txt", "list/sub/c.txt", "other.txt"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    r = s3.list_objects_v2(Bucket=bucket, Prefix="list/", Delimiter="/")
    keys = [c["Key"] for c in r.get("Contents", [])]
    prefixes = [p["Prefix"] for p in r.get("CommonPrefixes", [])]
    assert keys == ["list/a.txt"] and prefixes == ["list/sub/"], (keys, prefixes)


@op("copy")
def _():
    s3.copy_object(Bucket=bucket, Key="copy/hello.txt", CopySource={"Bucket": bucket, "Key": "small/hello.txt"})
    assert s3.get_object(Bucket=bucket, Key="copy/hello.txt")["Body"].read() == b"hello from boto3"


@op("delete many")
def _():
    keys = [f"del/{i}.txt" for i in range(5)]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=b"d")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    assert len(r.get("Deleted", [])) == 5 and not r.get("Errors"), r
    assert s3.list_objects_v2(Bucket=bucket, Prefix="del/").get("KeyCount") == 0


@op("presign")
def _():
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "small/hello.txt"}, ExpiresIn=300)
    assert urllib.request.urlopen(url).read() == b"hello from boto3"
    put = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "presigned/put.txt"}, ExpiresIn=300)
    # http.client sends no Content-Type of its own (the URL signs none).
    parts = urllib.parse.urlsplit(put)
    conn = http.client.HTTPConnection(parts.netloc)
    conn.request("PUT", parts.path + "?" + parts.query, body=b"via presigned put")
    response = conn.getresponse()
    assert response.status == 200, (response.status, response.read())
    assert s3.get_object(Bucket=bucket, Key="presigned/put.txt")["Body"].read() == b"via presigned put"


@op("sync dir")
def _():
    src = os.path.join(workdir, "tree")
    uploaded = 0
    remote = {o["Key"]: o for o in s3.list_objects_v2(Bucket=bucket, Prefix="sync/").get("Contents", [])}
    for root, _dirs, files in os.walk(src):
        for f in files:
            path = os.path.join(root, f)
            key = "sync/" + os.path.relpath(path, src).replace(os.sep, "/")
            data = open(path, "rb").read()
            if key in remote and remote[key]["ETag"].strip('"') == hashlib.md5(data).hexdigest():
                continue
            s3.upload_file(path, bucket, key)
            uploaded += 1
    listed = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="sync/").get("Contents", []))
    expected = sorted("sync/" + os.path.relpath(os.path.join(r, f), src).replace(os.sep, "/") for r, _d, fs in os.walk(src) for f in fs)
    assert listed == expected, (listed, expected)


print(json.dumps(results))
