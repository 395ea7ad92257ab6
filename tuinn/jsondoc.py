"""The JSON documents tuinn prints (`train --json`, `diagnose --json`,
`sweep --json`): JSON has no inf or NaN, so those become null."""

import json
import math


def json_ready(value):
    """`value` with every non-finite float as None."""
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps(doc):
    """A document as the JSON that tuinn prints."""
    return json.dumps(json_ready(doc), indent=2)
