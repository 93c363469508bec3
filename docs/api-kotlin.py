"""A listing of the Kotlin public API, with its KDoc, as Markdown (docs/build-api runs it).

Dokka is not available offline here, so this reads the sources: the hand-written layer
(bindings-kotlin/src/main/kotlin) and, when a build has generated them, uniffi's generated
bindings (bindings-kotlin/target/generated-sources/uniffi). It lists every public
declaration with the KDoc right above it, and says which have none.

Usage: python docs/api-kotlin.py OUT.md
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "bindings-kotlin/src/main/kotlin"
GENERATED = ROOT / "bindings-kotlin/target/generated-sources/uniffi"
DECLARATION = re.compile(
    r"^(?P<indent>\s*)(?:@\w+(?:\([^)]*\))?\s+)*(?P<mods>(?:(?:public|open|sealed|data|enum|abstract|"
    r"override|suspend|inline|operator|infix|value|annotation|const|lateinit|actual|fun)\s+)*)"
    r"(?P<kind>class|interface|object|fun|val|var|typealias)\b(?P<rest>.*)$"
)
HIDDEN = re.compile(r"\b(private|internal|protected)\b")


def kdoc_text(lines: list[str]) -> str:
    text = []
    for line in lines:
        line = line.strip()
        line = re.sub(r"^/\*\*\s?|\s?\*/$|^\*\s?", "", line)
        # KDoc links ([Name], [Type.member]) as code; block tags in bold.
        line = re.sub(r"\[([A-Za-z_][\w.]*)\](?![(\[])", r"`\1`", line)
        line = re.sub(r"^@(\w+)", r"**@\1**", line)
        text.append(line)
    return "\n".join(text).strip()


def count_braces(line: str, kind: str | None, stack: list[str]) -> None:
    code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', line.split("//")[0])
    for char in code:
        if char == "{":
            stack.append("class" if kind in ("class", "interface", "object") else "other")
            kind = None
        elif char == "}" and stack:
            stack.pop()


def full_signature(lines: list[str], start: int) -> tuple[str, int]:
    """The declaration that starts at lines[start], joined up to its body or initializer."""
    parts: list[str] = []
    depth = 0
    end = start
    for end in range(start, len(lines)):
        part = lines[end].split("//")[0].strip()
        parts.append(part)
        depth += part.count("(") - part.count(")")
        if depth <= 0:
            break
    text = re.sub(r"/\*.*?\*/\s*", "", " ".join(parts)).replace("( ", "(").replace(", )", ")").replace(" )", ")")
    level = 0
    cut = len(text)
    for position, char in enumerate(text):
        level += {"(": 1, ")": -1, "<": 0, ">": 0}.get(char, 0)
        if level == 0 and (text.startswith(" {", position) or text.startswith(" = ", position)):
            cut = position
            break
    text = text[:cut].rstrip("{ ").rstrip("=").strip()
    text = re.sub(r"\s+", " ", text.replace("`", "")).replace("( ", "(").replace(" )", ")").replace(" ,", ",")
    return text, end


def declarations(path: Path) -> list[tuple[int, str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[tuple[int, str, str]] = []
    doc: list[str] = []
    in_doc = False
    stack: list[str] = []  # the kind of each open brace: "class" (a type body) or "other"
    skip_until = -1
    pending: str | None = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if index <= skip_until:
            doc = []
            count_braces(line, pending, stack)
            if "{" in line:
                pending = None
            continue
        if in_doc:
            doc.append(line)
            if stripped.endswith("*/"):
                in_doc = False
            continue
        if stripped.startswith("/**"):
            doc = [line]
            in_doc = not stripped.endswith("*/")
            continue
        match = DECLARATION.match(line)
        kind = match.group("kind") if match else None
        pending = kind
        if match and all(k == "class" for k in stack) and not HIDDEN.search(line.split(kind)[0]):
            signature, skip_until = full_signature(lines, index)
            found.append((len(stack), signature, kdoc_text(doc) if doc else ""))
        if stripped and not stripped.startswith(("@", "//", "*")):
            doc = []
        if index < skip_until:
            continue
        count_braces(line, kind, stack)
        pending = None
    return found


# uniffi's plumbing in the generated file: public for the generated code's own use, not API.
PLUMBING = re.compile(
    r"FfiConverter|Uniffi|uniffi|RustBuffer|ForeignBytes|ForeignFuture|NoPointer|InternalException|"
    r"\binterface Disposable\b|\bobject NoHandle\b|\bcleanable\b|override (?:fun|val) (?:read|write|lift|lower|allocationSize|destroy|"
    r"hashCode|equals|toString|message)\b"
)


def section(title: str, base: Path, out: list[str], missing: list[str], generated: bool = False) -> None:
    out.append(f"## {title}\n")
    for path in sorted(base.rglob("*.kt")):
        items = declarations(path)
        if generated:
            kept, skipping = [], False
            for depth, signature, doc in items:
                if depth == 0:
                    skipping = bool(PLUMBING.search(signature))
                if not skipping and not PLUMBING.search(signature):
                    kept.append((depth, signature, doc))
            items = kept
        if not items:
            continue
        out.append(f"### `{path.relative_to(base)}`\n")
        for depth, signature, doc in items:
            prefix = "" if depth == 0 else "&nbsp;&nbsp;&nbsp;&nbsp;↳ "
            out.append(f"{prefix}`{signature}`\n")
            if doc:
                out.append("\n".join("> " + line if line else ">" for line in doc.splitlines()) + "\n")
            else:
                out.append("> *(no KDoc)*\n")
                missing.append(f"{path.relative_to(ROOT)}: {signature}")
            out.append("")


def main() -> None:
    out_path = Path(sys.argv[1])
    out = [
        "# Kotlin API",
        "",
        "A listing of the public declarations of the Kotlin package and their KDoc, generated",
        "from the sources by `docs/api-kotlin.py` (run by `docs/build-api`). A rendered reference",
        "needs [Dokka](https://kotlinlang.org/docs/dokka-introduction.html), which is not among the",
        "project's vendored Maven artifacts yet: vendoring `org.jetbrains.dokka:dokka-maven-plugin`",
        "would replace this page.",
        "",
    ]
    missing: list[str] = []
    section("The Kotlin layer (`bindings-kotlin/src/main/kotlin`)", SOURCES, out, missing)
    if (GENERATED / "dev").is_dir():
        section(
            "Generated by uniffi (`dev.authwire`, from the Rust core's documentation)", GENERATED, out, missing, True
        )
    else:
        out += [
            "## Generated by uniffi",
            "",
            "The generated bindings (`TokenManager`, `basicAuth`, `AuthException`, …) are listed here",
            "after a Kotlin build has generated them (`mvn -f bindings-kotlin/pom.xml generate-sources`);",
            "their documentation is the Rust core's, in the [Rust API](rust/authwire/index.html).",
            "",
        ]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"{out_path}: {len(missing)} public declarations without KDoc")
    for item in missing:
        print(f"  no KDoc: {item}")


if __name__ == "__main__":
    main()
