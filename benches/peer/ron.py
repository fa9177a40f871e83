"""A minimal reader of RON, enough for what `secsim validate --resolved` prints.

Why a parser of our own: the benchmark peers must read the same scenario secsim runs, without
adding Rust code and without a third-party RON package. `secsim validate --resolved` prints the
validated scenario with every default filled in and variants expanded, in a regular subset of
RON that maps onto JSON one to one:

    Name(key: value, ...)  -> {"__type": "Name", "key": value, ...}   (named struct / variant)
    (key: value, ...)      -> {"key": value, ...}                     (anonymous struct)
    (a, b)                 -> [a, b]                                  (tuple)
    Some(x)                -> x;  None -> None;  true/false -> bool
    Name(x)                -> {"__type": "Name", "__args": [x]}       (tuple variant)
    [a, b, ...]            -> list;  {k: v, ...} -> dict
    bare_identifier        -> "bare_identifier"                       (unit enum variant)
    "text" with Rust escapes, numbers (ints, floats, inf, NaN)

Comments (// and /* */) and trailing commas are accepted. `python3 ron.py FILE.ron` prints the
JSON, so the conversion can be inspected.
"""

import json
import sys

_PUNCT = set("()[]{}:,")


class RonError(ValueError):
    pass


def _tokens(text):
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise RonError("unterminated comment")
            i = j + 2
        elif c in _PUNCT:
            yield ("p", c)
            i += 1
        elif c == '"':
            out, i = [], i + 1
            while True:
                if i >= n:
                    raise RonError("unterminated string")
                c = text[i]
                if c == '"':
                    i += 1
                    break
                if c == "\\":
                    e = text[i + 1]
                    if e == "u":
                        # Rust's \u{XXXX}
                        close = text.index("}", i)
                        out.append(chr(int(text[i + 3 : close], 16)))
                        i = close + 1
                        continue
                    out.append({"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(e, e))
                    i += 2
                    continue
                out.append(c)
                i += 1
            yield ("s", "".join(out))
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in _PUNCT and text[j] != '"':
                j += 1
            word = text[i:j]
            i = j
            yield ("w", word)


def _number(word):
    try:
        if any(ch in word for ch in ".eE") or word in ("inf", "-inf", "NaN"):
            return float(word)
        return int(word, 0)
    except ValueError:
        return None


class _Parser:
    def __init__(self, text):
        self.toks = list(_tokens(text))
        self.pos = 0

    def peek(self, offset=0):
        k = self.pos + offset
        return self.toks[k] if k < len(self.toks) else (None, None)

    def take(self, kind=None, value=None):
        tok = self.peek()
        if tok[0] is None or (kind and tok[0] != kind) or (value and tok[1] != value):
            raise RonError(f"expected {value or kind} at token {self.pos}, found {tok}")
        self.pos += 1
        return tok

    def value(self):
        kind, tok = self.peek()
        if kind == "s":
            self.pos += 1
            return tok
        if kind == "p":
            if tok == "[":
                return self.seq("[", "]")
            if tok == "{":
                return self.map()
            if tok == "(":
                return self.paren(None)
            raise RonError(f"unexpected {tok!r}")
        if kind == "w":
            self.pos += 1
            number = _number(tok)
            if number is not None:
                return number
            if tok == "true":
                return True
            if tok == "false":
                return False
            if tok == "None":
                return None
            if self.peek() == ("p", "("):
                inner = self.paren(tok)
                return inner
            return tok
        raise RonError("unexpected end of input")

    def seq(self, open_, close):
        self.take("p", open_)
        items = []
        while self.peek() != ("p", close):
            items.append(self.value())
            if self.peek() == ("p", ","):
                self.pos += 1
        self.take("p", close)
        return items

    def map(self):
        self.take("p", "{")
        out = {}
        while self.peek() != ("p", "}"):
            key = self.value()
            self.take("p", ":")
            out[key] = self.value()
            if self.peek() == ("p", ","):
                self.pos += 1
        self.take("p", "}")
        return out

    def paren(self, name):
        # A struct when the first item is `identifier :`, else a tuple.
        self.take("p", "(")
        is_struct = self.peek()[0] == "w" and self.peek(1) == ("p", ":")
        if is_struct or (name is not None and self.peek() == ("p", ")")):
            out = {} if name is None else {"__type": name}
            while self.peek() != ("p", ")"):
                key = self.take("w")[1]
                self.take("p", ":")
                out[key] = self.value()
                if self.peek() == ("p", ","):
                    self.pos += 1
            self.take("p", ")")
            return out
        items = []
        while self.peek() != ("p", ")"):
            items.append(self.value())
            if self.peek() == ("p", ","):
                self.pos += 1
        self.take("p", ")")
        if name == "Some":
            return items[0]
        if name is None:
            return items
        return {"__type": name, "__args": items}


def loads(text):
    parser = _Parser(text)
    out = parser.value()
    if parser.pos != len(parser.toks):
        raise RonError(f"trailing input at token {parser.pos}")
    return out


if __name__ == "__main__":
    data = loads(open(sys.argv[1], encoding="utf-8").read())
    json.dump(data, sys.stdout, indent=1, allow_nan=True)
    print()
