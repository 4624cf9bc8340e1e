"""NDEF output, decoded by an independent reader: ndeflib (nfcpy's NDEF library).

Each `.ndef` file must be exactly one NFC Forum NDEF message holding one MIME-media
record whose payload is the patient's JSON record.
"""

import gzip
import json

import ndef
import pytest

from conftest import ndjson_records

N = 40


def decode_dir(path):
    files = sorted(path.iterdir())
    messages = []
    for f in files:
        data = f.read_bytes()
        # errors="strict": ndeflib raises on any header, flag or length inconsistency.
        records = list(ndef.message_decoder(data, errors="strict"))
        messages.append((f.name, data, records))
    return messages


def test_every_preset_decodes_to_the_json_records(milmed, presets, tmp_path):
    for preset in presets:
        out = tmp_path / preset
        milmed("generate", "--preset", preset, "-n", str(N), "--seed", "3", "--format", "ndef", "-o", str(out))
        expected = ndjson_records(milmed("generate", "--preset", preset, "-n", str(N), "--seed", "3"))
        messages = decode_dir(out)
        assert [name for name, _, _ in messages] == [f"patient-{i:02}.ndef" for i in range(N)]
        for (name, data, records), want in zip(messages, expected):
            assert len(records) == 1, name
            record = records[0]
            assert record.type == "application/x.ips.v1-0", name
            assert record.name == "", name
            assert json.loads(record.data) == want, name
            # Header flags by hand (NDEF 1.0 §3.2): MB, ME, no CF, no IL, TNF 2; SR iff < 256.
            header = data[0]
            assert header & 0x80 and header & 0x40, name
            assert not header & 0x20 and not header & 0x08, name
            assert header & 0x07 == 0x02, name
            assert bool(header & 0x10) == (len(record.data) < 256), name


def test_gzip_payload_is_the_compressed_record(milmed, tmp_path):
    out = tmp_path / "gz"
    milmed("generate", "--preset", "nato_article_5", "-n", "10", "--format", "ndef", "--compress", "gzip", "-o", str(out))
    expected = ndjson_records(milmed("generate", "--preset", "nato_article_5", "-n", "10"))
    for (name, data, records), want in zip(decode_dir(out), expected):
        assert len(records) == 1
        assert records[0].type == "application/x.ips.gzip.v1-0", name
        assert json.loads(gzip.decompress(records[0].data)) == want, name
