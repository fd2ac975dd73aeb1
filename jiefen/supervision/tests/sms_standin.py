"""A stand-in for the SMS gateways: an HTTP server on 127.0.0.1, in a thread, that checks each
request the way the vendor documents it — the signature recomputed with the test's secret —
and answers with the vendor's success or error JSON.

Aliyun (Dysmsapi 2017-05-25, the V3 signature the pinned SDK sends): the Authorization header
"ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<h1;h2…>,Signature=<hex>", where the
signature is HMAC-SHA256(secret, "ACS3-HMAC-SHA256\\n" + hex(SHA256(canonical request))) and
the canonical request is method, path, the query sorted and RFC 3986-encoded, each signed
header "name:value", the signed header names, and hex(SHA256(body)) (= x-acs-content-sha256);
x-acs-action SendSms, x-acs-version 2017-05-25, and PhoneNumbers, SignName, TemplateCode,
TemplateParam (a JSON object) in the query.

Tencent Cloud (SMS 2021-01-11, TC3-HMAC-SHA256): "TC3-HMAC-SHA256 Credential=<SecretId>/<date>/
sms/tc3_request, SignedHeaders=content-type;host, Signature=<hex>", the key derived as
HMAC(HMAC(HMAC("TC3" + secret, date), "sms"), "tc3_request") and the string to sign
"TC3-HMAC-SHA256\\n<X-TC-Timestamp>\\n<date>/sms/tc3_request\\n" + hex(SHA256(canonical
request)); X-TC-Action SendSms, X-TC-Version 2021-01-11, and a JSON body with PhoneNumberSet
(+86…), SmsSdkAppId, SignName, TemplateId, TemplateParamSet.

`answers` is a list the test fills with what to answer next ("ok", or an error code); the
server records each request it checked (`seen`) and each fault it found (`faults`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

KEY_ID = "LTAI5tStandInKeyId"
SECRET = "st4nd-in-s3cret-never-logged"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def aliyun_fault(method: str, path: str, headers: dict[str, str], body: bytes) -> str:
    """What is wrong with an Aliyun request ("" when it is as documented)."""
    auth = headers.get("authorization", "")
    scheme, _sp, rest = auth.partition(" ")
    if scheme != "ACS3-HMAC-SHA256":
        return f"signature scheme {scheme!r}"
    parts = dict(item.split("=", 1) for item in rest.split(","))
    if parts.get("Credential") != KEY_ID:
        return "access key id"
    signed = parts.get("SignedHeaders", "").split(";")
    needed = {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce"}
    needed.add("x-acs-content-sha256")
    if not needed <= set(signed) or signed != sorted(signed):
        return f"signed headers {signed}"
    if headers.get("x-acs-content-sha256") != _sha256(body):
        return "payload hash"
    url = urlsplit(path)
    query = parse_qsl(url.query, keep_blank_values=True)
    canonical_query = "&".join(
        f"{_encode(k)}={_encode(v)}" for k, v in sorted(query, key=lambda kv: kv[0])
    )
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
    canonical = "\n".join(
        [
            method,
            url.path or "/",
            canonical_query,
            canonical_headers,
            ";".join(signed),
            _sha256(body),
        ]
    )
    to_sign = "ACS3-HMAC-SHA256\n" + _sha256(canonical.encode("utf-8"))
    expected = hmac.new(SECRET.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts.get("Signature", "")):
        return "signature"
    if headers.get("x-acs-action") != "SendSms" or headers.get("x-acs-version") != "2017-05-25":
        return "action or version"
    values = dict(query)
    for name in ("PhoneNumbers", "SignName", "TemplateCode", "TemplateParam"):
        if not values.get(name):
            return f"no {name}"
    if not isinstance(json.loads(values["TemplateParam"]), dict):
        return "TemplateParam is not a JSON object"
    return ""


def tencent_fault(method: str, path: str, headers: dict[str, str], body: bytes) -> str:
    """What is wrong with a Tencent Cloud request ("" when it is as documented)."""
    auth = headers.get("authorization", "")
    scheme, _sp, rest = auth.partition(" ")
    if scheme != "TC3-HMAC-SHA256":
        return f"signature scheme {scheme!r}"
    parts = dict(item.strip().split("=", 1) for item in rest.split(","))
    key_id, date, service, end = ([*parts.get("Credential", "").split("/"), "", "", "", ""])[:4]
    timestamp = headers.get("x-tc-timestamp", "0")
    if key_id != KEY_ID or service != "sms" or end != "tc3_request":
        return "credential scope"
    if date != datetime.fromtimestamp(int(timestamp), tz=UTC).strftime("%Y-%m-%d"):
        return "credential date"
    signed = parts.get("SignedHeaders", "").split(";")
    if signed != ["content-type", "host"]:
        return f"signed headers {signed}"
    canonical_headers = "".join(f"{n}:{headers.get(n, '').strip().lower()}\n" for n in signed)
    canonical = "\n".join(
        [method, urlsplit(path).path or "/", "", canonical_headers, ";".join(signed), _sha256(body)]
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{_sha256(canonical.encode())}"
    key = _hmac(_hmac(_hmac(("TC3" + SECRET).encode(), date), service), "tc3_request")
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts.get("Signature", "")):
        return "signature"
    if headers.get("x-tc-action") != "SendSms" or headers.get("x-tc-version") != "2021-01-11":
        return "action or version"
    data = json.loads(body)
    phones = data.get("PhoneNumberSet") or []
    if not phones or not all(p.startswith("+86") for p in phones):
        return "PhoneNumberSet"
    for name in ("SmsSdkAppId", "SignName", "TemplateId"):
        if not data.get(name):
            return f"no {name}"
    if not isinstance(data.get("TemplateParamSet"), list):
        return "TemplateParamSet"
    return ""


class StandIn:
    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.answers: list[str] = []
        self.seen: list[dict] = []
        self.faults: list[str] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # both SDKs POST
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer = stand_in.answer("POST", self.path, headers, body)
                data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                # As each gateway labels its JSON (Tencent's SDK reads errors only from this).
                kind = (
                    "application/json" if vendor == "tencent" else "application/json;charset=utf-8"
                )
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes):
        check = aliyun_fault if self.vendor == "aliyun" else tencent_fault
        fault = check(method, path, headers, body)
        if fault:
            self.faults.append(fault)
            return self.signature_error(fault)
        url = urlsplit(path)
        self.seen.append(
            {"headers": headers, "query": dict(parse_qsl(url.query)), "body": body.decode()}
        )
        code = self.answers.pop(0) if self.answers else "ok"
        return self.success() if code == "ok" else self.error(code)

    def success(self):
        if self.vendor == "aliyun":
            return 200, {
                "Code": "OK",
                "Message": "OK",
                "BizId": "900619746936498440^0",
                "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990",
            }
        phone = json.loads(self.seen[-1]["body"])["PhoneNumberSet"][0]
        return 200, {
            "Response": {
                "SendStatusSet": [
                    {
                        "SerialNo": "5000:1045710669157053657849499619",
                        "PhoneNumber": phone,
                        "Fee": 1,
                        "SessionContext": "",
                        "Code": "Ok",
                        "Message": "send success",
                        "IsoCode": "CN",
                    }
                ],
                "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279",
            }
        }

    def error(self, code: str):
        """A refusal of a well-made request (flow control, a daily limit)."""
        if self.vendor == "aliyun":
            return 200, {"Code": code, "Message": "触发天级流控", "RequestId": "1B2C3D"}
        phone = json.loads(self.seen[-1]["body"])["PhoneNumberSet"][0]
        status = {"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": ""}
        status |= {"Code": code, "Message": "the daily limit", "IsoCode": "CN"}
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": "b1c2"}}

    def signature_error(self, fault: str):
        if self.vendor == "aliyun":
            message = f"Specified signature does not match our calculation ({fault})."
            return 400, {"Code": "SignatureDoesNotMatch", "Message": message, "RequestId": "9E1"}
        return 200, {
            "Response": {
                "Error": {"Code": "AuthFailure.SignatureFailure", "Message": fault},
                "RequestId": "c3d4",
            }
        }

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
