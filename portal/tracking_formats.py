"""MCO tracking-number formats in plain words (R-FILE-4): a pattern proposed from real
examples, the words that describe it, and the one check that a pattern can be used.

HFS staff keep one pattern per MCO (a Python regular expression the whole number must
match). Few people write regular expressions, so the MCO page proposes one from examples:
each run of digits becomes "that many digits" (a range when the examples differ), a run of
letters that is the same in every example is kept as typed, one that differs becomes "that
many letters", and separators (hyphens, slashes, spaces…) are kept as typed. Examples of
different shapes give one alternative each.
"""

import re
from dataclasses import dataclass

MAX_EXAMPLES = 20
MAX_EXAMPLE_LENGTH = 60

_TOKEN = re.compile(r"[0-9]+|[A-Za-z]+|.", re.S)
_SPECIAL = set(".^$*+?{}[]\\|()")
_SEPARATOR_NAMES = {
    "-": "a hyphen", "/": "a slash", ".": "a full stop", " ": "a space", "_": "an underscore",
    "#": "a # sign", ":": "a colon", "+": "a plus sign",
}


class FormatError(ValueError):
    """Why examples cannot give a pattern, or why a pattern cannot be used: for people."""


@dataclass(frozen=True)
class Proposal:
    pattern: str
    description: str
    examples: tuple[str, ...]


def parse_examples(text: str) -> list[str]:
    """The examples typed one per line (or separated by commas), blanks dropped, each once."""
    seen = []
    for line in re.split(r"[\n,;]", text or ""):
        example = line.strip()
        if example and example not in seen:
            seen.append(example)
    return seen


def propose(examples: list[str]) -> Proposal:
    """The narrowest pattern of the kind described above that every example matches."""
    if not examples:
        raise FormatError("Enter at least one example of a real tracking number.")
    if len(examples) > MAX_EXAMPLES:
        raise FormatError(f"Enter at most {MAX_EXAMPLES} examples.")
    for example in examples:
        if len(example) > MAX_EXAMPLE_LENGTH:
            raise FormatError(f"“{example[:20]}…” is longer than {MAX_EXAMPLE_LENGTH} "
                              "characters: a tracking number is shorter.")
        if not example.isprintable():
            raise FormatError("An example holds a character that cannot be typed; paste "
                              "the numbers as plain text.")
    shapes: dict[tuple, list[list[str]]] = {}
    for example in examples:
        tokens = _TOKEN.findall(example)
        shapes.setdefault(tuple(_kind(t) for t in tokens), []).append(tokens)
    parts = [_merge(groups) for groups in shapes.values()]
    patterns = [p for p, _ in parts]
    pattern = patterns[0] if len(patterns) == 1 else "(?:" + "|".join(patterns) + ")"
    description = "; or ".join(d for _, d in parts)
    return Proposal(pattern=pattern, description=description, examples=tuple(examples))


def _kind(token):
    if token.isdigit():
        return "digits"
    if token.isascii() and token.isalpha():
        return "letters"
    return token  # a separator stands for itself


def _merge(examples):
    """(pattern, description) for examples of one shape."""
    pattern, words = [], []
    for column in zip(*examples, strict=True):
        kind = _kind(column[0])
        if kind == "digits":
            pattern.append("[0-9]" + _count(column))
            words.append(_counted(column, "digit"))
        elif kind == "letters" and len(set(column)) == 1:
            pattern.append(column[0])
            words.append(column[0])
        elif kind == "letters":
            joined = "".join(column)
            klass, noun = (("[A-Z]", "capital letter") if joined.isupper() else
                           ("[a-z]", "small letter") if joined.islower() else
                           ("[A-Za-z]", "letter"))
            pattern.append(klass + _count(column))
            words.append(_counted(column, noun))
        else:
            pattern.append("\\" + kind if kind in _SPECIAL else kind)  # "-" stays "-"
            words.append(_SEPARATOR_NAMES.get(kind, f"“{kind}”"))
    return "".join(pattern), ", then ".join(words)


def _lengths(column):
    return min(map(len, column)), max(map(len, column))


def _count(column):
    low, high = _lengths(column)
    if low == high:
        return "" if low == 1 else f"{{{low}}}"
    return f"{{{low},{high}}}"


def _counted(column, noun):
    low, high = _lengths(column)
    if low == high:
        return f"{low} {noun}{'' if low == 1 else 's'}"
    return f"{low} to {high} {noun}s"


# -- describing a pattern the helper could have written ---------------------------------

_PIECE = re.compile(
    r"(?P<klass>\[0-9\]|\\d|\[A-Z\]|\[a-z\]|\[A-Za-z\])(?:\{(?P<low>\d+)(?:,(?P<high>\d+))?\})?"
    r"|\\(?P<escaped>[^A-Za-z0-9])|(?P<plain>[^.^$*+?{}\[\]\\|()])"
)
_CLASS_NOUNS = {"[0-9]": "digit", r"\d": "digit", "[A-Z]": "capital letter",
                "[a-z]": "small letter", "[A-Za-z]": "letter"}


def describe(pattern: str) -> str:
    """Plain words for a pattern made of digits, letters and literal text ("PDXGR, then
    7 digits"); "" for anything more intricate (say it in the MCO's format field)."""
    position, words, literal = 0, [], ""
    pattern = (pattern or "").removeprefix("^").removesuffix("$")
    while position < len(pattern):
        match = _PIECE.match(pattern, position)
        if not match:
            return ""
        position = match.end()
        if match["plain"] or match["escaped"]:
            char = match["plain"] or match["escaped"]
            if char.isalnum():
                literal += char
                continue
            if literal:
                words.append(literal)
                literal = ""
            words.append(_SEPARATOR_NAMES.get(char, f"“{char}”"))
            continue
        if literal:
            words.append(literal)
            literal = ""
        noun = _CLASS_NOUNS[match["klass"]]
        low = int(match["low"] or 1)
        high = int(match["high"] or low)
        words.append(f"{low} {noun}{'' if low == 1 else 's'}" if low == high
                     else f"{low} to {high} {noun}s")
    if literal:
        words.append(literal)
    return ", then ".join(words)


# -- checking a pattern -----------------------------------------------------------------


def compile_pattern(pattern: str) -> re.Pattern:
    """The compiled pattern, or FormatError saying in plain words why it cannot be used."""
    try:
        return re.compile(pattern)
    except re.error as error:
        where = f" at character {error.pos + 1}" if error.pos is not None else ""
        raise FormatError(
            f"This is not a valid regular expression: {error.msg}{where}. Fix the pattern, "
            "let the portal propose one from examples, or leave it blank to accept any "
            "tracking number."
        ) from error
    except (OverflowError, RecursionError, ValueError) as error:
        raise FormatError(
            "This is not a valid regular expression: it is too large or too deeply nested. "
            "Let the portal propose one from examples, or leave it blank."
        ) from error


def matches(pattern: str, number: str) -> bool:
    """R-FILE-4: the whole number (spaces around it ignored) fits the pattern; with no
    pattern, any number that is not blank."""
    number = (number or "").strip()
    if not number:
        return False
    if not pattern:
        return True
    return compile_pattern(pattern).fullmatch(number) is not None
