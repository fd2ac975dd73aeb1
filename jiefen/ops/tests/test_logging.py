import json
import logging
import sys

import pytest

from jiefen.ops.logging import LOGGING, JsonFormatter, MaskPersonalData, mask_text

PHONE = "13812345678"
ID_NUMBER = "33068119900101123X"


def _record(msg, *args, exc_info=None, **extra):
    record = logging.LogRecord("jiefen.test", logging.INFO, __file__, 1, msg, args, exc_info)
    record.__dict__.update(extra)
    return record


def _emit(record):
    assert MaskPersonalData().filter(record) is True
    return JsonFormatter().format(record)


def test_it_masks_a_phone_number_in_the_message():
    line = _emit(_record(f"短信已发送到 {PHONE}"))
    assert PHONE not in line
    assert json.loads(line)["message"] == "短信已发送到 138****5678"


def test_it_masks_phone_and_id_numbers_passed_as_arguments():
    line = _emit(_record("party %s id %s tel %d", "张三", ID_NUMBER, int(PHONE)))
    assert PHONE not in line
    assert ID_NUMBER not in line
    assert json.loads(line)["message"] == "party 张三 id 330681********123X tel 138****5678"


def test_it_masks_numbers_inside_containers_and_extra_fields():
    line = _emit(_record("payload %s", {"phone": PHONE, "ids": [ID_NUMBER]}, party_phone=PHONE))
    assert PHONE not in line
    assert ID_NUMBER not in line
    assert json.loads(line)["party_phone"] == "138****5678"


def test_it_masks_numbers_in_exception_text():
    try:
        raise ValueError(f"bad id {ID_NUMBER} for {PHONE}")
    except ValueError:
        line = _emit(_record("failed", exc_info=sys.exc_info()))
    entry = json.loads(line)
    assert "ValueError: bad id 330681********123X for 138****5678" in entry["exception"]
    assert PHONE not in line
    assert ID_NUMBER not in line


@pytest.mark.parametrize(
    "text",
    [
        "region 330681109201",  # a 12-digit division code
        "dispute 330681109-2026-000001",
        "id 1381234567890",  # 13 digits: not a phone number
        "took 13812345678901234567 ns",
        "at 1715000000.123",
    ],
)
def test_it_leaves_other_numbers_alone(text):
    assert mask_text(text) == text


def test_it_masks_mobile_numbers_with_country_code():
    assert PHONE not in mask_text(f"+86 {PHONE} / 86-{PHONE}")


def test_the_settings_put_the_mask_on_every_handler():
    for handler in LOGGING["handlers"].values():
        assert "mask_personal_data" in handler["filters"]


def test_it_writes_one_json_object_per_line(caplog):
    line = _emit(_record("line one\nline two"))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "jiefen.test"
    assert entry["time"].endswith("+00:00")


def test_the_logging_dict_configures(tmp_path, capsys):
    import logging.config

    logging.config.dictConfig(LOGGING)
    try:
        logging.getLogger("jiefen.somewhere").warning("call %s back", PHONE)
        err = capsys.readouterr().err
        assert "138****5678" in err
        assert PHONE not in err
    finally:
        from django.conf import settings

        logging.config.dictConfig(settings.LOGGING)
