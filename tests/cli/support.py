"""Reading what the ``arsearch`` command printed."""

from __future__ import annotations

import json


def json_ids(result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [h["id"] for h in json.loads(result.stdout)["hits"]]
