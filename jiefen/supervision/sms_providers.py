"""The SMS gateways jiefen can send through, behind sms.SmsProvider: Aliyun (阿里云短信服务,
Dysmsapi 2017-05-25, SendSms) and Tencent Cloud (腾讯云短信, 2021-01-11, SendSms), each through
its vendor's SDK, imported when a message is sent so that a site on the logging provider never
loads them.

Both send a registered template, never free text: the message kind picks the template id
(JIEFEN_SMS["templates"]), its parameters fill the template — by name for Aliyun
(TemplateParam, a JSON object), in order for Tencent (TemplateParamSet). A kind without a
template, a provider without its keys, or a refusal sending again cannot cure (a bad number,
an unapproved template or sign name: `aliyun_permanent`, `tencent_permanent`) fails without
retry; flow control, the provider's own faults and the network are tried again later.

JIEFEN_SMS["endpoint"] ("host[:port]", or "http://host:port" for a plain-HTTP stand-in)
replaces the vendor's endpoint; the tests point it at a local server that checks each request
as the vendor documents it, signature included.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from jiefen.lib.sealed import normalise
from jiefen.supervision.sms import SmsError, sms_settings

ALIYUN_ENDPOINT = "dysmsapi.aliyuncs.com"
TENCENT_ENDPOINT = "sms.tencentcloudapi.com"
TENCENT_REGION = "ap-guangzhou"


# Provider codes that sending again cannot cure: a bad or blocked number, a template or sign
# name not approved, wrong parameters, the content, the account's balance. Everything else —
# flow control, the provider's own faults, the network, a rejected key or signature (a clock
# off by minutes, or keys being rotated) — is tried again later.
ALIYUN_TEMPORARY = frozenset({"isv.BUSINESS_LIMIT_CONTROL"})
TENCENT_PERMANENT_PREFIXES = (
    "InvalidParameter",
    "MissingParameter",
    "UnsupportedOperation",
    "FailedOperation.PhoneNumberInBlacklist",
    "FailedOperation.Signature",
    "FailedOperation.Template",
    "FailedOperation.InsufficientBalance",
    "FailedOperation.ContainSensitiveWord",
)


def aliyun_permanent(code: str) -> bool:
    """isv.* are the caller's (a bad number, template, sign name, parameter, account) except
    flow control; isp.* are Aliyun's own faults and the rest are about keys: tried again."""
    return code.startswith("isv.") and code not in ALIYUN_TEMPORARY


def tencent_permanent(code: str) -> bool:
    return code.startswith(TENCENT_PERMANENT_PREFIXES)


def _endpoint(value: str, default: str) -> tuple[str, str]:
    """(host[:port], scheme) of the configured endpoint."""
    value = (value or "").strip() or default
    if "://" in value:
        parts = urlsplit(value)
        return parts.netloc, parts.scheme or "https"
    return value, "https"


class _Templated:
    templated = True
    name = ""
    needs: tuple[str, ...] = ("sign_name", "access_key_id", "access_key_secret")

    def __init__(self) -> None:
        self.conf = sms_settings()

    def _template(self, kind: str) -> str:
        missing = [key for key in self.needs if not self.conf.get(key)]
        if missing:
            raise SmsError("not_configured", "JIEFEN_SMS lacks " + ", ".join(missing), retry=False)
        template = (self.conf.get("templates") or {}).get(kind, "")
        if not template:
            raise SmsError("no_template", f"no template for {kind!r}", retry=False)
        return str(template)


class AliyunSmsProvider(_Templated):
    """SendSms of Dysmsapi through alibabacloud-dysmsapi20170525 (signed ACS3-HMAC-SHA256)."""

    name = "aliyun"

    def send(
        self, *, phone: str, text: str, kind: str = "", params: Mapping[str, str] | None = None
    ) -> str:
        template = self._template(kind)
        from alibabacloud_dysmsapi20170525 import models as dysms
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.models import Config
        from darabonba.exceptions import TeaException, UnretryableException

        host, scheme = _endpoint(self.conf.get("endpoint", ""), ALIYUN_ENDPOINT)
        timeout = int(self.conf.get("timeout_seconds") or 10) * 1000
        config = Config(
            access_key_id=self.conf["access_key_id"],
            access_key_secret=self.conf["access_key_secret"],
            endpoint=host,
            protocol=scheme,
            connect_timeout=timeout,
            read_timeout=timeout,
        )
        request = dysms.SendSmsRequest(
            phone_numbers=normalise(phone),
            sign_name=self.conf["sign_name"],
            template_code=template,
            template_param=json.dumps(dict(params or {}), ensure_ascii=False),
        )
        try:
            response = Client(config).send_sms(request)
        except UnretryableException:  # the network: refused, reset, timed out
            raise SmsError("network", "no answer from the gateway") from None
        except TeaException as error:  # an HTTP error answered by the gateway
            code = str(error.code or "error")
            message = str(error.message or "")[:120]
            raise SmsError(code, message, retry=not aliyun_permanent(code)) from None
        except Exception as error:  # the network: refused, reset, timed out
            raise SmsError("network", type(error).__name__) from None
        body: Any = response.body
        if body is None or body.code != "OK":
            code = str(getattr(body, "code", None) or "error")
            message = str(getattr(body, "message", "") or "")[:120]
            raise SmsError(code, message, retry=not aliyun_permanent(code))
        return str(body.biz_id or "")


class TencentSmsProvider(_Templated):
    """SendSms 2021-01-11 through tencentcloud-sdk-python-sms (signed TC3-HMAC-SHA256)."""

    name = "tencent"
    needs = ("sign_name", "access_key_id", "access_key_secret", "app_id")

    def send(
        self, *, phone: str, text: str, kind: str = "", params: Mapping[str, str] | None = None
    ) -> str:
        template = self._template(kind)
        from tencentcloud.common.credential import Credential
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import models, sms_client

        host, scheme = _endpoint(self.conf.get("endpoint", ""), TENCENT_ENDPOINT)
        http = HttpProfile(
            protocol=scheme, endpoint=host, reqTimeout=int(self.conf.get("timeout_seconds") or 10)
        )
        client = sms_client.SmsClient(
            Credential(self.conf["access_key_id"], self.conf["access_key_secret"]),
            self.conf.get("region") or TENCENT_REGION,
            ClientProfile(httpProfile=http),
        )
        request = models.SendSmsRequest()
        request.PhoneNumberSet = ["+86" + normalise(phone)]
        request.SmsSdkAppId = str(self.conf["app_id"])
        request.SignName = self.conf["sign_name"]
        request.TemplateId = template
        request.TemplateParamSet = [str(v) for v in (params or {}).values()]
        try:
            response = client.SendSms(request)
        except TencentCloudSDKException as error:
            code = str(error.get_code() or "error")
            if code == "ClientNetworkError":
                raise SmsError("network", "no answer from the gateway") from None
            message = str(error.get_message() or "")[:120]
            raise SmsError(code, message, retry=not tencent_permanent(code)) from None
        except Exception as error:  # the network: refused, reset, timed out
            raise SmsError("network", type(error).__name__) from None
        statuses = response.SendStatusSet or []
        if not statuses:
            raise SmsError("error", "no send status in the answer")
        status = statuses[0]
        if status.Code != "Ok":
            code = str(status.Code or "error")
            message = str(status.Message or "")[:120]
            raise SmsError(code, message, retry=not tencent_permanent(code))
        return str(status.SerialNo or "")
