"""JSON text as the sample writes it: compact, UTF-8 kept as is, lone surrogates
escaped, as fast as the standard library allows."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any


def _make_encoder() -> Callable[[Any], str]:
    """Compact JSON with UTF-8 kept as is, as fast as the standard library allows.

    ``JSONEncoder.encode`` builds a new C encoder on every call; building it once saves
    about 40 % per object (orjson is not available). Falls back to the public API when
    the C accelerator is missing or behaves differently.
    """
    public = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    try:
        from json.encoder import c_make_encoder  # type: ignore[attr-defined]

        def refuse(obj: Any) -> Any:
            raise TypeError(f"not JSON serialisable: {type(obj).__name__}")

        chunks = c_make_encoder(None, refuse, encode_basestring, None, ":", ",", False, False, True)

        def fast(obj: Any) -> str:
            return "".join(chunks(obj, 0))

        probe = {"a": [1, None, True, 'é\n"→'], "b": {"c": 1.5}}
        if fast(probe) == public(probe):
            return fast
    except (ImportError, TypeError):  # pragma: no cover - no C accelerator
        pass
    return public  # pragma: no cover


encode = _make_encoder()

encode_str = encode_basestring  # a str as a JSON string literal (C, no ASCII escaping)


_SURROGATE = re.compile("[\ud800-\udfff]")


def escape_surrogates(text: str) -> str:
    """JSON text with lone surrogates written as ``\\udXXX`` escapes (UTF-8 refuses them)."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
