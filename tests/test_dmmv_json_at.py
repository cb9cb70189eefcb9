"""Every error a ``.dmmv.json`` file can cause after its parse names a line, and the line is the one of the value
it is about: the reader's and the model's checks mark the part of the input (``at``) where they are raised, so no
message wording decides it (it did: a regex over the messages found the key they quoted)."""

import json

import combopt
from combopt.core.errors import InputError
from combopt.core.jsonpos import line_of

BASE = {"format": "dmmv", "name": "t", "A": [[1, 2, 0], [0, 1, 3]], "lower": [0, 1], "upper": [2, 4],
        "weights": [1, 2],
        "domains": [{"values": [0, 1, 2]}, {"lo": 0, "step": 1, "count": 3}, {"values": [1, 5]}]}
BAD = [None, -1, 0, 0.5, 1e400, -1e400, "x", True, [], {}, [1], 10**30]


def _leaves(o, path=()):
    if isinstance(o, dict):
        for k, v in o.items():
            yield from _leaves(v, path + (k,))
        return
    yield path
    if isinstance(o, list):
        for i, v in enumerate(o):
            yield from _leaves(v, path + (i,))


def _span(text: str, data: dict, key: str) -> tuple[int, int]:
    keys = list(data)
    i = keys.index(key)
    hi = line_of(text, (keys[i + 1],)) - 1 if i + 1 < len(keys) else text.count("\n") + 1
    return line_of(text, (key,)) - 1, hi  # the key's own line (its value may start on the next)


def test_every_error_after_the_parse_names_a_line_inside_the_value_it_is_about(tmp_path):
    f = tmp_path / "f.dmmv.json"
    refused = 0
    for path in _leaves(BASE):
        if not path or path[0] in ("format", "name"):
            continue
        for v in BAD:
            data = json.loads(json.dumps(BASE))
            obj = data
            for k in path[:-1]:
                obj = obj[k]
            obj[path[-1]] = v
            text = json.dumps(data, indent=1).replace("Infinity", "1e400")
            f.write_text(text)
            try:
                combopt.read(f)
                continue
            except InputError as e:
                err = e
            refused += 1
            assert err.line is not None, (path, v, err.message)
            keys = ("lower", "upper") if "lower <= upper" in err.message else (path[0],)
            assert any(lo <= err.line <= hi for lo, hi in (_span(text, data, k) for k in keys)), \
                (path, v, err.line, err.message)
    assert refused > 200  # most are refused; the rest are values the format takes (a bound of 0.5, say)
