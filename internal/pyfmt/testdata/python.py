"""What CPython does with the inputs pyfmt's tests give: a JSON object on
stdin, the answers as JSON on stdout, one per input, in order."""
import json
import sys


def exc(e):
    return {"type": type(e).__name__, "msg": str(e)}


def attempt(f):
    try:
        return {"ok": f()}
    except Exception as e:
        return exc(e)


req = json.load(sys.stdin)
out = {}
if "repr" in req:
    # Each input is the bytes of a Go string, decoded as Python decodes
    # file names: UTF-8 with surrogateescape.
    out["repr"] = [repr(bytes(b).decode("utf-8", "surrogateescape")) for b in req["repr"]]
    out["ascii"] = [ascii(bytes(b).decode("utf-8", "surrogateescape")) for b in req["repr"]]
    out["reprbytes"] = [repr(bytes(b)) for b in req["repr"]]
class Refused(Exception):
    pass


class dict(dict):
    """A mapping that refuses to be formatted itself, as pyfmt.Format
    refuses a conversion without a (name)."""

    def __repr__(self):
        raise Refused("the mapping itself was formatted")


if "format" in req:
    mapping = dict(req["vars"])
    out["format"] = [attempt(lambda: f % mapping) for f in req["format"]]
if "int" in req:
    out["int"] = [attempt(lambda: str(int(bytes(b).decode("utf-8", "surrogateescape")))) for b in req["int"]]
    out["intbytes"] = [attempt(lambda: str(int(bytes(b)))) for b in req["int"]]
if "intbase" in req:
    out["intbase"] = [attempt(lambda: str(int(bytes(b).decode("utf-8", "surrogateescape"), base))) for b, base in req["intbase"]]
if "unicode" in req:
    # One character per code point: 1 printable + 2 space + 4 decimal.
    flags = []
    digits = {}
    for c in range(0x110000):
        ch = chr(c)
        d = ch.isdecimal()
        if d:
            digits[c] = int(ch)
        flags.append(str(ch.isprintable() + 2 * ch.isspace() + 4 * d))
    out["unicode"] = "".join(flags)
    out["digits"] = digits
    out["strip"] = [s.strip() for s in req["unicode"]]
json.dump(out, sys.stdout)
