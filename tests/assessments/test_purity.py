"""The engine is pure: no Flask, SQLAlchemy, WTForms or other rooms of the portal."""
import ast
from pathlib import Path

import pytest

import portal.assessments as pkg

ROOT = Path(pkg.__file__).parent
FILES = sorted(ROOT.rglob("*.py"))
FORBIDDEN_TOP = {"flask", "flask_sqlalchemy", "flask_wtf", "flask_login", "flask_babel", "flask_migrate",
                 "sqlalchemy", "wtforms", "requests", "urllib", "socket"}


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT.parent.parent).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                yield ".".join([*base, node.module] if node.module else base)
            else:
                yield node.module or ""


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_module_imports_no_web_database_or_other_room(path):
    for mod in imported_modules(path):
        assert mod.split(".")[0] not in FORBIDDEN_TOP, f"{path.name} imports {mod}"
        if mod.startswith("portal"):
            assert mod == "portal.assessments" or mod.startswith("portal.assessments."), f"{path.name} imports {mod}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_module_opens_with_a_docstring(path):
    assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), path


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_module_never_reads_the_clock(path):
    text = path.read_text(encoding="utf-8")
    for needle in ("date.today(", "datetime.now(", "datetime.utcnow(", "time.time("):
        assert needle not in text, f"{path.name} reads the clock"
