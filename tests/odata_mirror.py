"""A CBS OData mirror on 127.0.0.1: answers the workbook's requests the way CBS's services do, from recorded
responses (../shared/data/cbs) or from tables a test builds. Used by the tests and by `make opnames`.

It understands what the workbook asks: the metadata entities of a table, and data entities with `$filter`
(eq, ne, ge, gt, le, lt, startswith, and, or, not, parentheses), `$select`, `$skip` and `$format=json`, paged with
`odata.nextLink` (v3) or `@odata.nextLink` (v4). Paths:

    /v4/CBS/{table}/{entity}     OData v4, datasets.cbs.nl           (TRENDBREUK_CBS_V4_URL = {url}/v4/CBS)
    /v3/{table}/{entity}         OData v3, catalogue CBS             (TRENDBREUK_CBS_V3_URL = {url}/v3)
    /derden/{table}/{entity}     OData v3, third-party catalogues    (TRENDBREUK_CBS_DERDEN_URL = {url}/derden)

A table or entity the mirror does not have answers 404, as CBS does for a table that does not exist.

Faults (`Fault`) make it answer as CBS and the network do on a bad day: a status (5xx, 429 with Retry-After), an
HTML maintenance page with status 200, a body cut off halfway, broken JSON, an empty or shorter `value` list, a code
list without some gemeenten, a measure without values, a dropped connection or a slow answer; once, a few times or
always.

Run it in front of a command (the recordings are served while the command runs):

    python -m tests.odata_mirror [--shared ../shared/data] -- trendbreuk fetch cbs 03759ned 84799NED
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from tests.local_server import Served, _sleep, send

DATA_ENTITIES = {"TypedDataSet", "UntypedDataSet", "Observations"}
PREFIXES = {"v4": "v4/CBS", "v3": "v3", "derden": "derden"}


# $filter ------------------------------------------------------------------------------------------------------

TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<paren>[(),])|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<number>-?\d+(?:\.\d+)?))"
)


class FilterSyntaxError(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out, position = [], 0
    text = text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise FilterSyntaxError(f"cannot read $filter at {text[position : position + 20]!r}")
        kind = match.lastgroup
        value = match.group(kind)
        out.append((kind, value[1:-1].replace("''", "'") if kind == "string" else value))
        position = match.end()
    return out


def parse_filter(text: str):
    """A predicate row -> bool for an OData $filter of the forms the workbook sends."""
    tokens = _tokens(text)
    position = 0

    def peek(offset: int = 0):
        return tokens[position + offset] if position + offset < len(tokens) else (None, None)

    def take(expected: str | None = None):
        nonlocal position
        token = peek()
        if token[0] is None or (expected is not None and token[1] != expected):
            raise FilterSyntaxError(f"$filter: expected {expected!r}, found {token[1]!r}")
        position += 1
        return token

    def disjunction():
        left = conjunction()
        while peek()[1] == "or":
            take("or")
            right = conjunction()
            left = (lambda a, b: lambda row: a(row) or b(row))(left, right)
        return left

    def conjunction():
        left = negation()
        while peek()[1] == "and":
            take("and")
            right = negation()
            left = (lambda a, b: lambda row: a(row) and b(row))(left, right)
        return left

    def negation():
        if peek()[1] == "not":
            take("not")
            inner = negation()
            return lambda row: not inner(row)
        return atom()

    def atom():
        kind, value = peek()
        if value == "(":
            take("(")
            inner = disjunction()
            take(")")
            return inner
        if kind == "word" and value in ("startswith", "substringof") and peek(1)[1] == "(":
            take(value)
            take("(")
            first = take()
            take(",")
            second = take()
            take(")")
            if value == "startswith":
                name, prefix = first[1], second[1]
                return lambda row: str(row.get(name) or "").startswith(prefix)
            needle, name = first[1], second[1]
            return lambda row: needle in str(row.get(name) or "")
        name = take()[1]
        operator = take()[1]
        literal = take()[1]
        compare = {
            "eq": lambda a, b: a == b,
            "ne": lambda a, b: a != b,
            "ge": lambda a, b: a >= b,
            "gt": lambda a, b: a > b,
            "le": lambda a, b: a <= b,
            "lt": lambda a, b: a < b,
        }.get(operator)
        if compare is None:
            raise FilterSyntaxError(f"$filter: unknown operator {operator!r}")
        return lambda row: row.get(name) is not None and compare(str(row.get(name)), literal)

    predicate = disjunction()
    if position != len(tokens):
        raise FilterSyntaxError(f"$filter: unexpected {tokens[position][1]!r}")
    return predicate


# The server ---------------------------------------------------------------------------------------------------


@dataclass
class Table:
    entities: dict[str, object]  # entity name -> list of rows, or a single object (v4 Properties)
    version: str = "v3"


@dataclass
class Fault:
    """What a request whose path contains `where` gets instead of the right answer, for `times` requests (None:
    always). Kinds: status (with `status` and `retry_after`), html, truncated, broken_json, empty, fewer (keeps
    `keep` of the rows), without_gemeenten (drops the codes in `codes` from a code list), without_measure (drops the
    rows, or empties the column, of measure `measure`), drop (closes the connection without an answer), slow
    (answers after `delay` seconds)."""

    where: str
    kind: str
    times: int | None = None
    status: int = 503
    retry_after: str | None = None
    keep: float = 0.5
    codes: tuple[str, ...] = ()
    measure: str = ""
    delay: float = 0.0

    def applies(self, path: str) -> bool:
        if self.where not in path or self.times == 0:
            return False
        if self.times is not None:
            self.times -= 1
        return True

    def change(self, body: object) -> object:
        """The right answer, changed as this fault changes it."""
        if not isinstance(body, dict) or not isinstance(body.get("value"), list):
            return body
        rows = body["value"]
        if self.kind == "empty":
            rows = []
        elif self.kind == "fewer":
            rows = rows[: int(len(rows) * self.keep)]
        elif self.kind == "without_gemeenten":
            rows = [r for r in rows if str(r.get("Identifier") or r.get("Key") or "").strip() not in self.codes]
        elif self.kind == "without_measure":
            rows = [r for r in rows if r.get("Measure") != self.measure]
            rows = [{**r, self.measure: None} if self.measure in r else r for r in rows]
        return {**body, "value": rows}


@dataclass
class ODataMirror(Served):
    page_size: int = 5000
    tables: dict[tuple[str, str], Table] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    def add(self, prefix: str, table: str, entities: dict[str, object]) -> None:
        """Serve `table` under /{prefix}/... (prefix: v4, v3 or derden)."""
        self.tables[(PREFIXES[prefix], table.lower())] = Table(entities, "v4" if prefix == "v4" else "v3")

    def __enter__(self) -> ODataMirror:
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                mirror.requests.append(self.path)
                fault = next((f for f in mirror.faults if f.applies(self.path)), None)
                if fault is not None and fault.kind == "drop":
                    self.close_connection = True  # no status line at all: the client sees the connection close
                    return
                if fault is not None and fault.kind == "slow":
                    _sleep(fault.delay)
                if fault is not None and fault.kind == "status":
                    self.send_response(fault.status)
                    if fault.retry_after is not None:
                        self.send_header("Retry-After", fault.retry_after)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", "11")
                    self.end_headers()
                    self.wfile.write(b"Unavailable")
                    return
                if fault is not None and fault.kind == "html":
                    send(self, 200, "text/html", b"<!DOCTYPE html><html><body><h1>Onderhoud</h1></body></html>")
                    return
                if fault is not None and fault.kind == "broken_json":
                    send(self, 200, "application/json", b'{"value": [{"Id": 1, "Measure"')
                    return
                status, body = mirror.answer(self.path, f"http://{self.headers.get('Host')}")
                if fault is not None:
                    body = fault.change(body)
                data = json.dumps(body, ensure_ascii=False).encode("utf-8")
                if fault is not None and fault.kind == "truncated":
                    send(self, status, "application/json; charset=utf-8", data[: len(data) // 2], announced=len(data))
                    return
                send(self, status, "application/json; charset=utf-8", data)

            def log_message(self, *args):
                pass

        self.serve(Handler)
        return super().__enter__()

    def environment(self) -> dict[str, str]:
        return {
            "TRENDBREUK_CBS_V4_URL": f"{self.url}/v4/CBS",
            "TRENDBREUK_CBS_V3_URL": f"{self.url}/v3",
            "TRENDBREUK_CBS_DERDEN_URL": f"{self.url}/derden",
        }

    def answer(self, raw_path: str, origin: str) -> tuple[int, object]:
        parts = urlsplit(raw_path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        segments = parts.path.strip("/").split("/")
        prefix = "/".join(segments[:2]) if segments[:2] == ["v4", "CBS"] else segments[0]
        rest = segments[2:] if prefix == "v4/CBS" else segments[1:]
        if len(rest) != 2:
            return 404, {"odata.error": {"message": {"value": f"no such resource: {parts.path}"}}}
        table_id, entity = rest
        table = self.tables.get((prefix, table_id.lower()))
        if table is None or entity not in table.entities:
            return 404, {
                "odata.error": {
                    "message": {"value": f"Resource not found for the segment '{entity if table else table_id}'."}
                }
            }
        content = table.entities[entity]
        if not isinstance(content, list):
            return 200, content
        rows = content
        try:
            if "$filter" in query:
                predicate = parse_filter(query["$filter"])
                rows = [r for r in rows if predicate(r)]
        except FilterSyntaxError as err:
            return 400, {"odata.error": {"message": {"value": str(err)}}}
        if "$select" in query:
            wanted = [c.strip() for c in query["$select"].split(",") if c.strip()]
            unknown = [c for c in wanted if rows and c not in rows[0]]
            if unknown:
                return 400, {"odata.error": {"message": {"value": f"Could not find a property named '{unknown[0]}'"}}}
            rows = [{c: r.get(c) for c in wanted} for r in rows]
        skip = int(query.get("$skip", 0))
        page = rows[skip : skip + self.page_size] if entity in DATA_ENTITIES else rows
        version_key = "@odata.nextLink" if table.version == "v4" else "odata.nextLink"
        body = {
            (
                "@odata.context" if table.version == "v4" else "odata.metadata"
            ): f"{origin}/{prefix}/{table_id}/$metadata",
            "value": page,
        }
        if entity in DATA_ENTITIES and skip + self.page_size < len(rows):
            kept = "&".join(f"{k}={quote(v, safe=chr(39) + '(),')}" for k, v in query.items() if k != "$skip")
            body[version_key] = f"{origin}{parts.path}?{kept + '&' if kept else ''}$skip={skip + self.page_size}"
        return 200, body


# The recordings in ../shared/data -------------------------------------------------------------------------------


def _records(frame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", force_ascii=False))


def add_recordings(mirror: ODataMirror, shared: Path) -> list[str]:
    """Serve every recorded CBS table in `shared` (../shared/data) as CBS would; returns the table ids served."""
    import pandas as pd

    served = []
    v4 = shared / "cbs" / "03759ned-v4"
    if v4.is_dir():
        index = json.loads((v4 / "index.json").read_text(encoding="utf-8"))
        files = index["files"]
        entities: dict[str, object] = {
            "Properties": json.loads((v4 / files["properties"]).read_text(encoding="utf-8")),
            "Dimensions": json.loads((v4 / files["dimensions"]).read_text(encoding="utf-8"))["value"],
            "MeasureCodes": json.loads((v4 / files["measure-codes"]).read_text(encoding="utf-8"))["value"],
            "Observations": [
                row
                for page in index["observationPages"]
                for row in json.loads((v4 / page).read_text(encoding="utf-8"))["value"]
            ],
        }
        for name, file in files.items():
            if name.startswith("codes-"):
                entities[f"{name.removeprefix('codes-')}Codes"] = json.loads((v4 / file).read_text(encoding="utf-8"))[
                    "value"
                ]
        mirror.add("v4", index["tableId"], entities)
        served.append(index["tableId"])
    kwb2020 = shared / "cbs" / "84799NED-v3"
    if kwb2020.is_dir():
        prefix = kwb2020 / "cbs.v3.84799NED_"
        properties = _records(
            pd.read_parquet(f"{prefix}DataProperties.parquet").rename(columns={"odata_type": "odata.type"})
        )
        for p in properties:  # parquet stored the integer fields as floats; CBS sends integers or null
            for key in ("ID", "Position", "ParentID", "MapYear", "Decimals"):
                if isinstance(p.get(key), float):
                    p[key] = int(p[key])
        mirror.add(
            "v3",
            "84799NED",
            {
                "TableInfos": [json.loads((kwb2020 / "cbs.v3.84799NED_Metadata.json").read_text(encoding="utf-8"))],
                "DataProperties": properties,
                "WijkenEnBuurten": _records(pd.read_parquet(f"{prefix}WijkenEnBuurten.parquet")),
                "TypedDataSet": _records(pd.read_parquet(f"{prefix}TypedDataSet.parquet")),
            },
        )
        served.append("84799NED")
    kwb2024 = shared / "cbs" / "85984NED-v3"
    if kwb2024.is_dir():  # metadata only: its data were not recorded, so TypedDataSet answers 404
        mirror.add(
            "v3",
            "85984NED",
            {
                "TableInfos": json.loads((kwb2024 / "TableInfos.json").read_text(encoding="utf-8")),
                "DataProperties": json.loads((kwb2024 / "DataProperties.json").read_text(encoding="utf-8")),
                "CategoryGroups": json.loads((kwb2024 / "CategoryGroups.json").read_text(encoding="utf-8")),
            },
        )
        served.append("85984NED (alleen metadata)")
    return served


def main(argv: list[str] | None = None) -> int:
    import argparse
    import os
    import subprocess
    import sys

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shared",
        default=str(Path(__file__).resolve().parents[2] / "shared" / "data"),
        help="folder with the recordings (default: ../shared/data beside the project)",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="command to run while the mirror serves (after --)")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    shared = Path(args.shared)
    if not (shared / "cbs").is_dir():
        print(f"no recordings in {shared}/cbs: this command needs the workplace's ../shared/data", file=sys.stderr)
        return 2
    with ODataMirror() as mirror:
        served = add_recordings(mirror, shared)
        print(f"CBS-spiegel van de opnames op {mirror.url}: {', '.join(served)}", file=sys.stderr)
        if not command:
            print("geen opdracht gegeven; stop met Ctrl-C", file=sys.stderr)
            threading.Event().wait()
        return subprocess.run(command, env={**os.environ, **mirror.environment()}).returncode


if __name__ == "__main__":
    raise SystemExit(main())
