"""Hostile answers from a live emulator: too big, gzip bombs, slow drips, over-long text."""

import logging
import time
import tracemalloc

import httpx
import pytest

from practicelink.xpm.remote import NewStaff, XpmProtocolError, XpmTimeout
from practicelink.xpm.remote.codec import TEXT_LIMIT
from practicelink.xpm.remote.guard import MAX_ANSWER_BYTES, AnswerTooLarge
from xpm_emulator.models import Staff as EmulatedStaff
from xpm_emulator.seed import DEMO_TENANT_ID
from xpm_emulator.xml import envelope


def test_a_300_mb_gzip_bomb_is_refused_without_filling_memory(live_client, emulator):
    emulator.add_fault("staff.api/list", "gzip_bomb", size=300_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(AnswerTooLarge) as caught:
            live_client().staff_list()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.max_bytes == MAX_ANSWER_BYTES
    assert "larger than 50,000,000 bytes" in caught.value.message
    assert peak < 2.5 * MAX_ANSWER_BYTES
    # Not transient: the read is not retried.
    assert [c["fault"] for c in emulator.calls(DEMO_TENANT_ID)] == ["gzip_bomb"]


def test_an_oversized_plain_answer_is_refused(live_client, emulator):
    emulator.add_fault("staff.api/list", "oversize", size=3_000_000)
    with pytest.raises(AnswerTooLarge):
        live_client(max_answer_bytes=1_000_000).staff_list()


def test_a_gzipped_answer_within_the_cap_is_read(live_client, emulator):
    emulator.add_fault("staff.api/list", "gzip_bomb", size=900_000)
    staff = live_client(max_answer_bytes=1_000_000).staff_list()
    assert len(staff) == 12
    assert emulator.calls(DEMO_TENANT_ID)[0]["fault"] == "gzip_bomb"


@pytest.mark.parametrize(
    ("seconds", "timeout"),
    [
        pytest.param(3.0, 1.0, id="reads 0.15 s apart, the whole answer 3 s"),
        pytest.param(30.0, 2.0, id="reads 1.5 s apart: the second outlives the deadline"),
    ],
)
def test_a_dripping_answer_times_out_at_the_call_deadline(live_client, emulator, seconds, timeout):
    emulator.add_fault("staff.api/add", "drip", seconds=seconds)
    started = time.monotonic()
    with pytest.raises(XpmTimeout):
        live_client(timeout=timeout).staff_add(NewStaff(name="Drip Fed"))
    assert timeout <= time.monotonic() - started < timeout + 1.5  # slack for a loaded machine


def test_a_drip_that_ends_before_the_deadline_is_read(live_client, emulator):
    emulator.add_fault("staff.api/list", "drip", seconds=0.4)
    assert len(live_client(timeout=2.0).staff_list()) == 12


def test_an_answer_whose_headers_come_late_times_out(live_client, emulator):
    emulator.add_fault("staff.api/add", "slow", seconds=5.0)
    started = time.monotonic()
    with pytest.raises(XpmTimeout):
        live_client(timeout=0.5).staff_add(NewStaff(name="Late"))
    assert time.monotonic() - started < 4.0  # the answer would come at 5 s


def test_overlong_text_is_cut_with_a_warning(live_client, emulator, caplog):
    tenant = emulator.store.tenant(DEMO_TENANT_ID)
    long = EmulatedStaff(name="N" * 1_000_000, email=("e" * 300) + "@example.com")
    tenant.staff.append(long)
    with caplog.at_level(logging.WARNING, logger="practicelink.xpm.remote.codec"):
        staff = {s.uuid: s for s in live_client().staff_list()}[long.uuid]
    assert staff.name == "N" * (TEXT_LIMIT - 1) + "…"
    assert staff.email == ""
    assert [r.getMessage() for r in caplog.records] == [
        f"XPM sent a Staff {long.uuid} whose <Name> is 1,000,000 characters long;"
        " practicelink keeps the first 254 and an ellipsis",
        f"XPM sent a Staff {long.uuid} whose <Email> is 312 characters long;"
        " practicelink keeps none of it",
    ]


def test_an_overlong_identifier_is_a_protocol_error(live_client, emulator):
    emulator.store.tenant(DEMO_TENANT_ID).staff.append(EmulatedStaff(name="Odd", uuid="u" * 65))
    with pytest.raises(XpmProtocolError, match="<Staff>'s <UUID> is 65 characters long"):
        live_client().staff_list()


@pytest.mark.parametrize(
    ("encoding", "body", "detail"),
    [
        ("br", envelope("List", []), "the answer is encoded as 'br'"),
        ("gzip", b"not gzip at all", "the gzip answer is corrupt"),
    ],
)
def test_an_answer_encoded_in_a_way_we_cannot_read(mock_client, encoding, body, detail):
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept-encoding"] == "gzip, deflate"
        # A stream, not content: httpx would otherwise decode it before the client sees it.
        stream = httpx.ByteStream(body)
        return httpx.Response(200, headers={"content-encoding": encoding}, stream=stream)

    with pytest.raises(XpmProtocolError, match=detail):
        mock_client(handler).staff_list()


def test_a_declared_length_over_the_cap_is_refused_before_reading(mock_client):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-length": str(MAX_ANSWER_BYTES + 1)}, stream=httpx.ByteStream(b"")
        )

    with pytest.raises(AnswerTooLarge):
        mock_client(handler).staff_list()
