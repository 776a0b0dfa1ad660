"""Write docs/schemas/*.json from zkverify's pydantic models (run after changing a format).

    python scripts/gen_schemas.py          # rewrite the schemas
    python scripts/gen_schemas.py --check  # exit 1 if a committed schema is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from zkverify.schemas import models, render

OUT = Path(__file__).resolve().parent.parent / "docs" / "schemas"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    OUT.mkdir(parents=True, exist_ok=True)
    names = set(models())
    for name in sorted(names):
        path = OUT / f"{name}.json"
        text = render(name)
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path.name)
        if not check:
            path.write_text(text, encoding="utf-8")
    extra = sorted(p.name for p in OUT.glob("*.json") if p.stem not in names)
    for name in extra:
        stale.append(name)
        if not check:
            (OUT / name).unlink()
    if check and stale:
        print(f"out of date: {', '.join(stale)} (run python scripts/gen_schemas.py)",
              file=sys.stderr)
        return 1
    if not check:
        print(f"wrote {len(stale)} of {len(names)} schemas in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
