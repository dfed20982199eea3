"""The API's JSON parser: DRF's, with a limit on nesting depth and on size.

Python's JSON decoder recurses once per level of nesting: a body of 5,000 `[` ran it out of
stack (RecursionError), a 500 that anyone could cause without signing in. Here the depth is
measured before decoding, in a few passes of C code (strings removed by one regular expression,
then the brackets counted with `accumulate`), so a hostile body costs about as much as reading it.

Refusals are `ParseError`s with their own stable codes (`core.errors` renders them):
`json_too_deep` (400), `payload_too_large` (413), and, for JSON that does not decode,
`malformed_request` (400), the code clients already know.

Settings: `API_JSON_MAX_DEPTH` (default 32 levels of arrays and objects) and Django's
`DATA_UPLOAD_MAX_MEMORY_SIZE` for the size (Django refuses a larger body before any parser
reads it; the parser checks again for streams that do not go through `request.body`).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from itertools import accumulate
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json as drf_json

DEFAULT_MAX_DEPTH = 32

# A JSON string literal (escapes included): removed before counting brackets, so that a `[`
# inside a string does not count. Linear ("unrolled loop": no two ways to match a character).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JSONTooDeepError(ParseError):
    default_detail = _("The JSON is nested too deeply.")
    default_code = "json_too_deep"


class PayloadTooLargeError(ParseError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


def json_max_depth() -> int:
    return int(getattr(settings, "API_JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH))


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in `text` (0 for a scalar), without decoding it."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if not brackets:
        return 0
    return max(accumulate(map(_STEP.__getitem__, brackets)))


class LimitedJSONParser(JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than `API_JSON_MAX_DEPTH` or larger than
    `DATA_UPLOAD_MAX_MEMORY_SIZE`, with a code, before the decoder sees them."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise PayloadTooLargeError()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        most = json_max_depth()
        # Fewer opening brackets than the limit cannot nest beyond it: most bodies stop here.
        if text.count("[") + text.count("{") > most and json_depth(text) > most:
            raise JSONTooDeepError(
                _("The JSON is nested too deeply: at most %(depth)d levels.") % {"depth": most}
            )
        try:
            parse_constant = drf_json.strict_constant if self.strict else None
            return drf_json.loads(text, parse_constant=parse_constant)
        except RecursionError as exc:  # pragma: no cover - the depth check comes first
            raise JSONTooDeepError() from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
